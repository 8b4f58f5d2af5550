/** Endpoints and discovery types: subsets, ports, localities, health, resolutions, per flavor. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { addresses, assertUsable, compile, get, list } from './test-support.ts';

const CLA = RESOURCE_TYPE_URLS.clusterLoadAssignment;

const MESH = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
  - {number: 9090, name: grpc, protocol: GRPC}
  workloadSelector: {labels: {app: api}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-a, namespace: shop}
spec: {address: 10.0.0.1, ports: {grpc: 50051}, labels: {app: api, version: v1}, locality: us-east/us-east-1a/rack1, weight: 3}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-b, namespace: shop}
spec: {address: 10.0.0.2, ports: {grpc: 50052}, labels: {app: api, version: v2}, locality: us-east/us-east-1b}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-c, namespace: shop}
spec: {address: 10.0.0.3, labels: {app: api, version: v2}, locality: us-east/us-east-1b}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec:
  host: api.shop.svc.cluster.local
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: none, labels: {version: v9}}
---
`;

describe('endpoints of EDS clusters', () => {
  for (const flavor of ['envoy', 'grpc'] as const) {
    it(`${flavor}: usable`, () => assertUsable(compile(MESH, flavor, 'shop').resources, flavor));
  }

  it('port: the endpoint\'s port named like the service port, else the targetPort, else the port', () => {
    const out = compile(MESH, 'grpc', 'shop');
    assert.deepEqual(addresses(out.assignment('outbound|9090||api.shop.svc.cluster.local')), ['10.0.0.1:50051', '10.0.0.2:50052', '10.0.0.3:9090']);
    assert.deepEqual(addresses(out.assignment('outbound|80||api.shop.svc.cluster.local')), ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
  });

  it('subsets filter endpoints by label; a subset that selects nothing has an empty assignment', () => {
    const out = compile(MESH, 'grpc', 'shop');
    assert.deepEqual(addresses(out.assignment('outbound|9090|v1|api.shop.svc.cluster.local')), ['10.0.0.1:50051']);
    assert.deepEqual(addresses(out.assignment('outbound|9090|v2|api.shop.svc.cluster.local')), ['10.0.0.2:50052', '10.0.0.3:9090']);
    assert.deepEqual(get(out.assignment('outbound|9090|none|api.shop.svc.cluster.local'), 'endpoints'), []);
  });

  it('grouped by locality (always set), weighted by the sum of endpoint weights, healthy', () => {
    const cla = compile(MESH, 'envoy', 'shop').assignment('outbound|9090||api.shop.svc.cluster.local');
    assert.deepEqual(
      list(cla, 'endpoints').map((l) => [get(l, 'locality'), get(l, 'loadBalancingWeight'), list(l, 'lbEndpoints').map((e) => [get(e, 'loadBalancingWeight'), get(e, 'healthStatus')])]),
      [
        [{ region: 'us-east', zone: 'us-east-1a', subZone: 'rack1' }, 3, [[3, 'HEALTHY']]],
        [{ region: 'us-east', zone: 'us-east-1b' }, 2, [[1, 'HEALTHY'], [1, 'HEALTHY']]],
      ],
    );
  });

  it('source map: each endpoint points at its WorkloadEntry; subset assignments name the subset', () => {
    const out = compile(MESH, 'envoy', 'shop');
    assert.deepEqual(out.sources(CLA, 'outbound|9090|v2|api.shop.svc.cluster.local'), [
      '[] -> ServiceEntry api ["spec","hosts",0]',
      '["endpoints",0,"lbEndpoints",0] -> WorkloadEntry api-b []',
      '["endpoints",0,"lbEndpoints",1] -> WorkloadEntry api-c []',
      '["clusterName"] -> DestinationRule api ["spec","subsets",1]',
    ]);
  });

  it('host names are not EDS endpoints; duplicates are dropped; both with findings at the endpoint', () => {
    const out = compile(
      `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: shop}
spec:
  hosts: [db.shop.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  endpoints:
  - {address: db-1.shop.internal}
  - {address: 10.1.0.1}
  - {address: 10.1.0.1}
`,
      'grpc',
      'shop',
    );
    assertUsable(out.resources, 'grpc');
    assert.deepEqual(addresses(out.assignment('outbound|5432||db.shop.internal')), ['10.1.0.1:5432']);
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7025 /spec/endpoints/0/address', 'SLU7026 /spec/endpoints/2']);
  });

  it('a named targetPort the endpoint does not declare leaves it out of that port, with a finding', () => {
    const out = compile(
      `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: shop}
spec: {address: 10.2.0.1, labels: {app: web}, ports: {web: 8081}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-2, namespace: shop}
spec: {address: 10.2.0.2, labels: {app: web}}
`,
      'envoy',
      'shop',
    );
    assert.deepEqual(addresses(out.assignment('outbound|80||web.shop.svc.cluster.local')), ['10.2.0.1:8081']);
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7027 /spec/ports']);
  });
});

const SLICES = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: grpc, port: 9080, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: shop}
spec:
  template:
    metadata: {labels: {app: reviews, version: v1}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-x, namespace: shop, labels: {kubernetes.io/service-name: reviews}}
addressType: IPv4
ports: [{name: grpc, port: 8080}]
endpoints:
- {addresses: [10.3.0.1], conditions: {ready: true}, zone: zone-a, targetRef: {kind: Pod, name: reviews-v1-5d8f-abcde}}
- {addresses: [10.3.0.2], zone: zone-b}
- {addresses: [10.3.0.3], conditions: {ready: false}}
- {addresses: [10.3.0.4], conditions: {ready: true, terminating: true}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
`;

describe('EndpointSlices', () => {
  it('ready endpoints are HEALTHY, unstated UNKNOWN, not ready or terminating ones left out; zone is the locality', () => {
    const out = compile(SLICES, 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    const cla = out.assignment('outbound|9080||reviews.shop.svc.cluster.local');
    assert.deepEqual(
      list(cla, 'endpoints').map((l) => [get(l, 'locality'), list(l, 'lbEndpoints').map((e) => `${String(get(e, 'endpoint.address.socketAddress.address'))}:${String(get(e, 'endpoint.address.socketAddress.portValue'))} ${String(get(e, 'healthStatus'))}`)]),
      [
        [{ zone: 'zone-a' }, ['10.3.0.1:8080 HEALTHY']],
        [{ zone: 'zone-b' }, ['10.3.0.2:8080 UNKNOWN']],
      ],
    );
    assert.deepEqual(addresses(out.assignment('outbound|9080|v1|reviews.shop.svc.cluster.local')), ['10.3.0.1:8080']);
    assert.deepEqual(out.sources(CLA, 'outbound|9080||reviews.shop.svc.cluster.local').slice(1, 2), ['["endpoints",0,"lbEndpoints",0] -> EndpointSlice reviews-x ["endpoints",0]']);
    assert.deepEqual(out.diagnostics, []);
  });

  it('Kubernetes workloads without EndpointSlices give an empty assignment, without findings', () => {
    const out = compile(SLICES.replace(/---\napiVersion: discovery[\s\S]*?---\n/, '---\n'), 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    assert.deepEqual(get(out.assignment('outbound|9080||reviews.shop.svc.cluster.local'), 'endpoints'), []);
    assert.deepEqual(out.diagnostics, []);
  });
});

function entry(resolution: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: shop}
spec:
  hosts: [ext.example.com]
  resolution: ${resolution}
  ports: [{number: 443, name: tls, protocol: TLS}]
${extra}`;
}

const EXT = 'outbound|443||ext.example.com';

describe('ServiceEntry resolutions', () => {
  it('envoy: DNS → STRICT_DNS with the endpoints (or the host) inline', () => {
    const out = compile(entry('DNS', '  endpoints: [{address: a.example.com}, {address: b.example.com, locality: eu/eu-1}]'), 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const c = out.cluster(EXT);
    assert.equal(get(c, 'type'), 'STRICT_DNS');
    assert.equal(get(c, 'dnsLookupFamily'), 'V4_PREFERRED');
    assert.equal(get(c, 'respectDnsTtl'), true);
    assert.deepEqual(addresses(get(c, 'loadAssignment')), ['a.example.com:443', 'b.example.com:443']);
    assert.equal(out.resources.some((r) => r.typeUrl === CLA), false);
    assert.deepEqual(addresses(get(compile(entry('DNS'), 'envoy', 'shop').cluster(EXT), 'loadAssignment')), ['ext.example.com:443']);
  });

  it('envoy: DNS_ROUND_ROBIN → LOGICAL_DNS with one host; NONE → ORIGINAL_DST', () => {
    const logical = compile(entry('DNS_ROUND_ROBIN'), 'envoy', 'shop');
    assertUsable(logical.resources, 'envoy');
    assert.equal(get(logical.cluster(EXT), 'type'), 'LOGICAL_DNS');
    const none = compile(entry('NONE'), 'envoy', 'shop');
    assertUsable(none.resources, 'envoy');
    assert.equal(get(none.cluster(EXT), 'type'), 'ORIGINAL_DST');
    assert.equal(get(none.cluster(EXT), 'lbPolicy'), 'CLUSTER_PROVIDED');
    assert.deepEqual(none.diagnostics, []);
  });

  it('LOGICAL_DNS with several hosts keeps the first, with a finding', () => {
    const out = compile(entry('DNS_ROUND_ROBIN', '  endpoints: [{address: b.example.com}, {address: a.example.com}]'), 'envoy', 'shop');
    assert.deepEqual(addresses(get(out.cluster(EXT), 'loadAssignment')), ['a.example.com:443']);
    assert.deepEqual(out.codes(), ['SLU7029']);
  });

  it('grpc: DNS → LOGICAL_DNS (info), NONE → EDS with known endpoints (warning without)', () => {
    const dns = compile(entry('DNS'), 'grpc', 'shop');
    assertUsable(dns.resources, 'grpc');
    assert.equal(get(dns.cluster(EXT), 'type'), 'LOGICAL_DNS');
    assert.deepEqual(dns.diagnostics.map((d) => `${d.code} ${d.severity} ${d.path}`), ['SLU7024 info /spec/resolution']);
    const none = compile(entry('NONE'), 'grpc', 'shop');
    assertUsable(none.resources, 'grpc');
    assert.equal(get(none.cluster(EXT), 'type'), 'EDS');
    assert.deepEqual(none.diagnostics.map((d) => `${d.code} ${d.severity}`), ['SLU7024 warning']);
    const known = compile(entry('NONE', '  endpoints: [{address: 10.9.0.1}]'), 'grpc', 'shop');
    assert.deepEqual(addresses(known.assignment(EXT)), ['10.9.0.1:443']);
    assert.deepEqual(known.diagnostics, []);
  });

  it('a wildcard DNS host without endpoints has nothing to resolve: a finding; gRPC gets an empty EDS cluster it accepts', () => {
    const wildcard = entry('DNS').replace('hosts: [ext.example.com]', 'hosts: ["*.example.com"]');
    const envoy = compile(wildcard, 'envoy', 'shop');
    assertUsable(envoy.resources, 'envoy');
    assert.deepEqual(get(envoy.cluster('outbound|443||*.example.com'), 'loadAssignment.endpoints'), []);
    assert.deepEqual(envoy.codes(), ['SLU7029']);
    const grpc = compile(wildcard, 'grpc', 'shop');
    assertUsable(grpc.resources, 'grpc');
    assert.equal(get(grpc.cluster('outbound|443||*.example.com'), 'type'), 'EDS');
  });

  it('Kubernetes ExternalName → a DNS cluster resolving the external name; headless → ORIGINAL_DST', () => {
    const out = compile(
      `apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com, ports: [{name: tcp, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: shop}
spec: {clusterIP: None, selector: {app: cache}, ports: [{name: tcp, port: 6379}]}
`,
      'envoy',
      'shop',
    );
    assertUsable(out.resources, 'envoy');
    assert.deepEqual(addresses(get(out.cluster('outbound|5432||db.shop.svc.cluster.local'), 'loadAssignment')), ['db.example.com:5432']);
    assert.equal(get(out.cluster('outbound|6379||cache.shop.svc.cluster.local'), 'type'), 'ORIGINAL_DST');
  });
});

describe('locality load balancing', () => {
  const policy = (setting: string, outlier = true) => `${MESH.replace(/---\napiVersion: networking.istio.io\/v1\nkind: DestinationRule[\s\S]*$/, '---\n')}apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-eu, namespace: shop}
spec: {address: 10.0.0.9, labels: {app: api, version: v1}, locality: eu-west/eu-west-1a}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec:
  host: api.shop.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      localityLbSetting: ${setting}
${outlier ? '    outlierDetection: {consecutive5xxErrors: 5}\n' : ''}`;
  const HERE = { 'istio-locality': 'us-east.us-east-1a.rack1' };
  const API = 'outbound|9090||api.shop.svc.cluster.local';
  const shape = (cla: unknown) => list(cla, 'endpoints').map((l) => `${JSON.stringify(get(l, 'locality'))} p${String(get(l, 'priority') ?? 0)} w${String(get(l, 'loadBalancingWeight'))}`);

  it('failover by default: same zone first, then region, then other regions', () => {
    for (const flavor of ['envoy', 'grpc'] as const) {
      const out = compile(policy('{enabled: true}'), flavor, 'shop', HERE);
      assertUsable(out.resources, flavor);
      assert.deepEqual(shape(out.assignment(API)), [
        '{"region":"us-east","zone":"us-east-1a","subZone":"rack1"} p0 w3',
        '{"region":"us-east","zone":"us-east-1b"} p1 w2',
        '{"region":"eu-west","zone":"eu-west-1a"} p2 w1',
      ]);
    }
    const sources = compile(policy('{enabled: true}'), 'envoy', 'shop', HERE).sources(CLA, API);
    assert.ok(sources.includes('["endpoints",1,"priority"] -> DestinationRule api ["spec","trafficPolicy","loadBalancer","localityLbSetting"]'));
  });

  it('failover needs outlier detection (as in Istio)', () => {
    const out = compile(policy('{enabled: true}', false), 'envoy', 'shop', HERE);
    assert.ok(shape(out.assignment(API)).every((s) => s.includes(' p0 ')));
  });

  it('failover rules: the region named for the proxy\'s region comes before other regions', () => {
    const asia = `---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-ap, namespace: shop}
spec: {address: 10.0.0.8, labels: {app: api}, locality: ap-south/ap-south-1a}
`;
    const toAsia = compile(policy('{failover: [{from: us-east, to: ap-south}]}') + asia, 'envoy', 'shop', HERE);
    assert.deepEqual(shape(toAsia.assignment(API)).map((s) => s.replace(/ w\d+$/, '')), [
      '{"region":"us-east","zone":"us-east-1a","subZone":"rack1"} p0',
      '{"region":"us-east","zone":"us-east-1b"} p1',
      '{"region":"ap-south","zone":"ap-south-1a"} p2',
      '{"region":"eu-west","zone":"eu-west-1a"} p3',
    ]);
    const toEurope = compile(policy('{failover: [{from: us-east, to: eu-west}]}') + asia, 'envoy', 'shop', HERE);
    assert.deepEqual(shape(toEurope.assignment(API)).slice(2).map((s) => s.replace(/ w\d+$/, '')), ['{"region":"eu-west","zone":"eu-west-1a"} p2', '{"region":"ap-south","zone":"ap-south-1a"} p3']);
  });

  it('failoverPriority: leading labels equal to the proxy\'s come first', () => {
    const out = compile(policy('{failoverPriority: [version]}'), 'envoy', 'shop', { ...HERE, version: 'v2' });
    assert.deepEqual(shape(out.assignment(API)), ['{"region":"us-east","zone":"us-east-1b"} p0 w2', '{"region":"eu-west","zone":"eu-west-1a"} p1 w1', '{"region":"us-east","zone":"us-east-1a","subZone":"rack1"} p1 w3']);
  });

  it('distribute: weights per locality from the first rule matching the proxy; unmatched localities left out', () => {
    const out = compile(policy('{distribute: [{from: "us-east/*", to: {"us-east/*": 80, "eu-west/*": 20}}]}', false), 'envoy', 'shop', HERE);
    assertUsable(out.resources, 'envoy');
    assert.deepEqual(shape(out.assignment(API)), [
      '{"region":"eu-west","zone":"eu-west-1a"} p0 w20',
      '{"region":"us-east","zone":"us-east-1a","subZone":"rack1"} p0 w48',
      '{"region":"us-east","zone":"us-east-1b"} p0 w32',
    ]);
    assert.deepEqual(get(out.cluster(API), 'commonLbConfig.localityWeightedLbConfig'), {});
    const grpc = compile(policy('{distribute: [{from: "us-east/*", to: {"us-east/*": 100}}]}', false), 'grpc', 'shop', HERE);
    assertUsable(grpc.resources, 'grpc');
    assert.equal(list(grpc.assignment(API), 'endpoints').length, 2);
  });

  it('proxies without locality labels get no locality priorities; an explicit setting says so (info)', () => {
    const out = compile(policy('{failover: [{from: us-east, to: eu-west}]}'), 'envoy', 'shop');
    assert.ok(shape(out.assignment(API)).every((s) => s.includes(' p0 ')));
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.severity}`), ['SLU7030 info']);
  });
});
