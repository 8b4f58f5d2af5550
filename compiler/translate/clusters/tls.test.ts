/** DestinationRule tls modes, auto mTLS and PeerAuthentication, per flavor. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { assertUsable, compile, get, list } from './test-support.ts';

const SERVICE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9090, name: grpc, protocol: GRPC}]
  workloadSelector: {labels: {app: api}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-1, namespace: shop}
spec: {address: 10.0.0.1, labels: {app: api, version: v1}, serviceAccount: api}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-2, namespace: shop}
spec: {address: 10.0.0.2, labels: {app: api, version: v2, security.istio.io/tlsMode: istio}, serviceAccount: api-v2}
---
`;

const EXTERNAL = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: bank, namespace: shop}
spec:
  hosts: [api.bank.example]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: https, protocol: HTTPS}]
  subjectAltNames: [api.bank.example]
---
`;

function tls(host: string, settings: string): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: tls, namespace: shop}
spec:
  host: ${host}
  trafficPolicy:
    tls: ${settings}
`;
}

const API = 'outbound|9090||api.shop.svc.cluster.local';
const BANK = 'outbound|443||api.bank.example';
const CLUSTER = RESOURCE_TYPE_URLS.cluster;

describe('tls: SIMPLE and MUTUAL (TLS origination)', () => {
  it('envoy SIMPLE: SNI defaults to the host, SANs to the ServiceEntry\'s, CA from the system store over SDS', () => {
    const out = compile(EXTERNAL + tls('api.bank.example', '{mode: SIMPLE}'), 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const context = get(out.cluster(BANK), 'transportSocket.typedConfig');
    assert.equal(get(context, 'sni'), 'api.bank.example');
    assert.deepEqual(get(context, 'commonTlsContext.combinedValidationContext.defaultValidationContext'), {
      matchTypedSubjectAltNames: [{ sanType: 'DNS', matcher: { exact: 'api.bank.example' } }],
    });
    assert.equal(get(context, 'commonTlsContext.combinedValidationContext.validationContextSdsSecretConfig.name'), 'file-root:system');
    assert.equal(get(context, 'commonTlsContext.combinedValidationContext.validationContextSdsSecretConfig.sdsConfig.apiConfigSource.grpcServices.0.envoyGrpc.clusterName'), 'sds-grpc');
    assert.equal(get(context, 'commonTlsContext.tlsCertificateSdsSecretConfigs'), undefined);
    assert.deepEqual(out.sources(CLUSTER, BANK).filter((s) => s.startsWith('["transportSocket"]')), ['["transportSocket"] -> DestinationRule tls ["spec","trafficPolicy","tls"]']);
  });

  it('envoy MUTUAL: client certificate and CA files through the agent, explicit SNI and typed SANs', () => {
    const out = compile(
      EXTERNAL +
        tls('api.bank.example', '{mode: MUTUAL, clientCertificate: /certs/c.pem, privateKey: /certs/k.pem, caCertificates: /certs/ca.pem, sni: gw.bank.example, subjectAltNames: ["spiffe://bank/gw", "10.1.2.3"]}'),
      'envoy',
      'shop',
    );
    assertUsable(out.resources, 'envoy');
    const context = get(out.cluster(BANK), 'transportSocket.typedConfig');
    assert.equal(get(context, 'sni'), 'gw.bank.example');
    assert.equal(get(context, 'commonTlsContext.tlsCertificateSdsSecretConfigs.0.name'), 'file-cert:/certs/c.pem~/certs/k.pem');
    assert.equal(get(context, 'commonTlsContext.combinedValidationContext.validationContextSdsSecretConfig.name'), 'file-root:/certs/ca.pem');
    assert.deepEqual(get(context, 'commonTlsContext.combinedValidationContext.defaultValidationContext.matchTypedSubjectAltNames'), [
      { sanType: 'URI', matcher: { exact: 'spiffe://bank/gw' } },
      { sanType: 'IP_ADDRESS', matcher: { exact: '10.1.2.3' } },
    ]);
  });

  it('envoy: credentialName refers to SDS secrets over ADS (with a finding: sluice serves none yet); insecureSkipVerify drops validation', () => {
    const out = compile(EXTERNAL + tls('api.bank.example', '{mode: MUTUAL, credentialName: bank-client, insecureSkipVerify: true}'), 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const common = get(out.cluster(BANK), 'transportSocket.typedConfig.commonTlsContext');
    assert.deepEqual(get(common, 'tlsCertificateSdsSecretConfigs'), [{ name: 'kubernetes://bank-client', sdsConfig: { ads: {}, resourceApiVersion: 'V3' } }]);
    assert.equal(get(common, 'combinedValidationContext'), undefined);
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7031 /spec/trafficPolicy/tls/credentialName']);
  });

  it('MUTUAL without a certificate is an error, and the cluster has no TLS (as Istio)', () => {
    const out = compile(EXTERNAL + tls('api.bank.example', '{mode: MUTUAL}'), 'envoy', 'shop');
    assert.equal(get(out.cluster(BANK), 'transportSocket'), undefined);
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.severity}`), ['SLU7034 error']);
  });

  it('grpc: SIMPLE/MUTUAL cannot be expressed; a finding at the mode, no transport socket', () => {
    const out = compile(EXTERNAL + tls('api.bank.example', '{mode: SIMPLE}'), 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    assert.equal(get(out.cluster(BANK), 'transportSocket'), undefined);
    assert.ok(out.diagnostics.some((d) => d.code === 'SLU7023' && d.path === '/spec/trafficPolicy/tls/mode'));
  });

  it('h2 clusters advertise ALPN h2', () => {
    const out = compile(SERVICE + tls('api.shop.svc.cluster.local', '{mode: SIMPLE, caCertificates: /ca.pem}'), 'envoy', 'shop');
    assert.deepEqual(get(out.cluster(API), 'transportSocket.typedConfig.commonTlsContext.alpnProtocols'), ['h2']);
  });
});

describe('tls: ISTIO_MUTUAL', () => {
  const policy = SERVICE + tls('api.shop.svc.cluster.local', '{mode: ISTIO_MUTUAL}');

  it('envoy: workload certificate and ROOTCA from the agent, SANs of the service identities, Istio SNI', () => {
    const out = compile(policy, 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const context = get(out.cluster(API), 'transportSocket.typedConfig');
    assert.equal(get(context, 'sni'), 'outbound_.9090_._.api.shop.svc.cluster.local');
    assert.equal(get(context, 'commonTlsContext.tlsCertificateSdsSecretConfigs.0.name'), 'default');
    assert.equal(get(context, 'commonTlsContext.combinedValidationContext.validationContextSdsSecretConfig.name'), 'ROOTCA');
    assert.deepEqual(
      list(context, 'commonTlsContext.combinedValidationContext.defaultValidationContext.matchTypedSubjectAltNames').map((m) => get(m, 'matcher.exact')),
      ['spiffe://cluster.local/ns/shop/sa/api', 'spiffe://cluster.local/ns/shop/sa/api-v2'],
    );
    assert.deepEqual(get(context, 'commonTlsContext.alpnProtocols'), ['istio', 'h2']);
    assert.equal(get(out.cluster(API), 'transportSocketMatches'), undefined);
  });

  it('grpc: certificate provider instances and matchSubjectAltNames, as grpc-js-xds reads them', () => {
    const out = compile(policy, 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    assert.deepEqual(get(out.cluster(API), 'transportSocket.typedConfig.commonTlsContext'), {
      tlsCertificateProviderInstance: { instanceName: 'default', certificateName: 'default' },
      validationContext: {
        caCertificateProviderInstance: { instanceName: 'default', certificateName: 'ROOTCA' },
        matchSubjectAltNames: [{ exact: 'spiffe://cluster.local/ns/shop/sa/api' }, { exact: 'spiffe://cluster.local/ns/shop/sa/api-v2' }],
      },
    });
  });

  it('DISABLE turns TLS off, auto mTLS included', () => {
    const out = compile(SERVICE + tls('api.shop.svc.cluster.local', '{mode: DISABLE}'), 'envoy', 'shop');
    assert.equal(get(out.cluster(API), 'transportSocket'), undefined);
    assert.equal(get(out.cluster(API), 'transportSocketMatches'), undefined);
  });
});

const STRICT = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec:
  mtls: {mode: STRICT}
---
`;

describe('auto mTLS (no DestinationRule tls)', () => {
  it('envoy: transport socket matches; endpoints with a sidecar label or under STRICT carry tlsMode istio', () => {
    const permissive = compile(SERVICE, 'envoy', 'shop');
    assertUsable(permissive.resources, 'envoy');
    const matches = list(permissive.cluster(API), 'transportSocketMatches');
    assert.deepEqual(
      matches.map((m) => get(m, 'name')),
      ['tlsMode-istio', 'tlsMode-disabled'],
    );
    assert.deepEqual(get(matches[0], 'match'), { tlsMode: 'istio' });
    assert.equal(get(matches[0], 'transportSocket.typedConfig.sni'), 'outbound_.9090_._.api.shop.svc.cluster.local');
    const labelled = list(permissive.assignment(API), 'endpoints.0.lbEndpoints').map((e) => JSON.stringify(get(e, 'metadata') ?? null));
    assert.deepEqual(labelled, ['null', JSON.stringify({ filterMetadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } })]);

    const strict = compile(STRICT + SERVICE, 'envoy', 'shop');
    assertUsable(strict.resources, 'envoy');
    const both = list(strict.assignment(API), 'endpoints.0.lbEndpoints').map((e) => get(e, 'metadata') !== undefined);
    assert.deepEqual(both, [true, true]);
    assert.ok(strict.sources(CLUSTER, API).includes('["transportSocketMatches"] -> PeerAuthentication default ["spec","mtls"]'));
  });

  it('envoy: none for mesh-external services, DISABLE namespaces, and endpoints a workload policy disables', () => {
    assert.equal(get(compile(EXTERNAL, 'envoy', 'shop').cluster(BANK), 'transportSocketMatches'), undefined);
    const disabled = compile(STRICT.replace('STRICT', 'DISABLE') + SERVICE, 'envoy', 'shop');
    assert.equal(get(disabled.cluster(API), 'transportSocketMatches'), undefined);
    const workload = compile(
      STRICT +
        SERVICE +
        `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: api-2, namespace: shop}
spec:
  selector: {matchLabels: {version: v2}}
  portLevelMtls: {"9090": {mode: DISABLE}}
`,
      'envoy',
      'shop',
    );
    const marked = list(workload.assignment(API), 'endpoints.0.lbEndpoints').map((e) => get(e, 'metadata') !== undefined);
    assert.deepEqual(marked, [true, false]);
  });

  it('grpc: mutual TLS only when the destination is under STRICT', () => {
    const permissive = compile(SERVICE, 'grpc', 'shop');
    assert.equal(get(permissive.cluster(API), 'transportSocket'), undefined);
    const strict = compile(STRICT + SERVICE, 'grpc', 'shop');
    assertUsable(strict.resources, 'grpc');
    assert.equal(get(strict.cluster(API), 'transportSocket.typedConfig.commonTlsContext.tlsCertificateProviderInstance.instanceName'), 'default');
    assert.ok(strict.sources(CLUSTER, API).includes('["transportSocket"] -> PeerAuthentication default ["spec","mtls"]'));
    // no endpoints known: the namespace's mode decides
    const empty = compile(STRICT + SERVICE.replace('workloadSelector: {labels: {app: api}}', 'workloadSelector: {labels: {app: none}}'), 'grpc', 'shop');
    assert.notEqual(get(empty.cluster(API), 'transportSocket'), undefined);
  });

  it('grpc: a cluster with STRICT and DISABLE endpoints gets mutual TLS and a finding at the DISABLE policy', () => {
    const out = compile(
      STRICT +
        SERVICE +
        `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: api-2, namespace: shop}
spec:
  selector: {matchLabels: {version: v2}}
  mtls: {mode: DISABLE}
`,
      'grpc',
      'shop',
    );
    assert.notEqual(get(out.cluster(API), 'transportSocket'), undefined);
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7032 /spec/mtls']);
    // the v1 subset only holds the STRICT endpoint: no finding needed there
  });

  it('mesh-wide STRICT in the root namespace applies to every namespace', () => {
    const out = compile(STRICT.replace('namespace: shop', 'namespace: istio-system') + SERVICE, 'grpc', 'shop');
    assert.notEqual(get(out.cluster(API), 'transportSocket'), undefined);
  });
});
