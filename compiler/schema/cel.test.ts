import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../diagnostics/index.ts';
import { loadSources } from '../load/index.ts';
import { compileRule, escapeProperty, parseRequestUri } from './cel.ts';
import type { JsonSchema } from './convert.ts';
import { parseGoDuration } from './duration.ts';
import { validateDocuments } from './index.ts';
import { collectRules, evaluateRules, parseFieldPath, toCelValue } from './rules.ts';

const GENERATED = new URL('./generated/', import.meta.url);

/**
 * Rules of the generated schemas that sluice does not evaluate, each with the reason.
 * Empty today: every upstream rule compiles. A new upstream rule that does not compile
 * makes the test below fail until it is supported or listed here with its reason.
 */
const UNSUPPORTED: Record<string, string> = {};

function generatedSchemas(): { file: string; schema: JsonSchema }[] {
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', GENERATED), 'utf8')) as { kinds: { versions: Record<string, { schema: string }> }[] };
  const files = new Set(manifest.kinds.flatMap((k) => Object.values(k.versions).map((v) => v.schema)));
  return [...files].sort().map((file) => ({ file, schema: JSON.parse(readFileSync(new URL(file, GENERATED), 'utf8')) as JsonSchema }));
}

function validate(text: string): Diagnostic[] {
  const result = loadSources([{ path: 'policy.yaml', content: text }]);
  assert.deepEqual(result.diagnostics, []);
  return validateDocuments(result.documents);
}

