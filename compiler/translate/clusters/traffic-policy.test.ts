/**
 * DestinationRule traffic policy → cluster fields, per mapping and flavor: connection pool,
 * outlier detection, load balancer, port-level and subset merging, source maps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCE_TYPE_URLS } from '../../xds/index.ts';
import { assertUsable, compile, get, grpcDecode, httpOptions } from './test-support.ts';

const CLUSTER = RESOURCE_TYPE_URLS.cluster;

const SERVICE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - {number: 8080, name: http, protocol: HTTP}
  - {number: 9090, name: grpc, protocol: GRPC}
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}}
  - {address: 10.0.0.2, labels: {version: v2}}
---
`;

function rule(trafficPolicy: string, subsets = ''): string {
  return `${SERVICE}apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec:
  host: api.shop.svc.cluster.local
  trafficPolicy:
${trafficPolicy
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
${subsets}`;
}

const HTTP = 'outbound|8080||api.shop.svc.cluster.local';
const GRPC = 'outbound|9090||api.shop.svc.cluster.local';
const MAX = 4294967295;

describe('connection pool', () => {
  const policy = rule(`
connectionPool:
  tcp:
    maxConnections: 100
    connectTimeout: 250ms
    tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}
    maxConnectionDuration: 1h
  http:
    http1MaxPendingRequests: 10
    http2MaxRequests: 1000
    maxRetries: 3
    idleTimeout: 30s
    maxRequestsPerConnection: 5
    maxConcurrentStreams: 64
`);

  it('envoy: circuit breaker thresholds, connect timeout, keepalive, HTTP protocol options', () => {
    const out = compile(policy, 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const c = out.cluster(GRPC);
    assert.deepEqual(get(c, 'circuitBreakers'), { thresholds: [{ maxConnections: 100, maxPendingRequests: 10, maxRequests: 1000, maxRetries: 3, trackRemaining: true }] });
    assert.equal(get(c, 'connectTimeout'), '0.25s');
    assert.deepEqual(get(c, 'upstreamConnectionOptions'), { tcpKeepalive: { keepaliveProbes: 3, keepaliveTime: 7200, keepaliveInterval: 75 } });
    const options = httpOptions(c);
    assert.deepEqual(get(options, 'commonHttpProtocolOptions'), { idleTimeout: '30s', maxRequestsPerConnection: 5, maxConnectionDuration: '3600s' });
    assert.deepEqual(get(options, 'explicitHttpConfig'), { http2ProtocolOptions: { maxConcurrentStreams: 64 } });
    // HTTP/1.1 port: the same common options, HTTP/1.1 explicitly (the extension needs a protocol)
    const http = httpOptions(out.cluster(HTTP));
    assert.deepEqual(get(http, 'explicitHttpConfig'), { httpProtocolOptions: {} });
    assert.deepEqual(out.diagnostics, []);
  });

  it('envoy: Istio defaults without a policy (UINT32_MAX limits, 10s connect timeout, h2 for gRPC ports only)', () => {
    const out = compile(SERVICE, 'envoy', 'shop');
    const c = out.cluster(GRPC);
    assert.deepEqual(get(c, 'circuitBreakers'), { thresholds: [{ maxConnections: MAX, maxPendingRequests: MAX, maxRequests: MAX, maxRetries: MAX, trackRemaining: true }] });
    assert.equal(get(c, 'connectTimeout'), '10s');
    assert.equal(get(c, 'lbPolicy'), 'LEAST_REQUEST');
    assert.deepEqual(get(httpOptions(c), 'explicitHttpConfig'), { http2ProtocolOptions: {} });
    assert.equal(get(out.cluster(HTTP), 'typedExtensionProtocolOptions'), undefined);
  });

  it('envoy: h2UpgradePolicy UPGRADE and useClientProtocol choose the upstream protocol', () => {
    const upgrade = compile(rule('connectionPool: {http: {h2UpgradePolicy: UPGRADE}}'), 'envoy', 'shop').cluster(HTTP);
    assert.deepEqual(get(httpOptions(upgrade), 'explicitHttpConfig'), { http2ProtocolOptions: {} });
    const client = compile(rule('connectionPool: {http: {useClientProtocol: true}}'), 'envoy', 'shop').cluster(GRPC);
    assert.deepEqual(get(httpOptions(client), 'useDownstreamProtocolConfig'), {
      httpProtocolOptions: {},
      http2ProtocolOptions: {},
    });
  });

  it('grpc: only maxRequests, UINT32_MAX by default; everything else is a finding at its node', () => {
    const out = compile(policy, 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    const c = out.cluster(GRPC);
    assert.deepEqual(get(c, 'circuitBreakers'), { thresholds: [{ maxRequests: 1000 }] });
    assert.equal(get(c, 'connectTimeout'), undefined);
    assert.equal(get(c, 'typedExtensionProtocolOptions'), undefined);
    assert.equal(get(c, 'upstreamConnectionOptions'), undefined);
    assert.deepEqual(
      out.diagnostics.map((d) => `${d.code} ${d.path}`),
      [
        'SLU7021 /spec/trafficPolicy/connectionPool/tcp/maxConnections',
        'SLU7021 /spec/trafficPolicy/connectionPool/tcp/connectTimeout',
        'SLU7021 /spec/trafficPolicy/connectionPool/tcp/tcpKeepalive',
        'SLU7021 /spec/trafficPolicy/connectionPool/tcp/maxConnectionDuration',
        'SLU7021 /spec/trafficPolicy/connectionPool/http/http1MaxPendingRequests',
        'SLU7021 /spec/trafficPolicy/connectionPool/http/maxRetries',
        'SLU7021 /spec/trafficPolicy/connectionPool/http/idleTimeout',
        'SLU7021 /spec/trafficPolicy/connectionPool/http/maxRequestsPerConnection',
        'SLU7021 /spec/trafficPolicy/connectionPool/http/maxConcurrentStreams',
      ],
    );
    assert.deepEqual(compile(SERVICE, 'grpc', 'shop').cluster(GRPC).circuitBreakers, { thresholds: [{ maxRequests: MAX }] });
  });

  it('source maps: circuit breakers → connectionPool, connectTimeout → tcp.connectTimeout, keepalive → tcpKeepalive', () => {
    const out = compile(policy, 'envoy', 'shop');
    const sources = out.sources(CLUSTER, GRPC);
    assert.ok(sources.includes('[] -> ServiceEntry api ["spec","hosts",0]'));
    assert.ok(sources.includes('["circuitBreakers"] -> DestinationRule api ["spec","trafficPolicy","connectionPool"]'));
    assert.ok(sources.includes('["connectTimeout"] -> DestinationRule api ["spec","trafficPolicy","connectionPool","tcp","connectTimeout"]'));
    assert.ok(sources.includes('["upstreamConnectionOptions"] -> DestinationRule api ["spec","trafficPolicy","connectionPool","tcp","tcpKeepalive"]'));
    assert.ok(sources.includes('["typedExtensionProtocolOptions"] -> DestinationRule api ["spec","trafficPolicy","connectionPool","http"]'));
    const grpc = compile(policy, 'grpc', 'shop').sources(CLUSTER, GRPC);
    assert.ok(grpc.includes('["circuitBreakers"] -> DestinationRule api ["spec","trafficPolicy","connectionPool","http","http2MaxRequests"]'));
  });
});

describe('outlier detection', () => {
  const policy = rule(`
outlierDetection:
  consecutive5xxErrors: 3
  consecutiveGatewayErrors: 2
  interval: 5s
  baseEjectionTime: 1m
  maxEjectionPercent: 50
  minHealthPercent: 20
`);

  it('envoy: consecutive errors enforced, success rate off, panic threshold from minHealthPercent', () => {
    const out = compile(policy, 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const c = out.cluster(HTTP);
    assert.deepEqual(get(c, 'outlierDetection'), {
      enforcingSuccessRate: 0,
      consecutive5xx: 3,
      enforcingConsecutive5xx: 100,
      consecutiveGatewayFailure: 2,
      enforcingConsecutiveGatewayFailure: 100,
      interval: '5s',
      baseEjectionTime: '60s',
      maxEjectionPercent: 50,
    });
    assert.deepEqual(get(c, 'commonLbConfig'), { healthyPanicThreshold: { value: 20 } });
    assert.ok(out.sources(CLUSTER, HTTP).includes('["outlierDetection"] -> DestinationRule api ["spec","trafficPolicy","outlierDetection"]'));
  });

  it('envoy: 0 turns a rule off; without minHealthPercent the panic threshold is 0 (Istio)', () => {
    const c = compile(rule('outlierDetection: {consecutive5xxErrors: 0}'), 'envoy', 'shop').cluster(HTTP);
    assert.deepEqual(get(c, 'outlierDetection'), { enforcingSuccessRate: 0, consecutive5xx: 0, enforcingConsecutive5xx: 0 });
    assert.deepEqual(get(c, 'commonLbConfig'), { healthyPanicThreshold: { value: 0 } });
  });

  it('grpc: the smallest consecutive count becomes a failure-percentage rule that grpc-js-xds enforces', () => {
    const out = compile(policy, 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    const c = out.cluster(HTTP);
    assert.deepEqual(get(c, 'outlierDetection'), {
      interval: '5s',
      baseEjectionTime: '60s',
      maxEjectionPercent: 50,
      enforcingSuccessRate: 0,
      enforcingFailurePercentage: 100,
      failurePercentageThreshold: 50,
      failurePercentageMinimumHosts: 1,
      failurePercentageRequestVolume: 2,
    });
    assert.deepEqual(
      out.diagnostics.map((d) => `${d.code} ${d.path}`),
      ['SLU7022 /spec/trafficPolicy/outlierDetection/minHealthPercent'],
    );
  });

  it('grpc: Envoy\'s default of 5 consecutive 5xx when no count is set; nothing to eject when both are 0', () => {
    const defaults = compile(rule('outlierDetection: {interval: 1s}'), 'grpc', 'shop').cluster(HTTP).outlierDetection;
    assert.equal(get(defaults, 'failurePercentageRequestVolume'), 5);
    assert.equal(get(defaults, 'failurePercentageThreshold'), 80);
    const one = compile(rule('outlierDetection: {consecutive5xxErrors: 1}'), 'grpc', 'shop').cluster(HTTP).outlierDetection;
    assert.equal(get(one, 'failurePercentageThreshold'), 0, 'one failure in one call ejects');
    const off = compile(rule('outlierDetection: {consecutive5xxErrors: 0}'), 'grpc', 'shop').cluster(HTTP).outlierDetection;
    assert.deepEqual(off, { enforcingSuccessRate: 0 });
  });

  it('grpc-js-xds reads the rule as failure-percentage ejection with success-rate ejection off', () => {
    const out = compile(policy, 'grpc', 'shop');
    const decoded = out.resources.find((r) => r.name === HTTP);
    assert.ok(decoded);
    // through the library's own CDS validation
    const update = get(grpcOf(decoded), 'outlierDetectionUpdate');
    assert.equal(get(update, 'success_rate_ejection'), undefined);
    assert.deepEqual(get(update, 'failure_percentage_ejection'), { enforcement_percentage: 100, minimum_hosts: 1, request_volume: 2, threshold: 50 });
  });

  it('consecutiveErrors (deprecated) is ignored, with a finding, in both flavors', () => {
    for (const flavor of ['envoy', 'grpc'] as const) {
      const out = compile(rule('outlierDetection: {consecutiveErrors: 7}'), flavor, 'shop');
      assert.deepEqual(out.codes(), ['SLU7033']);
    }
  });
});

function grpcOf(resource: Parameters<typeof grpcDecode>[0]): unknown {
  const decoded = grpcDecode(resource);
  assert.equal(decoded.error, undefined);
  return decoded.value;
}

describe('load balancer', () => {
  it('envoy: simple policies as Istio maps them', () => {
    const expect: Record<string, string> = { ROUND_ROBIN: 'ROUND_ROBIN', RANDOM: 'RANDOM', LEAST_REQUEST: 'LEAST_REQUEST', LEAST_CONN: 'LEAST_REQUEST', UNSPECIFIED: 'LEAST_REQUEST' };
    for (const [simple, lbPolicy] of Object.entries(expect)) {
      const out = compile(rule(`loadBalancer: {simple: ${simple}}`), 'envoy', 'shop');
      assert.equal(get(out.cluster(HTTP), 'lbPolicy'), lbPolicy, simple);
      assert.deepEqual(out.diagnostics, []);
    }
  });

  it('envoy: PASSTHROUGH sends to the original destination (no endpoints of its own)', () => {
    const out = compile(rule('loadBalancer: {simple: PASSTHROUGH}'), 'envoy', 'shop');
    assertUsable(out.resources, 'envoy');
    const c = out.cluster(HTTP);
    assert.equal(get(c, 'type'), 'ORIGINAL_DST');
    assert.equal(get(c, 'lbPolicy'), 'CLUSTER_PROVIDED');
    assert.equal(get(c, 'edsClusterConfig'), undefined);
    assert.equal(out.resources.some((r) => r.typeUrl === RESOURCE_TYPE_URLS.clusterLoadAssignment && r.name === HTTP), false);
  });

  it('ring hash: minimum ring size (default 1024), XX_HASH, both flavors', () => {
    for (const flavor of ['envoy', 'grpc'] as const) {
      const out = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 4096}}}'), flavor, 'shop');
      assertUsable(out.resources, flavor);
      const c = out.cluster(HTTP);
      assert.equal(get(c, 'lbPolicy'), 'RING_HASH');
      assert.deepEqual(get(c, 'ringHashLbConfig'), { minimumRingSize: '4096', hashFunction: 'XX_HASH' });
      assert.deepEqual(out.diagnostics, []);
      const dflt = compile(rule('loadBalancer: {consistentHash: {useSourceIp: true}}'), flavor, 'shop').cluster(HTTP);
      assert.deepEqual(get(dflt, 'ringHashLbConfig'), { minimumRingSize: '1024', hashFunction: 'XX_HASH' });
      const deprecated = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x, minimumRingSize: 2048}}'), flavor, 'shop').cluster(HTTP);
      assert.equal(get(deprecated, 'ringHashLbConfig.minimumRingSize'), '2048');
    }
  });

  it('ring hash: a ring larger than the proxies accept is clamped, with a finding', () => {
    const out = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x, ringHash: {minimumRingSize: 10000000}}}'), 'grpc', 'shop');
    assertUsable(out.resources, 'grpc');
    assert.equal(get(out.cluster(HTTP), 'ringHashLbConfig.minimumRingSize'), '8388608');
    assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7028 /spec/trafficPolicy/loadBalancer/consistentHash/ringHash/minimumRingSize']);
  });

  it('maglev: envoy MAGLEV with a prime table size; grpc gets RING_HASH and a finding', () => {
    const envoy = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 65537}}}'), 'envoy', 'shop');
    assertUsable(envoy.resources, 'envoy');
    assert.equal(get(envoy.cluster(HTTP), 'lbPolicy'), 'MAGLEV');
    assert.deepEqual(get(envoy.cluster(HTTP), 'maglevLbConfig'), { tableSize: '65537' });
    const notPrime = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 1000}}}'), 'envoy', 'shop');
    assert.equal(get(notPrime.cluster(HTTP), 'maglevLbConfig'), undefined);
    assert.deepEqual(notPrime.codes(), ['SLU7028']);
    const grpc = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 65537}}}'), 'grpc', 'shop');
    assertUsable(grpc.resources, 'grpc');
    assert.equal(get(grpc.cluster(HTTP), 'lbPolicy'), 'RING_HASH');
    assert.deepEqual(grpc.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7020 /spec/trafficPolicy/loadBalancer/consistentHash/maglev']);
  });

  it('grpc: ROUND_ROBIN by default and for what gRPC cannot do, with a finding at `simple`', () => {
    assert.equal(compile(SERVICE, 'grpc', 'shop').cluster(HTTP).lbPolicy, 'ROUND_ROBIN');
    for (const simple of ['RANDOM', 'LEAST_REQUEST', 'LEAST_CONN', 'PASSTHROUGH']) {
      const out = compile(rule(`loadBalancer: {simple: ${simple}}`), 'grpc', 'shop');
      assertUsable(out.resources, 'grpc');
      assert.equal(get(out.cluster(HTTP), 'lbPolicy'), 'ROUND_ROBIN');
      assert.deepEqual(out.diagnostics.map((d) => `${d.code} ${d.path}`), ['SLU7020 /spec/trafficPolicy/loadBalancer/simple']);
    }
  });

  it('warmup: slow start on Envoy ROUND_ROBIN / LEAST_REQUEST; a finding for gRPC', () => {
    const envoy = compile(rule('loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 90s}'), 'envoy', 'shop');
    assertUsable(envoy.resources, 'envoy');
    assert.deepEqual(get(envoy.cluster(HTTP), 'roundRobinLbConfig'), { slowStartConfig: { slowStartWindow: '90s' } });
    const least = compile(rule('loadBalancer: {warmupDurationSecs: 30s}'), 'envoy', 'shop').cluster(HTTP);
    assert.deepEqual(get(least, 'leastRequestLbConfig'), { slowStartConfig: { slowStartWindow: '30s' } });
    const grpc = compile(rule('loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 90s}'), 'grpc', 'shop');
    assert.deepEqual(grpc.codes(), ['SLU7020']);
  });

  it('source map: lbPolicy → loadBalancer, ringHashLbConfig → the ring size node', () => {
    const out = compile(rule('loadBalancer: {consistentHash: {httpHeaderName: x, ringHash: {minimumRingSize: 4096}}}'), 'envoy', 'shop');
    const sources = out.sources(CLUSTER, HTTP);
    assert.ok(sources.includes('["lbPolicy"] -> DestinationRule api ["spec","trafficPolicy","loadBalancer"]'));
    assert.ok(sources.includes('["ringHashLbConfig"] -> DestinationRule api ["spec","trafficPolicy","loadBalancer","consistentHash","ringHash","minimumRingSize"]'));
  });
});

describe('policy merging (Istio MergeTrafficPolicy)', () => {
  const merged = rule(
    `
loadBalancer: {simple: ROUND_ROBIN}
connectionPool: {http: {http2MaxRequests: 100}}
outlierDetection: {consecutive5xxErrors: 7}
portLevelSettings:
- port: {number: 9090}
  connectionPool: {http: {http2MaxRequests: 9}}
`,
    `  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: RANDOM}
      portLevelSettings:
      - port: {number: 8080}
        outlierDetection: {consecutive5xxErrors: 2}
`,
  );
  const out = compile(merged, 'envoy', 'shop');

  it('port-level settings replace the four parts as a whole for that port', () => {
    const grpc = out.cluster(GRPC);
    assert.equal(get(grpc, 'circuitBreakers.thresholds.0.maxRequests'), 9);
    assert.equal(get(grpc, 'lbPolicy'), 'LEAST_REQUEST', 'loadBalancer falls back to the default, not the top level');
    assert.equal(get(grpc, 'outlierDetection'), undefined);
    const http = out.cluster(HTTP);
    assert.equal(get(http, 'lbPolicy'), 'ROUND_ROBIN');
    assert.equal(get(http, 'circuitBreakers.thresholds.0.maxRequests'), 100);
    assert.equal(get(http, 'outlierDetection.consecutive5xx'), 7);
  });

  it('a subset inherits the service policy and overrides part by part', () => {
    const v1 = out.cluster('outbound|8080|v1|api.shop.svc.cluster.local');
    assert.equal(get(v1, 'lbPolicy'), 'ROUND_ROBIN');
    assert.equal(get(v1, 'circuitBreakers.thresholds.0.maxRequests'), 100);
    const v2grpc = out.cluster('outbound|9090|v2|api.shop.svc.cluster.local');
    assert.equal(get(v2grpc, 'lbPolicy'), 'RANDOM');
    assert.equal(get(v2grpc, 'circuitBreakers.thresholds.0.maxRequests'), 9, 'the service port-level part stays');
  });

  it('a subset\'s port-level settings replace the four parts again', () => {
    const v2http = out.cluster('outbound|8080|v2|api.shop.svc.cluster.local');
    assert.equal(get(v2http, 'outlierDetection.consecutive5xx'), 2);
    assert.equal(get(v2http, 'lbPolicy'), 'LEAST_REQUEST');
    assert.equal(get(v2http, 'circuitBreakers.thresholds.0.maxRequests'), MAX);
    assert.ok(
      out.sources(CLUSTER, 'outbound|8080|v2|api.shop.svc.cluster.local').includes(
        '["outlierDetection"] -> DestinationRule api ["spec","subsets",1,"trafficPolicy","portLevelSettings",0,"outlierDetection"]',
      ),
    );
  });

  it('proxyProtocol and tunnel are reported, not silently dropped', () => {
    const other = compile(rule('proxyProtocol: {version: V1}\ntunnel: {protocol: CONNECT, targetHost: x, targetPort: 80}'), 'envoy', 'shop');
    assert.deepEqual(other.codes(), ['SLU7035', 'SLU7035']);
  });
});
