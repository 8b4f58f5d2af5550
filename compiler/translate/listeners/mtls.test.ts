// PeerAuthentication → inbound filter chains (Envoy) and server transport sockets (gRPC):
// precedence workload > namespace > mesh, UNSET inherits, port-level on workload policies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import { validateSources } from '../../validate.ts';
import { peerAuthenticationMode } from './peer-authentication.ts';
import { compile, dig, listener } from './test-support.ts';

const WORKLOAD = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: tcp-db, port: 5432, targetPort: db}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: api
        ports:
        - {name: db, containerPort: 5433}
`;

function pa(name: string, namespace: string, spec: string): string {
  return `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

function chains(yaml: string): Record<string, JsonObject> {
  const compiled = compile(WORKLOAD + yaml, 'envoy', 'shop', { app: 'api', 'pod-template-hash': 'abc' });
  const list = dig(listener(compiled, 'virtualInbound').json, 'filterChains') as JsonObject[];
  return Object.fromEntries(list.map((c) => [c.name as string, c]));
}

function mode(yaml: string, port?: number): string {
  return peerAuthenticationMode(validateSources([{ path: 'p.yaml', content: WORKLOAD + yaml }]).model, 'shop', { app: 'api' }, port).mode;
}

describe('PeerAuthentication precedence', () => {
  it('is PERMISSIVE without policies, and takes the mesh, namespace and workload levels in that order', () => {
    assert.equal(mode(''), 'PERMISSIVE');
    const mesh = pa('default', 'istio-system', 'mtls: {mode: STRICT}');
    assert.equal(mode(mesh), 'STRICT');
    const ns = pa('default', 'shop', 'mtls: {mode: DISABLE}');
    assert.equal(mode(mesh + ns), 'DISABLE');
    const workload = pa('api', 'shop', 'selector:\n  matchLabels: {app: api}\nmtls: {mode: PERMISSIVE}');
    assert.equal(mode(mesh + ns + workload), 'PERMISSIVE');
    // UNSET inherits from the level above
    assert.equal(mode(mesh + pa('default', 'shop', 'mtls: {mode: UNSET}')), 'STRICT');
    assert.equal(mode(mesh + pa('api', 'shop', 'selector:\n  matchLabels: {app: api}')), 'STRICT');
    // a selector in the root namespace selects nothing (Istio's ComposePeerAuthentication)
    assert.equal(mode(pa('api', 'istio-system', 'selector:\n  matchLabels: {app: api}\nmtls: {mode: STRICT}')), 'PERMISSIVE');
    // other namespaces and other workloads do not count
    assert.equal(mode(pa('default', 'other', 'mtls: {mode: STRICT}') + pa('web', 'shop', 'selector:\n  matchLabels: {app: web}\nmtls: {mode: STRICT}')), 'PERMISSIVE');
  });

  it('applies port-level modes of a workload policy to that workload port only', () => {
    const yaml = pa('default', 'shop', 'mtls: {mode: STRICT}') + pa('api', 'shop', 'selector:\n  matchLabels: {app: api}\nportLevelMtls:\n  "5433": {mode: DISABLE}');
    assert.equal(mode(yaml, 8080), 'STRICT');
    assert.equal(mode(yaml, 5433), 'DISABLE');
    // a namespace policy's portLevelMtls is ignored, as in Istio
    assert.equal(mode(pa('default', 'shop', 'mtls: {mode: STRICT}\nportLevelMtls:\n  "8080": {mode: DISABLE}'), 8080), 'STRICT');
  });
});

