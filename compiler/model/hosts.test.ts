import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostMatches, hostsOverlap, resolveGatewayReference, resolveHostName, wildcardCandidates } from './hosts.ts';
import { modelFrom } from './test-helpers.ts';
import { indexOf } from './lookup.ts';

describe('resolveHostName (Istio ResolveShortnameToFQDN)', () => {
  it('qualifies a short name with the referring namespace', () => {
    assert.equal(resolveHostName('reviews', 'bookinfo'), 'reviews.bookinfo.svc.cluster.local');
    assert.equal(resolveHostName('reviews', 'default', 'example.internal'), 'reviews.default.svc.example.internal');
  });
  it('takes anything with a dot as written, like Istio', () => {
    assert.equal(resolveHostName('reviews.other', 'default'), 'reviews.other');
    assert.equal(resolveHostName('reviews.other.svc.cluster.local', 'default'), 'reviews.other.svc.cluster.local');
    assert.equal(resolveHostName('api.example.com', 'default'), 'api.example.com');
  });
  it('leaves wildcards and IPs alone', () => {
    assert.equal(resolveHostName('*', 'default'), '*');
    assert.equal(resolveHostName('*.example.com', 'default'), '*.example.com');
    assert.equal(resolveHostName('10.0.0.1', 'default'), '10.0.0.1');
    assert.equal(resolveHostName('::1', 'default'), '::1');
  });
});

describe('hostMatches', () => {
  it('matches wildcards by suffix, one or more labels', () => {
    assert.equal(hostMatches('*.example.com', 'api.example.com'), true);
    assert.equal(hostMatches('*.example.com', 'a.b.example.com'), true);
    assert.equal(hostMatches('*.example.com', 'example.com'), false);
    assert.equal(hostMatches('*.example.com', 'api.example.org'), false);
    assert.equal(hostMatches('*', 'anything.at.all'), true);
    assert.equal(hostMatches('api.example.com', 'api.example.com'), true);
    assert.equal(hostMatches('api.example.com', '*.example.com'), false);
    assert.equal(hostMatches('*.example.com', '*.api.example.com'), true);
    assert.equal(hostsOverlap('api.example.com', '*.example.com'), true);
  });
  it('lists wildcard candidates most specific first', () => {
    assert.deepEqual(wildcardCandidates('a.b.example.com'), ['*.b.example.com', '*.example.com', '*.com', '*']);
  });
  it('resolves gateway references', () => {
    assert.deepEqual(resolveGatewayReference('bookinfo-gateway', 'default'), { namespace: 'default', name: 'bookinfo-gateway' });
    assert.deepEqual(resolveGatewayReference('istio-system/ingress', 'default'), { namespace: 'istio-system', name: 'ingress' });
    assert.equal(resolveGatewayReference('mesh', 'default'), undefined);
  });
});

const registry = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: example, namespace: bookinfo}
spec:
  hosts: ["*.example.com", reviews]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: bookinfo}
spec:
  hosts: [reviews, reviews.bookinfo, api.example.com]
  http:
  - route:
    - destination: {host: reviews}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: other}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  http:
  - route:
    - destination: {host: reviews}
`;

describe('host resolution in the model', () => {
  const { model } = modelFrom(registry);
  const index = indexOf(model);
  it('indexes Kubernetes services by FQDN with their aliases', () => {
    const [svc] = model.servicesByHost.get('reviews.bookinfo.svc.cluster.local') ?? [];
    assert.ok(svc);
    assert.deepEqual(svc.aliases, ['reviews', 'reviews.bookinfo', 'reviews.bookinfo.svc', 'reviews.bookinfo.svc.cluster.local']);
  });
  it('matches ServiceEntry hosts literally', () => {
    assert.equal(model.servicesByHost.get('reviews')?.[0]?.source, 'serviceentry');
    assert.equal(model.servicesByHost.has('reviews.bookinfo.svc.cluster.local'), true);
  });
  it('resolves a short destination in the route namespace', () => {
    const vs = model.virtualServices.find((v) => v.namespace === 'bookinfo');
    const dest = vs?.http[0]?.destinations[0];
    assert.equal(dest?.host.fqdn, 'reviews.bookinfo.svc.cluster.local');
    assert.equal(dest?.host.service?.name, 'reviews');
    assert.deepEqual(dest?.host.path, ['spec', 'http', 0, 'route', 0, 'destination', 'host']);
  });
  it('a short name in another namespace does not reach the service', () => {
    const vs = model.virtualServices.find((v) => v.namespace === 'other');
    const dest = vs?.http[0]?.destinations[0];
    assert.equal(dest?.host.fqdn, 'reviews.other.svc.cluster.local');
    assert.equal(dest?.host.service, undefined);
    assert.equal(vs?.hosts[0]?.service?.name, 'reviews');
  });
  it('does not expand dotted names (reviews.bookinfo stays as written)', () => {
    const vs = model.virtualServices.find((v) => v.namespace === 'bookinfo');
    assert.equal(vs?.hosts[1]?.fqdn, 'reviews.bookinfo');
    assert.equal(vs?.hosts[1]?.service, undefined);
  });
  it('wildcard ServiceEntry hosts cover concrete hosts but resolve to no single service', () => {
    const vs = model.virtualServices.find((v) => v.namespace === 'bookinfo');
    assert.equal(vs?.hosts[2]?.service, undefined);
    assert.equal(index.isKnownHost('api.example.com'), true);
    assert.equal(index.servicesFor('api.example.com')[0]?.hostname, '*.example.com');
    assert.equal(index.isKnownHost('example.com'), false);
    assert.equal(index.isKnownHost('*.svc.cluster.local'), true);
    assert.equal(index.servicesMatching('*.bookinfo.svc.cluster.local').length, 1);
    assert.equal(index.isKnownHost('*.nothing.test'), false);
  });
});