function show(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${d.code} ${d.line}:${d.col} ${d.path} ${d.message}`).join('\n');
}

function rulesFired(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.code === 'SLU2010' || d.code === 'SLU2011');
}

describe('CEL rules of the upstream CRDs', () => {
  const all = generatedSchemas().flatMap(({ file, schema }) => collectRules(schema).map((r) => ({ file, ...r })));

  it('are all found', () => {
    assert.ok(new Set(all.map((r) => r.rule.rule)).size >= 80, `only ${all.length} rules`);
  });

  it('every rule compiles, or is listed as unsupported with a reason', () => {
    const problems: string[] = [];
    const stillUnsupported = new Set<string>();
    for (const { file, at, rule } of all) {
      const compiled = compileRule(rule);
      if (compiled.status === 'ok' || compiled.status === 'skipped') {
        if (UNSUPPORTED[rule.rule] !== undefined) problems.push(`listed as unsupported but compiles: ${rule.rule}`);
        continue;
      }
      stillUnsupported.add(rule.rule);
      if (UNSUPPORTED[rule.rule] === undefined) problems.push(`${file} ${at}: ${compiled.reason}\n    ${rule.rule}`);
    }
    for (const rule of Object.keys(UNSUPPORTED)) if (!stillUnsupported.has(rule) && !all.some((r) => r.rule.rule === rule)) problems.push(`listed but gone: ${rule}`);
    assert.deepEqual(problems, []);
  });

  it('rules sit only where the walker looks (properties, items, additionalProperties)', () => {
    for (const { file, at } of all) {
      assert.doesNotMatch(at, /\/(anyOf|oneOf|allOf|not)\//, `${file} ${at}`);
    }
  });

  it('transition rules (oldSelf) are skipped, not evaluated', () => {
    const compiled = compileRule({ rule: 'self == oldSelf', message: 'immutable' });
    assert.equal(compiled.status, 'skipped');
  });
});

describe('Kubernetes CEL semantics', () => {
  it('duration() is Go time.ParseDuration', () => {
    const nanos = (s: string) => {
      const r = parseGoDuration(s);
      return 'nanos' in r ? r.nanos : r.error;
    };
    assert.equal(nanos('1ms'), 1_000_000n);
    assert.equal(nanos('1.5s'), 1_500_000_000n);
    assert.equal(nanos('2m'), 120_000_000_000n);
    assert.equal(nanos('1h30m'), 5_400_000_000_000n);
    assert.equal(nanos('0.5ms'), 500_000n);
    assert.equal(nanos('300us'), 300_000n);
    assert.equal(nanos('300\u00b5s'), 300_000n);
    assert.equal(nanos('300\u03bcs'), 300_000n);
    assert.equal(nanos('-1.5h'), -5_400_000_000_000n);
    assert.equal(nanos('0'), 0n);
    assert.equal(nanos('.5s'), 500_000_000n);
    assert.equal(nanos('1.s'), 1_000_000_000n);
    for (const bad of ['', '1', 'ms', '.s', '1d', '1.5.5s', '-', '+', '1s ', ' 1s', '10000000000000000000h']) {
      assert.equal(typeof nanos(bad), 'string', `"${bad}" must not parse`);
    }
  });

  it('duration rules: comparisons on Go durations', () => {
    const rule = compileRule({ rule: "duration(self) >= duration('1ms')" });
    assert.equal(rule.status, 'ok');
    const check = (self: string) => (rule.status === 'ok' ? rule.evaluate({ self }) : undefined);
    assert.equal(check('1ms'), true);
    assert.equal(check('1.5s'), true);
    assert.equal(check('1h30m'), true);
    assert.equal(check('0.5ms'), false);
    assert.equal(check('999us'), false);
  });

  it('matches() is RE2 (inline flags), in both call forms', () => {
    const method = compileRule({ rule: 'self.matches(r"""^(?i)\\.?[a-z_][a-z_0-9]*$""")' });
    const global = compileRule({ rule: "matches(self, '^[a-z]+$')" });
    assert.equal(method.status, 'ok');
    assert.equal(global.status, 'ok');
    if (method.status === 'ok') {
      assert.equal(method.evaluate({ self: 'Foo_Bar' }), true);
      assert.equal(method.evaluate({ self: '1foo' }), false);
    }
    if (global.status === 'ok') assert.equal(global.evaluate({ self: 'abc' }), true);
  });

  it('url() follows Go url.ParseRequestURI', () => {
    assert.equal(parseRequestUri('https://example.com:8443/jwks?x=1')?.scheme, 'https');
    assert.equal(parseRequestUri('HTTP://example.com')?.scheme, 'http');
    assert.equal(parseRequestUri('/only/a/path')?.scheme, '');
    assert.equal(parseRequestUri('example.com/jwks'), undefined);
    assert.equal(parseRequestUri(''), undefined);
    const rule = compileRule({ rule: 'url(self).getScheme() in ["http", "https"] && url(self).getHostname() == "example.com" && url(self).getPort() == "8443"' });
    assert.equal(rule.status, 'ok');
    if (rule.status === 'ok') assert.equal(rule.evaluate({ self: 'https://example.com:8443/jwks' }), true);
  });

  it('has() on an indexed operand (valid CEL that cel-js alone rejects)', () => {
    const rule = compileRule({ rule: '!has(self.matches[0].path) && has(self[0].x) == false' });
    assert.equal(rule.status, 'ok');
  });

  it('escapes property names as Kubernetes does', () => {
    assert.equal(escapeProperty('namespace'), '__namespace__');
    assert.equal(escapeProperty('x-forwarded'), 'x__dash__forwarded');
    assert.equal(escapeProperty('a.b/c'), 'a__dot__b__slash__c');
    assert.equal(escapeProperty('a__b'), 'a__underscores__b');
    assert.equal(escapeProperty('1abc'), undefined);
    assert.equal(escapeProperty('port'), 'port');
  });

  it('self sees defaults, escaped names, CEL ints, and no unknown fields', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        namespace: { type: 'string' },
        port: { type: 'integer' },
        ratio: { type: 'number' },
        kind: { type: 'string', default: 'Service' },
      },
      additionalProperties: false,
    };
    assert.deepEqual(toCelValue({ namespace: 'a', port: 80, ratio: 1, extra: true }, schema, schema), { __namespace__: 'a', port: 80n, ratio: 1, kind: 'Service' });
  });

  it('fieldPath is parsed relative to the rule', () => {
    assert.deepEqual(parseFieldPath(".spec.ports['http.x'][2]"), ['spec', 'ports', 'http.x', 2]);
    assert.equal(parseFieldPath('spec'), undefined);
  });

  it('messageExpression builds the message; a broken one falls back to message', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10', message: 'too big', messageExpression: "'n is ' + string(self) + ', more than 9'" }] },
        m: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10', message: 'too big', messageExpression: 'self.nope(' }] },
      },
    };
    const findings = evaluateRules(schema, { n: 12, m: 12 });
    assert.deepEqual(
      findings.map((f) => [f.path, f.message]),
      [
        [['n'], 'n is 12, more than 9'],
        [['m'], 'too big'],
      ],
    );
  });

  it('a rule that cannot evaluate is reported, not thrown', () => {
    const schema: JsonSchema = { type: 'object', properties: { a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'int(self) > 0' }] } } };
    const findings = evaluateRules(schema, { a: 'abc' });
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.outcome, 'error');
  });
});

describe('CEL rules on documents', () => {
  it('a VirtualService timeout under 1ms is rejected; Go-style durations pass', () => {
    const vs = (timeout: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - timeout: ${timeout}
    retries: {attempts: 3, perTryTimeout: 1h30m}
    route: [{destination: {host: reviews}}]
`;
    const bad = rulesFired(validate(vs('0.5ms')));
    assert.equal(bad.length, 1, show(bad));
    assert.equal(bad[0]!.code, 'SLU2010');
    assert.equal(bad[0]!.path, '/spec/http/0/timeout');
    assert.deepEqual([bad[0]!.line, bad[0]!.col], [7, 14]);
    assert.match(bad[0]!.message, /spec\.http\[0\]\.timeout: must be a valid duration greater than 1ms/);
    for (const good of ['1ms', '1.5s', '2m', '1h30m']) assert.deepEqual(validate(vs(good)), [], good);
    const garbage = rulesFired(validate(vs('soon')));
    assert.equal(garbage.length, 1);
    assert.equal(garbage[0]!.code, 'SLU2011');
    assert.match(garbage[0]!.message, /invalid duration "soon"/);
  });

  it('a ServiceEntry: wildcard host, port 0 and 70000', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external}
