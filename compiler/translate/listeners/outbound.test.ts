// Outbound: Envoy listeners per port (HTTP with RDS, sniffed, SNI, TCP) and gRPC
// api_listeners per target name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import { compile, dig, grpcValidate, listener } from './test-support.ts';

function service(name: string, namespace: string, ports: string, extra = ''): string {
  return `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}${extra}}
spec:
  selector: {app: ${name}}
  ports: ${ports}
`;
}

function serviceEntry(name: string, hosts: string, ports: string, extra = ''): string {
  return `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: shop}
spec:
  hosts: ${hosts}
  resolution: DNS
  ports: ${ports}
${extra}`;
}

describe('Envoy outbound listeners', () => {
  it('gives an HTTP port an HCM with RDS named after the port, and fault, CORS and router filters', () => {
    const compiled = compile(service('web', 'shop', '[{name: http, port: 8080}]') + service('api', 'other', '[{name: grpc, port: 8080}]'), 'envoy', 'shop');
    const l = listener(compiled, '0.0.0.0_8080').json;
    assert.equal(l.bindToPort, false);
    assert.equal(l.trafficDirection, 'OUTBOUND');
    assert.deepEqual(dig(l, 'address'), { socketAddress: { address: '0.0.0.0', portValue: 8080 } });
    const hcm = dig(l, 'filterChains', 0, 'filters', 0, 'typedConfig') as JsonObject;
    assert.deepEqual(hcm.rds, { configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: '8080' });
    assert.deepEqual(
      (hcm.httpFilters as JsonObject[]).map((f) => f.name),
      ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router'],
    );
    assert.equal((dig(l, 'filterChains') as JsonObject[]).length, 1);
  });

  it('sniffs ports without a protocol: HTTP to the routes, the rest to the one TCP service', () => {
    const compiled = compile(service('legacy', 'shop', '[{port: 7000}]'), 'envoy', 'shop');
    const l = listener(compiled, '0.0.0.0_7000').json;
    assert.equal(dig(l, 'listenerFilters', 0, 'name'), 'envoy.filters.listener.http_inspector');
    assert.deepEqual(dig(l, 'filterChains', 0, 'filterChainMatch'), { applicationProtocols: ['http/1.1', 'h2c'] });
    assert.equal(dig(l, 'filterChains', 0, 'filters', 0, 'typedConfig', 'rds', 'routeConfigName'), '7000');
    assert.equal(dig(l, 'filterChains', 1, 'filters', 0, 'typedConfig', 'cluster'), 'outbound|7000||legacy.shop.svc.cluster.local');
  });

  it('tells TLS services on one port apart by SNI, and forwards one TCP service (or its tcp route)', () => {
    const compiled = compile(
      serviceEntry('a', '[a.example.com]', '[{number: 443, name: https, protocol: HTTPS}]') +
        serviceEntry('b', '["*.b.example.com"]', '[{number: 443, name: tls, protocol: TLS}]') +
        service('db', 'shop', '[{name: tcp, port: 5432}]') +
        `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: shop}
spec:
  hosts: [db]
  tcp:
  - match: [{port: 5432}]
    route:
    - destination: {host: db, subset: v1}
      weight: 75
    - destination: {host: db, subset: v2}
      weight: 25
`,
      'envoy',
      'shop',
    );
    const tls = listener(compiled, '0.0.0.0_443');
    assert.equal(dig(tls.json, 'listenerFilters', 0, 'name'), 'envoy.filters.listener.tls_inspector');
    assert.deepEqual(
      (dig(tls.json, 'filterChains') as JsonObject[]).map((c) => [dig(c, 'filterChainMatch', 'serverNames', 0), dig(c, 'filters', 0, 'typedConfig', 'cluster')]),
      [
        ['*.b.example.com', 'outbound|443||*.b.example.com'],
        ['a.example.com', 'outbound|443||a.example.com'],
      ],
    );
    const db = listener(compiled, '0.0.0.0_5432');
    assert.deepEqual(dig(db.json, 'filterChains', 0, 'filters', 0, 'typedConfig', 'weightedClusters'), {
      clusters: [
        { name: 'outbound|5432|v1|db.shop.svc.cluster.local', weight: 75 },
        { name: 'outbound|5432|v2|db.shop.svc.cluster.local', weight: 25 },
      ],
    });
    const entry = db.sources.find((s) => s.path.join('/') === 'filterChains/0/filters/0/typedConfig');
    assert.deepEqual(entry?.origin.path, ['spec', 'tcp', 0]);
  });

  it('reports TCP services it cannot tell apart and TCP services on an HTTP port', () => {
    const compiled = compile(
      service('a', 'shop', '[{name: tcp, port: 5432}]') + service('b', 'shop', '[{name: tcp, port: 5432}]') + service('c', 'shop', '[{name: http, port: 80}]') + service('d', 'shop', '[{name: tcp, port: 80}]'),
      'envoy',
      'shop',
    );
    assert.ok(!compiled.resources.some((r) => r.name === '0.0.0.0_5432'));
    assert.ok(compiled.resources.some((r) => r.name === '0.0.0.0_80'));
    assert.deepEqual(compiled.diagnostics.map((d) => d.code).sort(), ['SLU7040', 'SLU7040', 'SLU7041']);
  });

  it('leaves out services not exported to the proxy namespace, and UDP ports', () => {
    const compiled = compile(
      service('hidden', 'other', '[{name: http, port: 81}]', ', annotations: {networking.istio.io/exportTo: "."}') + service('dns', 'shop', '[{name: dns, port: 53, protocol: UDP}]'),
      'envoy',
      'shop',
    );
    assert.deepEqual(
      compiled.resources.map((r) => r.name),
      ['virtualOutbound'],
    );
  });
});

