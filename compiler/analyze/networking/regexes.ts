/**
 * SLU4016: a regex Envoy and proxyless gRPC cannot compile (RE2 syntax, at most 1024
 * bytes, as Istio validates). Envoy NACKs it; @grpc/grpc-js-xds ACKs it and then crashes.
 * Checked: VirtualService match uri/scheme/method/authority, headers, withoutHeaders,
 * queryParams, rewrite.uriRegexRewrite.match, corsPolicy.allowOrigins; Gateway API
 * HTTPRoute path/header/query matches and GRPCRoute method matches of type
 * RegularExpression.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { PathSegment } from '../../load/types.ts';
import { isRecord } from '../../model/index.ts';
import type { VirtualService } from '../../model/index.ts';
import { at, checkRegex, perVirtualService } from '../shared/index.ts';
import type { Analyzer } from '../types.ts';

export const INVALID_REGEX = defineCode({
  code: 'SLU4016',
  stage: 'networking',
  severity: 'error',
  title: 'Invalid regular expression',
  hint: 'Write the regex in RE2 syntax (no lookaround, no backreferences, no \\u escapes: use \\x{41}), at most 1024 bytes. An invalid regex is rejected by Envoy and crashes proxyless gRPC clients.',
  istio: 'IST0122',
});

type Visit = (pattern: unknown, path: readonly PathSegment[], what: string) => void;

function stringMatchRegex(value: unknown, path: readonly PathSegment[], what: string, visit: Visit): void {
  if (isRecord(value) && value.regex !== undefined) visit(value.regex, [...path, 'regex'], what);
}

function walkVirtualService(vs: VirtualService, visit: Visit): void {
  for (const route of vs.http) {
    route.matches.forEach((m, k) => {
      const base = [...route.path, 'match', k];
      for (const key of ['uri', 'scheme', 'method', 'authority']) stringMatchRegex(m[key], [...base, key], `${key} match`, visit);
      for (const key of ['headers', 'queryParams', 'withoutHeaders']) {
        const map = m[key];
        if (!isRecord(map)) continue;
        for (const [name, sm] of Object.entries(map)) {
          // withoutHeaders `regex: "*"` is not a regex: Istio reads it as "header present"
          if (key === 'withoutHeaders' && isRecord(sm) && sm.regex === '*') continue;
          stringMatchRegex(sm, [...base, key, name], `${key === 'queryParams' ? 'query parameter' : 'header'} "${name}" match`, visit);
        }
      }
    });
    const rewrite = route.raw.rewrite;
    if (isRecord(rewrite) && isRecord(rewrite.uriRegexRewrite) && rewrite.uriRegexRewrite.match !== undefined) {
      visit(rewrite.uriRegexRewrite.match, [...route.path, 'rewrite', 'uriRegexRewrite', 'match'], 'uriRegexRewrite match');
    }
    const cors = route.raw.corsPolicy;
    if (isRecord(cors) && Array.isArray(cors.allowOrigins)) {
      cors.allowOrigins.forEach((o, i) => stringMatchRegex(o, [...route.path, 'corsPolicy', 'allowOrigins', i], 'CORS allowOrigins', visit));
    }
  }
}

function walkGatewayRoute(vs: VirtualService, visit: Visit): void {
  const spec = isRecord(vs.doc.data.spec) ? vs.doc.data.spec : {};
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  rules.forEach((rule, i) => {
    if (!isRecord(rule) || !Array.isArray(rule.matches)) return;
    rule.matches.forEach((m, k) => {
      if (!isRecord(m)) return;
      const base: PathSegment[] = ['spec', 'rules', i, 'matches', k];
      if (isRecord(m.path) && m.path.type === 'RegularExpression') visit(m.path.value, [...base, 'path', 'value'], 'path match');
      for (const key of ['headers', 'queryParams']) {
        const list = m[key];
        if (!Array.isArray(list)) continue;
        list.forEach((h, j) => {
          if (isRecord(h) && h.type === 'RegularExpression') visit(h.value, [...base, key, j, 'value'], `${key === 'headers' ? 'header' : 'query parameter'} "${String(h.name)}" match`);
        });
      }
      if (isRecord(m.method) && m.method.type === 'RegularExpression') {
        for (const key of ['service', 'method']) if (m.method[key] !== undefined) visit(m.method[key], [...base, 'method', key], `gRPC ${key} match`);
      }
    });
  });
}

export const regexes: Analyzer = perVirtualService({
  name: 'regexes',
  codes: [INVALID_REGEX],
  check(vs, model, out) {
    const visit: Visit = (pattern, path, what) => {
      if (typeof pattern !== 'string') return;
      const problem = checkRegex(pattern);
      if (!problem) return;
      const shown = pattern.length > 80 ? `${pattern.slice(0, 77)}...` : pattern;
      out.push(diagnostic(INVALID_REGEX, at(vs, path), `${what} regex "${shown}" is not usable: ${problem.message}`));
    };
    if (vs.sourceKind === 'VirtualService') walkVirtualService(vs, visit);
    else walkGatewayRoute(vs, visit);
  },
});
