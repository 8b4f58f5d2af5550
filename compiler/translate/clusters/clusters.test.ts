/** Which clusters a proxy class gets, and which DestinationRule shapes them (Istio precedence and merging). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { assertUsable, compile, get, modelOf, translateModel } from './test-support.ts';

const clusterNames = (out: ReturnType<typeof compile>) => out.resources.filter((r) => r.typeUrl === RESOURCE_TYPE_URLS.cluster).map((r) => r.name);

function service(name: string, namespace: string, extra = ''): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}${extra}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080}]
---
`;
}

function rule(name: string, namespace: string, host: string, body: string): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  host: ${host}
${body}
---
`;
}

describe('clusters of a proxy class', () => {
  it('EDS over ADS, named like Istio, sorted, with an assignment each; Envoy also gets the catch-all clusters', () => {
    const out = compile(service('b', 'shop') + service('a', 'shop'), 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    assert.deepEqual(clusterNames(out), ['BlackHoleCluster', 'PassthroughCluster', 'outbound|8080||a.shop.svc.cluster.local', 'outbound|8080||b.shop.svc.cluster.local']);
    assert.deepEqual(get(out.cluster('outbound|8080||a.shop.svc.cluster.local'), 'edsClusterConfig'), {
      edsConfig: { ads: {}, resourceApiVersion: 'V3' },
      serviceName: 'outbound|8080||a.shop.svc.cluster.local',
    });
    assert.deepEqual(
      out.resources.filter((r) => r.typeUrl === RESOURCE_TYPE_URLS.clusterLoadAssignment).map((r) => r.name),
      ['outbound|8080||a.shop.svc.cluster.local', 'outbound|8080||b.shop.svc.cluster.local'],
    );
    assert.deepEqual(clusterNames(compile(service('a', 'shop'), 'grpc', 'shop')), ['outbound|8080||a.shop.svc.cluster.local']);
  });

  it('in name order across ports and subsets (a port of fewer digits, a service cluster after its subsets, inbound clusters)', () => {
    const twoPorts = (name: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080}, {name: http-admin, port: 80}]
---
`;
    const subsets = (host: string) => rule(`dr-${host}`, 'shop', host, '  subsets: [{name: v1, labels: {version: v1}}, {name: canary, labels: {version: v2}}]');
    const workload = `apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: shop}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b, version: v1}}
    spec: {containers: [{name: b, image: b, ports: [{containerPort: 8080}]}]}
`;
    const out = translateModel(modelOf(twoPorts('b') + twoPorts('a') + subsets('a') + subsets('b') + workload), 'envoy', 'shop', { app: 'b', version: 'v1' });
    for (const type of [RESOURCE_TYPE_URLS.cluster, RESOURCE_TYPE_URLS.clusterLoadAssignment]) {
      const names = out.resources.filter((r) => r.typeUrl === type).map((r) => r.name);
      assert.deepEqual(names, [...names].sort(), `${type} in name order`);
      assert.ok(names.includes('outbound|80|canary|a.shop.svc.cluster.local') && names.includes('outbound|8080||b.shop.svc.cluster.local'));
    }
    assert.ok(clusterNames(out).some((n) => n.startsWith('inbound|')), 'the workload\'s inbound clusters are there');
  });

  it('only services exported to the proxy\'s namespace', () => {
    const files =
      service('private', 'shop', ', annotations: {networking.istio.io/exportTo: "."}') +
      service('public', 'shop') +
      `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: shop}
spec:
  hosts: [partner.example.com]
  exportTo: [team]
  resolution: DNS
  ports: [{number: 443, name: https, protocol: HTTPS}]
`;
    const model = modelOf(files);
    const names = (ns: string) => clusterNames(translateModel(model, 'grpc', ns));
    assert.deepEqual(names('shop'), ['outbound|8080||private.shop.svc.cluster.local', 'outbound|8080||public.shop.svc.cluster.local']);
    assert.deepEqual(names('team'), ['outbound|443||partner.example.com', 'outbound|8080||public.shop.svc.cluster.local']);
    assert.deepEqual(names('other'), ['outbound|8080||public.shop.svc.cluster.local']);
  });

  it('one cluster per host and port when services share a host: the proxy\'s namespace first, then Kubernetes', () => {
    const files = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-a, namespace: a}
spec:
  hosts: [api.example.com]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1}]
  ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: http2, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-b, namespace: b}
spec:
  hosts: [api.example.com]
  resolution: STATIC
  endpoints: [{address: 10.0.0.2}]
  ports: [{number: 80, name: http, protocol: HTTP}]
`;
    const model = modelOf(files);
    const endpoint = (ns: string, port: number) =>
      get(translateModel(model, 'grpc', ns).assignment(`outbound|${port}||api.example.com`), 'endpoints.0.lbEndpoints.0.endpoint.address.socketAddress.address');
    assert.equal(endpoint('b', 80), '10.0.0.2');
    assert.equal(endpoint('a', 80), '10.0.0.1');
    assert.equal(endpoint('c', 80), '10.0.0.1');
    assert.equal(endpoint('b', 81), '10.0.0.1', 'a port only one of them declares');
  });

  it('deterministic: the same input in another order gives the same output', () => {
    const parts = [service('x', 'shop'), service('y', 'shop'), rule('x', 'shop', 'x', '  subsets: [{name: v2, labels: {v: "2"}}, {name: v1, labels: {v: "1"}}]')];
    const one = compile(parts.join(''), 'envoy', 'shop');
    const two = compile([...parts].reverse().join(''), 'envoy', 'shop');
    assert.deepEqual(
      one.resources.map((r) => [r.name, JSON.stringify(r.json)]),
      two.resources.map((r) => [r.name, JSON.stringify(r.json)]),
    );
  });
});

describe('DestinationRule precedence (client namespace, service namespace, root namespace)', () => {
  const files =
    service('api', 'svc') +
    rule('root', 'istio-system', 'api.svc.svc.cluster.local', '  trafficPolicy: {loadBalancer: {simple: RANDOM}}') +
    rule('owner', 'svc', 'api.svc.svc.cluster.local', '  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n  exportTo: [".", "team"]') +
    rule('client', 'team', 'api.svc.svc.cluster.local', '  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}\n  subsets: [{name: mine, labels: {app: api}}]');
  const model = modelOf(files);
  const lb = (ns: string) => get(translateModel(model, 'envoy', ns).cluster('outbound|8080||api.svc.svc.cluster.local'), 'lbPolicy');

  it('the client namespace first', () => {
    assert.equal(lb('team'), 'LEAST_REQUEST');
    assert.ok(clusterNames(translateModel(model, 'envoy', 'team')).includes('outbound|8080|mine|api.svc.svc.cluster.local'));
  });
  it('then the service namespace, honouring exportTo', () => {
    assert.equal(lb('svc'), 'ROUND_ROBIN');
  });
  it('then the root namespace', () => {
    assert.equal(lb('elsewhere'), 'RANDOM');
    assert.equal(clusterNames(translateModel(model, 'envoy', 'elsewhere')).some((n) => n.includes('|mine|')), false);
  });
  it('the cluster metadata names the rule, as Istio does', () => {
    assert.equal(
      get(translateModel(model, 'envoy', 'team').cluster('outbound|8080|mine|api.svc.svc.cluster.local'), 'metadata.filterMetadata.istio.config'),
      '/apis/networking.istio.io/v1/namespaces/team/destination-rule/client',
    );
  });
});

describe('several DestinationRules for one host', () => {
  it('merge: subsets are added (first definition wins), the first top-level trafficPolicy wins as a whole', () => {
    const out = compile(
      service('api', 'shop') +
        rule('one', 'shop', 'api', '  subsets: [{name: v1, labels: {version: v1}}]') +
        rule('two', 'shop', 'api', '  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n  subsets: [{name: v1, labels: {version: other}}, {name: v2, labels: {version: v2}}]') +
        rule('three', 'shop', 'api', '  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}, connectionPool: {tcp: {maxConnections: 5}}}'),
      'envoy',
      'shop',
    );
    assert.deepEqual(clusterNames(out).filter((n) => n.startsWith('outbound')), [
      'outbound|8080|v1|api.shop.svc.cluster.local',
      'outbound|8080|v2|api.shop.svc.cluster.local',
      'outbound|8080||api.shop.svc.cluster.local',
    ]);
    const c = out.cluster('outbound|8080||api.shop.svc.cluster.local');
    assert.equal(get(c, 'lbPolicy'), 'RANDOM');
    assert.equal(get(c, 'circuitBreakers.thresholds.0.maxConnections'), 4294967295);
    assert.deepEqual(
      out.sources(RESOURCE_TYPE_URLS.cluster, 'outbound|8080|v1|api.shop.svc.cluster.local').filter((s) => s.startsWith('["name"]')),
      ['["name"] -> DestinationRule one ["spec","subsets",0]'],
    );
  });

  it('a workloadSelector rule applies only to the proxies it selects, in its namespace', () => {
    const files =
      service('api', 'shop') +
      rule('all', 'shop', 'api', '  trafficPolicy: {loadBalancer: {simple: RANDOM}}') +
      rule('canary', 'shop', 'api', '  workloadSelector: {matchLabels: {track: canary}}\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}');
    const model = modelOf(files);
    const lb = (labels: Record<string, string>) => get(translateModel(model, 'envoy', 'shop', labels).cluster('outbound|8080||api.shop.svc.cluster.local'), 'lbPolicy');
    assert.equal(lb({ track: 'canary', app: 'x' }), 'ROUND_ROBIN');
    assert.equal(lb({ app: 'x' }), 'RANDOM');
  });
});

describe('inbound clusters (Envoy sidecars)', () => {
  const files = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: grpc, port: 9090, targetPort: 8080}, {name: http, port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
`;

  it('one per port the workload serves, to the application on 127.0.0.1:PORT, with its protocol', () => {
    const out = compile(files, 'envoy', 'shop', { app: 'web' });
    assertUsable(out.resources, 'envoy');
    assert.deepEqual(clusterNames(out).filter((n) => n.startsWith('inbound')), ['inbound|8080||', 'inbound|80||']);
    const grpcPort = out.cluster('inbound|8080||');
    assert.equal(get(grpcPort, 'type'), 'STATIC');
    assert.deepEqual(get(grpcPort, 'loadAssignment.endpoints.0.lbEndpoints.0.endpoint.address.socketAddress'), { address: '127.0.0.1', portValue: 8080 });
    assert.notEqual(get(grpcPort, 'typedExtensionProtocolOptions'), undefined);
    assert.equal(get(out.cluster('inbound|80||'), 'typedExtensionProtocolOptions'), undefined);
    assert.ok(out.sources(RESOURCE_TYPE_URLS.cluster, 'inbound|8080||').includes('[] -> Service web ["spec","ports",0]'));
  });

  it('none for other workloads and for proxyless gRPC', () => {
    assert.deepEqual(clusterNames(compile(files, 'envoy', 'shop', { app: 'other' })).filter((n) => n.startsWith('inbound')), []);
    assert.deepEqual(clusterNames(compile(files, 'grpc', 'shop', { app: 'web' })).filter((n) => n.startsWith('inbound')), []);
  });
});
