/**
 * Path templates in AuthorizationPolicy `paths` / `notPaths`, checked as Istio's
 * validation does: `{*}` matches one path segment and `{**}` any number of them; each must
 * be a whole segment, `{**}` must be the last template, no other `{` or `}` may appear, and
 * in a templated path every other segment must be a plain RFC 3986 path literal.
 */
import { defineCode, diagnostic } from '../../diagnostics/index.ts';
import type { Diagnostic } from '../../diagnostics/index.ts';
import type { PolicyModel } from '../../model/types.ts';
import type { Analyzer } from '../types.ts';
import { policyName, policyRules } from './context.ts';

export const INVALID_PATH_TEMPLATE = defineCode({
  code: 'SLU5015',
  stage: 'security',
  severity: 'error',
  title: 'Invalid path template in an AuthorizationPolicy',
  hint: 'Use `{*}` for exactly one path segment and `{**}` for any number of segments, each as a whole segment (`/api/{*}/items`, `/static/{**}`), with `{**}` last. Other segments of a templated path may only hold path characters (letters, digits, and - . _ ~ % ! $ & \' ( ) + , ; : @ =), not `*`.',
});

const ONE = '{*}';
const ANY = '{**}';
/** RFC 3986 pchar, as Envoy's URI template matcher accepts for literals. */
const LITERAL = /^[A-Za-z0-9\-._~%!$&'()+,;:@=]+$/;

/** Why a path is not a valid template, or undefined. */
export function pathTemplateProblem(path: string): string | undefined {
  const templated = path.includes(ONE) || path.includes(ANY);
  if (!templated && !path.includes('{') && !path.includes('}')) return undefined;
  let sawAny = false;
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  for (const segment of segments) {
    if (segment === ONE || segment === ANY) {
      if (sawAny) return '`{**}` must be the last template in the path';
      if (segment === ANY) sawAny = true;
      continue;
    }
    if (segment.includes('{') || segment.includes('}')) {
      return `segment \`${segment}\` has \`{\` or \`}\` outside a whole-segment \`{*}\` or \`{**}\``;
    }
    if (templated && segment === '') return 'a templated path cannot have an empty segment (`//`)';
    if (templated && !LITERAL.test(segment)) {
      return `segment \`${segment}\` is not a plain path literal (templates cannot be mixed with \`*\` or other special characters)`;
    }
  }
  return undefined;
}

export const authorizationPathTemplates: Analyzer = {
  name: 'authorization-path-templates',
  codes: [INVALID_PATH_TEMPLATE],
  run(model: PolicyModel): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const policy of model.authorizationPolicies) {
      for (const { index: i, operations } of policyRules(policy)) {
        for (const operation of operations) {
          for (const field of ['paths', 'notPaths'] as const) {
            const paths = operation.value[field];
            if (!Array.isArray(paths)) continue;
            for (let index = 0; index < paths.length; index++) {
              const value: unknown = paths[index];
              if (typeof value !== 'string') continue;
              const problem = pathTemplateProblem(value);
              if (problem) {
                out.push(diagnostic(INVALID_PATH_TEMPLATE, policy.doc.locate([...operation.path, field, index], 'value'), `invalid path template \`${value}\` in rule ${i} of ${policyName(policy)}: ${problem}`));
              }
            }
          }
        }
      }
    }
    return out;
  },
};
