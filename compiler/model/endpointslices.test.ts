import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelFrom } from './test-helpers.ts';

const platform = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: web}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: shop}
spec:
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec: {containers: [{name: app, ports: [{name: web, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: reviews-db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: reviews, version: db}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: reviews-abcde
  namespace: shop
  labels: {kubernetes.io/service-name: reviews}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [10.0.0.1, 10.0.0.9]
  conditions: {ready: true, serving: true, terminating: false}
  zone: us-east-1a
  targetRef: {kind: Pod, name: reviews-v1-7d9f8c-x2x9q, namespace: shop}
- addresses: [10.0.0.2]
  conditions: {ready: false}
  targetRef: {kind: Pod, name: reviews-db-0}
- addresses: [10.0.0.3]
  targetRef: {kind: Pod, name: unknown-pod}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: other
  namespace: elsewhere
  labels: {kubernetes.io/service-name: reviews}
addressType: IPv4
endpoints: [{addresses: [10.9.9.9]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: unlabelled, namespace: shop}
addressType: IPv4
endpoints: [{addresses: [10.8.8.8]}]
`;

describe('EndpointSlices', () => {
  const { model } = modelFrom(platform);
  const reviews = model.services.find((s) => s.name === 'reviews');

  it('become endpoints of the Service their service-name label names, in their namespace', () => {
    assert.deepEqual(reviews?.endpoints.map((e) => e.address), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    for (const e of reviews?.endpoints ?? []) {
      assert.equal(e.source, 'EndpointSlice');
      assert.equal(e.doc.name, 'reviews-abcde');
    }
    assert.deepEqual(reviews?.endpoints.map((e) => e.path), [
      ['endpoints', 0],
      ['endpoints', 1],
      ['endpoints', 2],
    ]);
  });

  it('carry the slice ports by name, the zone and the conditions as written', () => {
    const [first, second, third] = reviews?.endpoints ?? [];
    assert.deepEqual(first?.ports, { http: 8080 });
    assert.equal(first?.zone, 'us-east-1a');
    assert.deepEqual([first?.ready, first?.serving, first?.terminating], [true, true, false]);
    assert.equal(second?.ready, false);
    assert.equal(third?.ready, undefined);
  });

  it('take labels from the workload the targetRef names (Deployment and StatefulSet pod names)', () => {
    const [first, second, third] = reviews?.endpoints ?? [];
    assert.equal(first?.workload?.name, 'reviews-v1');
    assert.deepEqual(first?.labels, { app: 'reviews', version: 'v1' });
    assert.equal(second?.workload?.name, 'reviews-db');
    assert.deepEqual(third?.labels, {});
    assert.equal(third?.workload, undefined);
  });

  it('reach subsets through their labels', () => {
    const { model: withRule } = modelFrom(
      platform +
        `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
`,
    );
    assert.deepEqual(withRule.destinationRules[0]?.subsets[0]?.endpoints.map((e) => e.address), ['10.0.0.1']);
  });

  it('mark endpoints by source and keep ExternalName targets', () => {
    const { model: other } = modelFrom(`
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com, ports: [{port: 5432}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.example.com]
  resolution: STATIC
  ports: [{number: 443, name: https, protocol: HTTPS}]
  endpoints: [{address: 1.2.3.4}]
  workloadSelector: {labels: {app: api}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-1, namespace: shop}
spec: {address: 1.2.3.5, labels: {app: api}}
`);
    const db = other.services.find((s) => s.name === 'db');
    assert.equal(db?.externalName, 'db.example.com');
    assert.equal(db?.resolution, 'DNS');
    const api = other.services.find((s) => s.name === 'api');
    assert.deepEqual(api?.endpoints.map((e) => [e.address, e.source]), [
      ['1.2.3.4', 'ServiceEntry'],
      ['1.2.3.5', 'WorkloadEntry'],
    ]);
  });
});
