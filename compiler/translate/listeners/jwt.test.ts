// RequestAuthentication → jwt_authn on the inbound HTTP chains.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../xds/index.ts';
import { compile, dig, listener } from './test-support.ts';
import type { Compiled } from './test-support.ts';

const WORKLOAD = `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{name: http, port: 8080}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: issuer, namespace: shop}
spec:
  hosts: [issuer.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: https, protocol: HTTPS}]
`;

function ra(name: string, spec: string, namespace = 'shop'): string {
  return `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

function jwtFilter(compiled: Compiled): JsonObject | undefined {
  const filters = dig(listener(compiled, 'virtualInbound').json, 'filterChains', 0, 'filters', 0, 'typedConfig', 'httpFilters') as JsonObject[];
  return filters.find((f) => f.name === 'envoy.filters.http.jwt_authn');
}

describe('RequestAuthentication → jwt_authn', () => {
  it('makes a provider per rule, and lets requests without a token through while rejecting invalid ones', () => {
    const compiled = compile(
      WORKLOAD +
        ra(
          'jwt',
          `selector:
  matchLabels: {app: api}
jwtRules:
- issuer: https://issuer.example.com
  audiences: [api]
  jwksUri: https://issuer.example.com/.well-known/jwks.json
  timeout: 500ms
  fromHeaders:
  - {name: x-jwt, prefix: "Bearer "}
  fromParams: [token]
  forwardOriginalToken: true
  outputPayloadToHeader: x-jwt-payload
  outputClaimToHeaders:
  - {header: x-sub, claim: sub}`,
        ) +
        ra('mesh', `jwtRules:\n- issuer: mesh-issuer\n  jwks: '{"keys":[]}'`, 'istio-system'),
      'envoy',
      'shop',
      { app: 'api' },
    );
    assert.deepEqual(compiled.diagnostics, []);
    const config = dig(jwtFilter(compiled), 'typedConfig') as JsonObject;
    assert.deepEqual(config.providers, {
      'origins-0': { issuer: 'mesh-issuer', localJwks: { inlineString: '{"keys":[]}' }, payloadInMetadata: 'jwt_payload' },
      'origins-1': {
        issuer: 'https://issuer.example.com',
        audiences: ['api'],
        remoteJwks: {
          httpUri: { uri: 'https://issuer.example.com/.well-known/jwks.json', cluster: 'outbound|443||issuer.example.com', timeout: '0.5s' },
          cacheDuration: '300s',
        },
        forward: true,
        fromHeaders: [{ name: 'x-jwt', valuePrefix: 'Bearer ' }],
        fromParams: ['token'],
        forwardPayloadHeader: 'x-jwt-payload',
        payloadInMetadata: 'jwt_payload',
        claimToHeaders: [{ headerName: 'x-sub', claimName: 'sub' }],
      },
    });
    assert.deepEqual(config.rules, [
      { match: { prefix: '/' }, requires: { requiresAny: { requirements: [{ providerName: 'origins-0' }, { providerName: 'origins-1' }, { allowMissing: {} }] } } },
    ]);
    // the filter runs before RBAC and the router
    const names = (dig(listener(compiled, 'virtualInbound').json, 'filterChains', 0, 'filters', 0, 'typedConfig', 'httpFilters') as JsonObject[]).map((f) => f.name);
    assert.deepEqual(names, ['envoy.filters.http.jwt_authn', 'envoy.filters.http.router']);
    // providers map to their jwtRules node
    const inbound = listener(compiled, 'virtualInbound');
    const entry = inbound.sources.find((s) => s.path.at(-1) === 'origins-1');
    assert.deepEqual(entry?.origin.path, ['spec', 'jwtRules', 0]);
    assert.equal(entry?.origin.doc.name, 'jwt');
  });

  it('fails closed on keys it cannot get: no jwks at all, or a jwksUri host without a service', () => {
    const compiled = compile(
      WORKLOAD + ra('jwt', 'jwtRules:\n- issuer: a\n- issuer: b\n  jwksUri: https://keys.unknown.example/jwks'),
      'envoy',
      'shop',
      { app: 'api' },
    );
    const providers = dig(jwtFilter(compiled), 'typedConfig', 'providers') as JsonObject;
    assert.deepEqual(dig(providers, 'origins-0', 'localJwks'), { inlineString: '{"keys":[]}' });
    assert.equal(dig(providers, 'origins-1', 'remoteJwks', 'httpUri', 'cluster'), 'outbound|443||keys.unknown.example');
    assert.deepEqual(
      compiled.diagnostics.map((d) => `${d.code} ${d.path}`),
      ['SLU7047 /spec/jwtRules/0', 'SLU7048 /spec/jwtRules/1/jwksUri'],
    );
  });

  it('does not apply to other workloads, and is reported (not applied) on gRPC servers', () => {
    const other = compile(WORKLOAD + ra('jwt', 'selector:\n  matchLabels: {app: web}\njwtRules:\n- {issuer: a, jwks: "{}"}'), 'envoy', 'shop', { app: 'api' });
    assert.equal(jwtFilter(other), undefined);
    const grpc = compile(
      `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: api-1, namespace: shop}
spec: {address: 10.0.0.1, labels: {app: api}}
---
${WORKLOAD}${ra('jwt', 'jwtRules:\n- {issuer: a, jwks: "{}"}')}`,
      'grpc',
      'shop',
      { app: 'api' },
    );
    assert.ok(grpc.resources.some((r) => r.name === 'grpc/server?xds.resource.listening_address=10.0.0.1:8080'));
    assert.deepEqual(
      grpc.diagnostics.map((d) => d.code),
      ['SLU7046'],
    );
  });
});
