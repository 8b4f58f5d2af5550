// Delegation: a root rule with `delegate` is replaced by the delegate's rules merged with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import { compileRoutes, originOf, routesOf, service, subsets, virtualService, yaml } from './test-helpers.ts';

const HOST = 'reviews.default.svc.cluster.local';
const VHOST = `${HOST}:9080`;

const root = virtualService(
  'root',
  `  hosts: [reviews]
  http:
  - name: api
    match: [{uri: {prefix: /api}, headers: {x-env: {exact: prod}}}]
    timeout: 5s
    delegate: {name: reviews-api, namespace: team}
  - route: [{destination: {host: reviews, subset: v1}}]
`,
);

const delegate = virtualService(
  'reviews-api',
  `  http:
  - name: v2
    match: [{uri: {prefix: /api/v2}}]
    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
  - name: outside
    match: [{uri: {prefix: /other}}]
    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
  - name: rest
    timeout: 1s
    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]
`,
  'team',
);

describe('routes: delegate VirtualServices', () => {
  it('merges matches (root conditions refined by the delegate) and inherits unset settings from the root rule', () => {
    const compiled = compileRoutes(yaml(service('reviews'), subsets('reviews'), root, delegate), 'envoy');
    const routes = routesOf(compiled.get('9080'), VHOST);
    assert.deepEqual(
      routes.map((r) => [r.name, r.match, (r.route as JsonObject).cluster, (r.route as JsonObject).timeout]),
      [
        ['api-v2', { prefix: '/api/v2', headers: [{ name: 'x-env', stringMatch: { exact: 'prod' } }] }, `outbound|9080|v2|${HOST}`, '5s'],
        ['api-rest', { prefix: '/api', headers: [{ name: 'x-env', stringMatch: { exact: 'prod' } }] }, `outbound|9080|v1|${HOST}`, '1s'],
        [undefined, { prefix: '/' }, `outbound|9080|v1|${HOST}`, '0s'],
      ],
    );
    // the conflicting delegate rule is left out and reported at its match
    assert.deepEqual(compiled.diagnostics.map((d) => d.code), ['SLU7006']);
    // sources: the merged route is the delegate's rule; its timeout came from the root rule
    const resource = compiled.get('9080');
    const first = ['virtualHosts', 0, 'routes', 0];
    assert.equal(originOf(resource, first)?.doc.name, 'reviews-api');
    assert.deepEqual(originOf(resource, [...first, 'route', 'timeout'])?.path, ['spec', 'http', 0, 'timeout']);
    assert.equal(originOf(resource, [...first, 'route', 'timeout'])?.doc.name, 'root');
    assert.equal(originOf(resource, [...first, 'match', 'headers', 0])?.doc.name, 'root');
    assert.equal(originOf(resource, [...first, 'match', 'prefix'])?.doc.name, 'reviews-api');
  });

  it('reports a missing delegate (SLU7004) and one with hosts (SLU7005); the rule adds no routes', () => {
    const missing = compileRoutes(yaml(service('reviews'), subsets('reviews'), root), 'envoy');
    assert.deepEqual(missing.diagnostics.map((d) => `${d.code} ${d.severity}`), ['SLU7004 error']);
    assert.equal(routesOf(missing.get('9080'), VHOST).length, 1);
    const withHosts = delegate.replace('  http:\n', '  hosts: [reviews-api]\n  http:\n');
    const ignored = compileRoutes(yaml(service('reviews'), subsets('reviews'), root, withHosts), 'envoy');
    assert.deepEqual(ignored.diagnostics.map((d) => d.code), ['SLU7005']);
  });
});
