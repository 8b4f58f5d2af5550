import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNode, proxyClass } from './proxy-class.ts';

describe('proxy classes', () => {
  it('gives proxies with the same flavor, namespace and labels one key, whatever the label order', () => {
    assert.equal(proxyClass('envoy', 'shop', { b: '2', a: '1' }).key, proxyClass('envoy', 'shop', { a: '1', b: '2' }).key);
    assert.notEqual(proxyClass('envoy', 'shop', { a: '1' }).key, proxyClass('grpc', 'shop', { a: '1' }).key);
    assert.notEqual(proxyClass('envoy', 'shop', { a: '1' }).key, proxyClass('envoy', 'other', { a: '1' }).key);
  });

  it('reads flavor, namespace and labels from node metadata as istiod does', () => {
    const grpc = classifyNode({ id: 'n1', metadata: { GENERATOR: 'grpc', NAMESPACE: 'shop', LABELS: { app: 'frontend', n: 3 } } });
    assert.deepEqual([grpc.flavor, grpc.namespace, grpc.labels], ['grpc', 'shop', { app: 'frontend' }]);
    assert.equal(classifyNode({ userAgentName: 'gRPC Node.js', metadata: {} }).flavor, 'grpc');
    const sidecar = classifyNode({ id: 'sidecar~10.1.2.3~reviews-v1-7d9.prod~prod.svc.cluster.local', metadata: {} });
    assert.deepEqual([sidecar.flavor, sidecar.namespace], ['envoy', 'prod']);
    assert.equal(classifyNode({ id: 'plain' }).namespace, 'default');
  });
});
