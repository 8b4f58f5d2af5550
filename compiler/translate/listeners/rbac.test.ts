// AuthorizationPolicy → RBAC, judged by behaviour: the filters of a gRPC server listener are
// evaluated by @grpc/grpc-js-xds's own RBAC engine for concrete requests. The same rule
// translation serves Envoy's HTTP RBAC (JWT and metadata matchers are checked by shape).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import { compile, dig, grpcRbac, listener } from './test-support.ts';
import type { Compiled, Request } from './test-support.ts';

const SERVER = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 9080, name: grpc, protocol: GRPC}
  - {number: 9090, name: tcp-db, protocol: TCP}
  workloadSelector:
    labels: {app: api}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-1, namespace: shop}
spec:
  address: 127.0.0.1
  ports: {grpc: 50051, tcp-db: 50052}
  labels: {app: api}
`;

const LISTENER = 'grpc/server?xds.resource.listening_address=127.0.0.1:50051';

function policy(name: string, spec: string, namespace = 'shop', annotations = ''): string {
  return `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: ${namespace}${annotations}}
spec:
${spec
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

function serverOf(compiled: Compiled): JsonObject {
  return dig(listener(compiled, LISTENER).json, 'filterChains', 0, 'filters', 0, 'typedConfig') as JsonObject;
}

function decide(...policies: string[]): { allows: (r: Request) => boolean; compiled: Compiled } {
  const compiled = compile(SERVER + policies.join(''), 'grpc', 'shop', { app: 'api' });
  return { allows: grpcRbac(serverOf(compiled)), compiled };
}

const reviews: Request = { principal: 'cluster.local/ns/shop/sa/reviews' };
const frontend: Request = { principal: 'cluster.local/ns/shop/sa/frontend' };
const plaintext: Request = {};

describe('AuthorizationPolicy decisions (evaluated by @grpc/grpc-js-xds)', () => {
  it('allows everything without policies, and adds no RBAC filter', () => {
    const { allows, compiled } = decide();
    assert.ok(allows(plaintext) && allows(reviews));
    const filters = dig(serverOf(compiled), 'httpFilters') as JsonObject[];
    assert.deepEqual(
      filters.map((f) => f.name),
      ['envoy.filters.http.router'],
    );
  });

  it('ALLOW by principal: only that identity, and never plaintext', () => {
    const { allows } = decide(policy('p', 'action: ALLOW\nrules:\n- from:\n  - source:\n      principals: [cluster.local/ns/shop/sa/reviews]'));
    assert.equal(allows(reviews), true);
    assert.equal(allows(frontend), false);
    assert.equal(allows(plaintext), false);
  });

  it('ALLOW without rules denies everything; a rule {} allows everything', () => {
    assert.equal(decide(policy('none', 'action: ALLOW')).allows(reviews), false);
    assert.equal(decide(policy('all', 'action: ALLOW\nrules:\n- {}')).allows(plaintext), true);
    // an ALLOW without rules next to one that allows reviews: reviews passes (the ALLOW policies are OR'ed)
    const both = decide(policy('none', 'action: ALLOW'), policy('p', 'rules:\n- from:\n  - source: {principals: [cluster.local/ns/shop/sa/reviews]}'));
    assert.equal(both.allows(reviews), true);
    assert.equal(both.allows(frontend), false);
  });

  it('DENY wins over ALLOW, and runs first', () => {
    const { allows, compiled } = decide(
      policy('allow-all', 'action: ALLOW\nrules:\n- {}'),
      policy('deny-frontend', 'action: DENY\nrules:\n- from:\n  - source: {principals: ["*/sa/frontend"]}'),
    );
    assert.equal(allows(reviews), true);
    assert.equal(allows(frontend), false);
    const names = (dig(serverOf(compiled), 'httpFilters') as JsonObject[]).map((f) => f.name);
    assert.deepEqual(names, ['envoy.filters.http.rbac.deny', 'envoy.filters.http.rbac.allow', 'envoy.filters.http.router']);
  });

  it('principal wildcards: "*" is any authenticated peer, prefix and suffix forms', () => {
    const any = decide(policy('p', 'rules:\n- from:\n  - source: {principals: ["*"]}'));
    assert.equal(any.allows(frontend), true);
    assert.equal(any.allows(plaintext), false);
    const prefix = decide(policy('p', 'rules:\n- from:\n  - source: {principals: ["cluster.local/ns/shop/*"]}'));
    assert.equal(prefix.allows(frontend), true);
    assert.equal(prefix.allows({ principal: 'cluster.local/ns/other/sa/frontend' }), false);
    const suffix = decide(policy('p', 'rules:\n- from:\n  - source: {principals: ["*/sa/reviews"]}'));
    assert.equal(suffix.allows(reviews), true);
    assert.equal(suffix.allows({ principal: 'cluster.local/ns/x/sa/reviews-v2' }), false);
    const not = decide(policy('p', 'rules:\n- from:\n  - source: {notPrincipals: [cluster.local/ns/shop/sa/frontend]}'));
    assert.equal(not.allows(reviews), true);
    assert.equal(not.allows(frontend), false);
  });

  it('namespaces and service accounts match identities', () => {
    const ns = decide(policy('p', 'rules:\n- from:\n  - source: {namespaces: ["team-*", shop]}'));
    assert.equal(ns.allows({ principal: 'cluster.local/ns/team-a/sa/x' }), true);
    assert.equal(ns.allows(reviews), true);
    assert.equal(ns.allows({ principal: 'cluster.local/ns/teamb/sa/x' }), false);
    assert.equal(ns.allows({ principal: 'cluster.local/ns/other/sa/shop' }), false);
    const notNs = decide(policy('p', 'rules:\n- from:\n  - source: {notNamespaces: [shop]}'));
    assert.equal(notNs.allows(reviews), false);
    assert.equal(notNs.allows({ principal: 'cluster.local/ns/other/sa/x' }), true);
    const sa = decide(policy('p', 'rules:\n- from:\n  - source: {serviceAccounts: [reviews, other/robot]}'));
    assert.equal(sa.allows(reviews), true);
    assert.equal(sa.allows({ principal: 'example.org/ns/other/sa/robot' }), true);
    assert.equal(sa.allows(frontend), false);
  });

  it('operations: paths (exact, prefix, suffix, templates), methods, hosts, ports', () => {
    const paths = decide(policy('p', 'rules:\n- to:\n  - operation: {paths: [/pkg.Ratings/Get, "/pkg.Admin/*", "*/Health"], notPaths: [/pkg.Admin/Drop]}'));
    assert.equal(paths.allows({ path: '/pkg.Ratings/Get' }), true);
    assert.equal(paths.allows({ path: '/pkg.Ratings/Put' }), false);
    assert.equal(paths.allows({ path: '/pkg.Admin/List' }), true);
    assert.equal(paths.allows({ path: '/pkg.Admin/Drop' }), false);
    assert.equal(paths.allows({ path: '/grpc.health.v1/Health' }), true);
    const template = decide(policy('p', 'rules:\n- to:\n  - operation: {paths: ["/pkg.{*}/Get"]}'));
    assert.equal(template.allows({ path: '/pkg.Ratings/Get' }), true);
    assert.equal(template.allows({ path: '/pkg.Ratings/x/Get' }), false);
    const methods = decide(policy('p', 'rules:\n- to:\n  - operation: {methods: [POST]}'));
    assert.equal(methods.allows({}), true);
    assert.equal(decide(policy('p', 'rules:\n- to:\n  - operation: {methods: [GET]}')).allows({}), false);
    const hosts = decide(policy('p', 'rules:\n- to:\n  - operation: {hosts: [api.shop.svc.cluster.local, "*.example.com"]}'));
    assert.equal(hosts.allows({ authority: 'api.shop.svc.cluster.local:9080' }), true);
    assert.equal(hosts.allows({ authority: 'API.shop.svc.cluster.local' }), true);
    assert.equal(hosts.allows({ authority: 'x.example.com:443' }), true);
    assert.equal(hosts.allows({ authority: 'api.other.svc.cluster.local:9080' }), false);
    const ports = decide(policy('p', 'rules:\n- to:\n  - operation: {ports: ["50051"]}'));
    assert.equal(ports.allows({ destinationPort: 50051 }), true);
    assert.equal(ports.allows({ destinationPort: 50052 }), false);
  });

  it('when: headers among repeated values, notValues, source.ip and destination.port', () => {
    const header = decide(policy('p', 'rules:\n- when:\n  - key: request.headers[x-user]\n    values: [alice, "admin-*"]\n    notValues: [mallory]'));
    assert.equal(header.allows({ headers: { 'x-user': 'alice' } }), true);
    assert.equal(header.allows({ headers: { 'x-user': 'bob,alice' } }), true);
    assert.equal(header.allows({ headers: { 'x-user': 'admin-root' } }), true);
    assert.equal(header.allows({ headers: { 'x-user': 'alice,mallory' } }), false);
    assert.equal(header.allows({ headers: { 'x-user': 'alicex' } }), false);
    assert.equal(header.allows({}), false);
    const ip = decide(policy('p', 'rules:\n- when:\n  - key: source.ip\n    values: [10.0.0.0/8]\n  - key: destination.port\n    values: ["50051"]'));
    assert.equal(ip.allows({ sourceIp: '10.1.2.3' }), true);
    assert.equal(ip.allows({ sourceIp: '10.1.2.3', destinationPort: 9 }), false);
    assert.equal(ip.allows({ sourceIp: '192.168.0.1' }), false);
    const blocks = decide(policy('p', 'rules:\n- from:\n  - source: {ipBlocks: [192.168.0.0/16], notIpBlocks: [192.168.1.1]}'));
    assert.equal(blocks.allows({ sourceIp: '192.168.7.7' }), true);
    assert.equal(blocks.allows({ sourceIp: '192.168.1.1' }), false);
  });

  it('from entries OR, to entries OR, and from × to × when AND', () => {
    const { allows } = decide(
      policy(
        'p',
        `rules:
- from:
  - source: {principals: [cluster.local/ns/shop/sa/reviews]}
  - source: {namespaces: [ops]}
  to:
  - operation: {paths: [/a]}
  - operation: {paths: [/b]}
  when:
  - key: request.headers[x-env]
    values: [prod]`,
      ),
    );
    const prod = { 'x-env': 'prod' };
    assert.equal(allows({ ...reviews, path: '/a', headers: prod }), true);
    assert.equal(allows({ principal: 'cluster.local/ns/ops/sa/bot', path: '/b', headers: prod }), true);
    assert.equal(allows({ ...reviews, path: '/c', headers: prod }), false);
    assert.equal(allows({ ...frontend, path: '/a', headers: prod }), false);
    assert.equal(allows({ ...reviews, path: '/a', headers: { 'x-env': 'dev' } }), false);
  });

  it('selects policies as istiod does: own namespace, root namespace (also with a selector), never another namespace or a targetRef', () => {
    const { allows } = decide(
      policy('mesh-deny', 'action: DENY\nselector:\n  matchLabels: {app: api}\nrules:\n- to:\n  - operation: {paths: [/blocked]}', 'istio-system'),
      policy('other-ns', 'action: DENY\nrules:\n- {}', 'other'),
      policy('other-app', 'action: DENY\nselector:\n  matchLabels: {app: web}\nrules:\n- {}'),
      policy('waypoint', 'action: DENY\ntargetRefs:\n- {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}\nrules:\n- {}'),
    );
    assert.equal(allows({ path: '/blocked' }), false);
    assert.equal(allows({ path: '/open' }), true);
  });
});

describe('what a gRPC server cannot evaluate fails closed', () => {
  it('drops an ALLOW rule that needs a JWT (it allows nothing) and reports it', () => {
    const { allows, compiled } = decide(policy('jwt', 'rules:\n- from:\n  - source: {requestPrincipals: ["*"]}\n- to:\n  - operation: {paths: [/public]}'));
    assert.equal(allows({ path: '/public' }), true);
    assert.equal(allows({ path: '/private', headers: { authorization: 'Bearer x' } }), false);
    const d = compiled.diagnostics.find((x) => x.code === 'SLU7044');
    assert.ok(d, 'SLU7044 reported');
    assert.match(d.message, /requestPrincipals/);
    assert.equal(d.path, '/spec/rules/0/from/0/source/requestPrincipals');
  });

  it('widens a DENY rule without the attribute (it denies more)', () => {
    const { allows, compiled } = decide(policy('deny', 'action: DENY\nrules:\n- to:\n  - operation: {paths: [/admin]}\n  when:\n  - key: request.auth.claims[role]\n    values: [guest]'));
    assert.equal(allows({ path: '/admin' }), false);
    assert.equal(allows({ path: '/other' }), true);
    assert.ok(compiled.diagnostics.some((d) => d.code === 'SLU7044' && d.path === '/spec/rules/0/when/0/values'));
  });

  it('CUSTOM denies what its rules match; AUDIT and dry-run policies are left out', () => {
    const { allows, compiled } = decide(
      policy('ext', 'action: CUSTOM\nprovider: {name: opa}\nrules:\n- to:\n  - operation: {paths: ["/secret/*"]}'),
      policy('audit', 'action: AUDIT\nrules:\n- {}'),
      policy('dry', 'action: DENY\nrules:\n- {}', 'shop', ', annotations: {istio.io/dry-run: "true"}'),
    );
    assert.equal(allows({ path: '/secret/x' }), false);
    assert.equal(allows({ path: '/open' }), true);
    assert.deepEqual(compiled.diagnostics.map((d) => d.code).sort(), ['SLU7042', 'SLU7043', 'SLU7043']);
  });

  it('reports a value it cannot translate and drops the ALLOW rule', () => {
    const { allows, compiled } = decide(policy('p', 'rules:\n- from:\n  - source: {ipBlocks: [not-an-ip]}\n- to:\n  - operation: {paths: [/ok]}'));
    assert.equal(allows({ path: '/ok' }), true);
    assert.equal(allows({ path: '/x', sourceIp: '127.0.0.1' }), false);
    assert.ok(compiled.diagnostics.some((d) => d.code === 'SLU7045'));
  });
});

describe('AuthorizationPolicy on Envoy sidecars', () => {
  const sidecar = (...policies: string[]) => compile(SERVER + policies.join(''), 'envoy', 'shop', { app: 'api' });
  const chain = (compiled: Compiled, port: number, kind: 'mtls' | 'plaintext') =>
    (dig(listener(compiled, 'virtualInbound').json, 'filterChains') as JsonObject[]).find((c) => c.name === `inbound|${port}|${kind}`) as JsonObject;

  it('puts HTTP RBAC on HTTP ports and network RBAC with L4 fields only on TCP ports', () => {
    const compiled = sidecar(
      policy('allow', 'rules:\n- from:\n  - source: {principals: [cluster.local/ns/shop/sa/reviews]}\n  to:\n  - operation: {methods: [GET]}\n- from:\n  - source: {namespaces: [ops]}'),
      policy('deny', 'action: DENY\nrules:\n- to:\n  - operation: {paths: [/admin], ports: ["50052"]}'),
    );
    const http = dig(chain(compiled, 50051, 'mtls'), 'filters', 0, 'typedConfig', 'httpFilters') as JsonObject[];
    assert.deepEqual(
      http.map((f) => f.name),
      ['envoy.filters.http.rbac.deny', 'envoy.filters.http.rbac.allow', 'envoy.filters.http.router'],
    );
    assert.deepEqual(Object.keys(dig(http[1], 'typedConfig', 'rules', 'policies') as JsonObject), ['ns[shop]-policy[allow]-rule[0]', 'ns[shop]-policy[allow]-rule[1]']);
    const tcp = dig(chain(compiled, 50052, 'mtls'), 'filters') as JsonObject[];
    assert.deepEqual(
      tcp.map((f) => f.name),
      ['envoy.filters.network.rbac.deny', 'envoy.filters.network.rbac.allow', 'envoy.filters.network.tcp_proxy'],
    );
    // ALLOW: the rule with methods is dropped on TCP, the namespace rule stays
    assert.deepEqual(Object.keys(dig(tcp[1], 'typedConfig', 'rules', 'policies') as JsonObject), ['ns[shop]-policy[allow]-rule[1]']);
    // DENY: paths dropped on TCP, the port still counts: connections to 50052 are denied
    assert.deepEqual(dig(tcp[0], 'typedConfig', 'rules', 'policies', 'ns[shop]-policy[deny]-rule[0]', 'permissions'), [{ destinationPort: 50052 }]);
    const codes = compiled.diagnostics.map((d) => `${d.code} ${d.path}`).sort();
    assert.deepEqual(codes, ['SLU7044 /spec/rules/0/to/0/operation/methods', 'SLU7044 /spec/rules/0/to/0/operation/paths']);
  });

  it('reads JWT facts from the payload jwt_authn stores, string or list claims alike', () => {
    const compiled = sidecar(
      `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules:
  - issuer: https://issuer.example.com
    jwks: '{"keys":[]}'
`,
      policy('p', 'rules:\n- from:\n  - source: {requestPrincipals: ["https://issuer.example.com/alice"]}\n  when:\n  - key: request.auth.claims[groups]\n    values: [admins]'),
    );
    const filters = dig(chain(compiled, 50051, 'mtls'), 'filters', 0, 'typedConfig', 'httpFilters') as JsonObject[];
    assert.equal(filters[0]?.name, 'envoy.filters.http.jwt_authn');
    assert.equal(dig(filters[0], 'typedConfig', 'providers', 'origins-0', 'payloadInMetadata'), 'jwt_payload');
    const principal = dig(filters[1], 'typedConfig', 'rules', 'policies', 'ns[shop]-policy[p]-rule[0]', 'principals', 0) as JsonObject;
    const meta = (claim: string, value: JsonObject) => ({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'jwt_payload' }, { key: claim }], value } });
    assert.deepEqual(principal, {
      andIds: {
        ids: [
          { andIds: { ids: [meta('iss', { stringMatch: { exact: 'https://issuer.example.com' } }), meta('sub', { stringMatch: { exact: 'alice' } })] } },
          { orIds: { ids: [meta('groups', { stringMatch: { exact: 'admins' } }), meta('groups', { listMatch: { oneOf: { stringMatch: { exact: 'admins' } } } })] } },
        ],
      },
    });
  });

  it('turns dry-run policies into shadow rules', () => {
    const compiled = sidecar(policy('dry', 'action: DENY\nrules:\n- {}', 'shop', ', annotations: {istio.io/dry-run: "true"}'));
    const filters = dig(chain(compiled, 50051, 'mtls'), 'filters', 0, 'typedConfig', 'httpFilters') as JsonObject[];
    const config = dig(filters[0], 'typedConfig') as JsonObject;
    assert.equal(config.rules, undefined);
    assert.deepEqual(Object.keys(dig(config, 'shadowRules', 'policies') as JsonObject), ['ns[shop]-policy[dry]-rule[0]']);
  });
});