describe('gRPC api_listeners', () => {
  const mesh = service('reviews', 'default', '[{name: grpc, port: 9080}, {name: grpc-admin, port: 9090}, {name: tcp-db, port: 5432}]') + serviceEntry('ext', '[api.example.com, "*.wild.example.com"]', '[{number: 443, name: grpc, protocol: GRPC}]');

  it('makes one listener per target name and port with routes, all on the route configuration of the host', () => {
    const same = compile(mesh, 'grpc', 'default');
    const names = same.resources.map((r) => r.name);
    assert.deepEqual(names, [
      'api.example.com:443',
      'reviews.default.svc.cluster.local:9080',
      'reviews.default.svc.cluster.local:9090',
      'reviews.default.svc:9080',
      'reviews.default.svc:9090',
      'reviews.default:9080',
      'reviews.default:9090',
      'reviews:9080',
      'reviews:9090',
    ]);
    for (const r of same.resources) {
      assert.equal(grpcValidate(r), undefined, r.name);
      const port = r.name.slice(r.name.lastIndexOf(':') + 1);
      const host = r.name.startsWith('reviews') ? 'reviews.default.svc.cluster.local' : 'api.example.com';
      assert.equal(dig(r.json, 'apiListener', 'apiListener', 'rds', 'routeConfigName'), `${host}:${port}`);
      assert.deepEqual(
        (dig(r.json, 'apiListener', 'apiListener', 'httpFilters') as JsonObject[]).map((f) => f.name),
        ['envoy.filters.http.fault', 'envoy.filters.http.router'],
      );
    }
    // the short name only from the service's own namespace
    const other = compile(mesh, 'grpc', 'shop').resources.map((r) => r.name);
    assert.ok(!other.includes('reviews:9080'));
    assert.ok(other.includes('reviews.default:9080'));
  });

  it('gives a contested name to the service whose host it is, and reports the other', () => {
    const compiled = compile(
      service('reviews', 'default', '[{name: grpc, port: 9080}]') +
        `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: alias, namespace: default}
spec:
  hosts: [reviews.default]
  location: MESH_INTERNAL
  resolution: DNS
  ports: [{number: 9080, name: grpc, protocol: GRPC}]
`,
      'grpc',
      'default',
    );
    const contested = listener(compiled, 'reviews.default:9080');
    assert.equal(dig(contested.json, 'apiListener', 'apiListener', 'rds', 'routeConfigName'), 'reviews.default:9080');
    assert.deepEqual(
      compiled.diagnostics.map((d) => d.code),
      ['SLU7050'],
    );
  });
});