spec:
  hosts: ["*", "api.example.com"]
  ports:
  - {number: 0, name: a, protocol: HTTP}
  - {number: 70000, name: b, protocol: HTTP}
  - {number: 443, name: https, protocol: TLS}
  resolution: DNS
`;
    const fired = rulesFired(validate(text));
    assert.deepEqual(
      fired.map((d) => [d.code, d.path, d.line]),
      [
        ['SLU2010', '/spec/hosts/0', 5],
        ['SLU2010', '/spec/ports/0/number', 7],
        ['SLU2010', '/spec/ports/1/number', 8],
      ],
      show(fired),
    );
    assert.match(fired[0]!.message, /hostname cannot be wildcard/);
    assert.match(fired[1]!.message, /port must be between 1-65535/);
  });

  it('an object-level rule: DNS_ROUND_ROBIN with several endpoints', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: DNS_ROUND_ROBIN
  endpoints: [{address: a.example.com}, {address: b.example.com}]
`;
    const fired = rulesFired(validate(text));
    assert.equal(fired.length, 1, show(fired));
    assert.equal(fired[0]!.path, '/spec');
    assert.match(fired[0]!.message, /DNS_ROUND_ROBIN mode cannot have multiple endpoints/);
  });

  it('Gateway API rules see schema defaults (backendRef kind defaults to Service)', () => {
    const route = (port: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
  rules:
  - backendRefs:
    - name: reviews-v1
${port}`;
    assert.deepEqual(validate(route('      port: 9080\n')), []);
    const fired = rulesFired(validate(route('')));
    assert.equal(fired.length, 1, show(fired));
    assert.match(fired[0]!.message, /Must have port for Service reference/);
  });

  it('a rule reading `namespace` (escaped as __namespace__)', () => {
    const text = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny}
spec:
  targetRefs: [{group: "", kind: Service, name: reviews, namespace: other}]
  action: DENY
  rules: [{}]
`;
    const fired = rulesFired(validate(text));
    assert.equal(fired.length, 1, show(fired));
    assert.equal(fired[0]!.path, '/spec/targetRefs/0/namespace');
    assert.match(fired[0]!.message, /cross namespace referencing is not currently supported/);
  });

  it('PeerAuthentication port keys must be numbers in range', () => {
    const text = (port: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p}
spec:
  selector: {matchLabels: {app: reviews}}
  portLevelMtls:
    "${port}": {mode: DISABLE}
`;
    assert.deepEqual(validate(text('9080')), []);
    assert.match(rulesFired(validate(text('70000')))[0]?.message ?? '', /port must be between 1-65535/);
    assert.equal(rulesFired(validate(text('http')))[0]?.code, 'SLU2011');
  });

  it('RequestAuthentication jwksUri must be http(s)', () => {
    const text = (uri: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt}
spec:
  jwtRules: [{issuer: me, jwksUri: "${uri}"}]
`;
    assert.deepEqual(validate(text('https://example.com/.well-known/jwks.json')), []);
    assert.match(rulesFired(validate(text('ftp://example.com/jwks')))[0]?.message ?? '', /url must have scheme http:\/\/ or https:\/\//);
  });

  it('GRPCRoute method names: the RE2 (?i) rule', () => {
    const text = (service: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 50051}]
  rules:
  - matches: [{method: {service: "${service}", method: Echo}}]
    backendRefs: [{name: echo, port: 50051}]
`;
    assert.deepEqual(validate(text('Grpc.Echo.EchoService')), []);
    assert.match(rulesFired(validate(text('grpc echo')))[0]?.message ?? '', /service must only contain valid characters/);
  });
});