describe('inbound filter chains per mode', () => {
  it('STRICT: TLS chains only, client certificates required, certificates over SDS', () => {
    const c = chains(pa('default', 'shop', 'mtls: {mode: STRICT}'));
    assert.deepEqual(Object.keys(c), ['inbound|5433|mtls', 'inbound|8080|mtls']);
    const http = c['inbound|8080|mtls'] as JsonObject;
    assert.deepEqual(http.filterChainMatch, { destinationPort: 8080, transportProtocol: 'tls' });
    assert.equal(dig(http, 'transportSocket', 'typedConfig', 'requireClientCertificate'), true);
    assert.equal(dig(http, 'transportSocket', 'typedConfig', 'commonTlsContext', 'tlsCertificateSdsSecretConfigs', 0, 'name'), 'default');
    assert.equal(dig(http, 'transportSocket', 'typedConfig', 'commonTlsContext', 'combinedValidationContext', 'validationContextSdsSecretConfig', 'name'), 'ROOTCA');
    assert.equal(dig(http, 'filters', 0, 'typedConfig', 'routeConfig', 'virtualHosts', 0, 'routes', 0, 'route', 'cluster'), 'inbound|8080||');
    assert.equal(dig(c['inbound|5433|mtls'], 'filters', 0, 'typedConfig', 'cluster'), 'inbound|5433||');
  });

  it('PERMISSIVE: a TLS and a plaintext chain; DISABLE: plaintext only; port-level overrides', () => {
    assert.deepEqual(Object.keys(chains('')), ['inbound|5433|mtls', 'inbound|5433|plaintext', 'inbound|8080|mtls', 'inbound|8080|plaintext']);
    const c = chains(pa('default', 'shop', 'mtls: {mode: DISABLE}') + pa('api', 'shop', 'selector:\n  matchLabels: {app: api}\nportLevelMtls:\n  "8080": {mode: STRICT}'));
    assert.deepEqual(Object.keys(c), ['inbound|5433|plaintext', 'inbound|8080|mtls']);
    assert.deepEqual((c['inbound|5433|plaintext'] as JsonObject).filterChainMatch, { destinationPort: 5433 });
  });

  it('maps the TLS settings to the PeerAuthentication node that decided them', () => {
    const compiled = compile(WORKLOAD + pa('api', 'shop', 'selector:\n  matchLabels: {app: api}\nportLevelMtls:\n  "8080": {mode: STRICT}'), 'envoy', 'shop', { app: 'api' });
    const inbound = listener(compiled, 'virtualInbound');
    const index = (dig(inbound.json, 'filterChains') as JsonObject[]).findIndex((c) => c.name === 'inbound|8080|mtls');
    const entry = inbound.sources.find((s) => s.path.join('/') === `filterChains/${index}/transportSocket`);
    assert.deepEqual(entry?.origin.path, ['spec', 'portLevelMtls', '8080']);
  });
});

describe('gRPC server mTLS', () => {
  const server = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: grpc, protocol: GRPC}]
  workloadSelector:
    labels: {app: api}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-1, namespace: shop}
spec: {address: 127.0.0.1, ports: {grpc: 50051}, labels: {app: api}}
`;
  const NAME = 'grpc/server?xds.resource.listening_address=127.0.0.1:50051';

  it('STRICT gets the certificate provider instance `default`; PERMISSIVE and DISABLE are plaintext', () => {
    const strict = listener(compile(server + pa('default', 'shop', 'mtls: {mode: STRICT}'), 'grpc', 'shop', { app: 'api' }), NAME);
    assert.deepEqual(dig(strict.json, 'filterChains', 0, 'transportSocket', 'typedConfig', 'commonTlsContext'), {
      tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'default' },
      validationContext: { caCertificateProviderInstance: { instanceName: 'default', certificateName: 'ROOTCA' } },
    });
    assert.equal(dig(strict.json, 'filterChains', 0, 'filterChainMatch'), undefined);
    for (const m of ['PERMISSIVE', 'DISABLE']) {
      const compiled = compile(server + pa('default', 'shop', `mtls: {mode: ${m}}`), 'grpc', 'shop', { app: 'api' });
      assert.equal(dig(listener(compiled, NAME).json, 'filterChains', 0, 'transportSocket'), undefined, m);
      assert.deepEqual(
        compiled.diagnostics.map((d) => d.code),
        m === 'PERMISSIVE' ? ['SLU7049'] : [],
      );
    }
    // the default (no policy) is PERMISSIVE too, without a finding
    assert.deepEqual(compile(server, 'grpc', 'shop', { app: 'api' }).diagnostics, []);
  });
});
