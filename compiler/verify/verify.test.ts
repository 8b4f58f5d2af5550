import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeResource, RESOURCE_TYPE_URLS, XdsCodecError } from '../xds/index.ts';
import type { JsonObject, JsonValue } from '../xds/index.ts';
import {
  clusterLoadAssignment, clusterName, edsCluster, grpcApiListener, grpcRouteConfiguration, outboundListener,
  routeConfiguration, sampleSnapshot, serverListener,
} from '../xds/samples.ts';
import { verifyResource, verifySnapshot } from './index.ts';
import type { Violation } from './index.ts';

const T = RESOURCE_TYPE_URLS;

/** Sets a value deep inside a JSON object (creating nothing: the path must exist up to the last key). */
function set(json: JsonObject, path: (string | number)[], value: JsonValue): JsonObject {
  let at: JsonValue = json;
  for (const seg of path.slice(0, -1)) at = (at as Record<string | number, JsonValue>)[seg] as JsonValue;
  (at as Record<string | number, JsonValue>)[path[path.length - 1]!] = value;
  return json;
}

function only(violations: Violation[]): Violation {
  assert.equal(violations.length, 1, JSON.stringify(violations, null, 1));
  return violations[0]!;
}

function assertViolation(violations: Violation[], path: (string | number)[], rule: string): Violation {
  const v = only(violations);
  assert.deepEqual(v.path, path);
  assert.equal(v.rule, rule);
  return v;
}

const DEFAULT_ROUTE = ['virtualHosts', 0, 'routes', 1, 'route'];
const HCM = ['filterChains', 0, 'filters', 0, 'typedConfig'];

describe('verifyResource: valid resources pass', () => {
  const cases: [string, string, JsonObject][] = [
    ['outbound listener with HCM + RDS over ADS', T.listener, outboundListener()],
    ['route configuration with weighted clusters', T.routeConfiguration, routeConfiguration()],
    ['EDS cluster with circuit breakers, outlier detection, ring hash, mTLS', T.cluster, edsCluster()],
    ['cluster load assignment with localities', T.clusterLoadAssignment, clusterLoadAssignment()],
    ['api_listener for proxyless gRPC', T.listener, grpcApiListener()],
    ['gRPC route configuration', T.routeConfiguration, grpcRouteConfiguration()],
    ['server listener with filter chain, DownstreamTlsContext and RBAC', T.listener, serverListener()],
  ];
  for (const [title, typeUrl, json] of cases) {
    it(title, () => {
      assert.deepEqual(verifyResource(typeUrl, json), []);
      assert.ok(encodeResource(typeUrl, json).length > 0);
    });
  }

  it('the sample snapshot is consistent', () => {
    assert.deepEqual(verifySnapshot(sampleSnapshot()), []);
  });
});

describe('verifyResource: protoc-gen-validate rules', () => {
  it('weighted clusters with no clusters: repeated.min_items', () => {
    const rc = set(routeConfiguration(), [...DEFAULT_ROUTE, 'weightedClusters', 'clusters'], []);
    assertViolation(verifyResource(T.routeConfiguration, rc), [...DEFAULT_ROUTE, 'weightedClusters', 'clusters'], 'repeated.min_items');
  });

  it('virtual host domains: PGV allows "" (HTTP_HEADER_VALUE, strict: false); sluice flags it; CR/LF is PGV', () => {
    // envoy/config/route/v3/route_components.proto: repeated string domains =
    //   [(validate.rules).repeated = {min_items: 1 items {string {well_known_regex: HTTP_HEADER_VALUE strict: false}}}]
    const empty = set(routeConfiguration(), ['virtualHosts', 0, 'domains', 1], '');
    assertViolation(verifyResource(T.routeConfiguration, empty), ['virtualHosts', 0, 'domains', 1], 'sluice.empty_domain');
    const crlf = set(routeConfiguration(), ['virtualHosts', 0, 'domains', 1], 'reviews\r\nx-injected: 1');
    assertViolation(verifyResource(T.routeConfiguration, crlf), ['virtualHosts', 0, 'domains', 1], 'string.well_known_regex');
    const none = set(routeConfiguration(), ['virtualHosts', 0, 'domains'], []);
    assertViolation(verifyResource(T.routeConfiguration, none), ['virtualHosts', 0, 'domains'], 'repeated.min_items');
  });

  it('cluster name empty or absent: string.min_len', () => {
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['name'], '')), ['name'], 'string.min_len');
    const unnamed = edsCluster();
    delete unnamed['name'];
    assertViolation(verifyResource(T.cluster, unnamed), ['name'], 'string.min_len');
  });

  it('port above 65535: uint32.lte', () => {
    const cla = set(clusterLoadAssignment(), ['endpoints', 0, 'lbEndpoints', 1, 'endpoint', 'address', 'socketAddress', 'portValue'], 65536);
    const v = assertViolation(
      verifyResource(T.clusterLoadAssignment, cla),
      ['endpoints', 0, 'lbEndpoints', 1, 'endpoint', 'address', 'socketAddress', 'portValue'],
      'uint32.lte',
    );
    assert.match(v.message, /65535/);
  });

  it('negative or zero duration where gt 0: duration.gt', () => {
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['connectTimeout'], '-1s')), ['connectTimeout'], 'duration.gt');
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['connectTimeout'], '0s')), ['connectTimeout'], 'duration.gt');
    // outlier_detection.interval: {gt {}}
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['outlierDetection', 'interval'], '-0.5s')), ['outlierDetection', 'interval'], 'duration.gt');
  });

  it('required message field absent: message.required (inside Any too)', () => {
    const listener = outboundListener();
    const hcm = ((listener['filterChains'] as JsonObject[])[0]!['filters'] as JsonObject[])[0]!['typedConfig'] as JsonObject;
    delete (hcm['rds'] as JsonObject)['configSource'];
    assertViolation(verifyResource(T.listener, listener), [...HCM, 'rds', 'configSource'], 'message.required');
  });

  it('required oneof unset: oneof.required', () => {
    const rc = routeConfiguration();
    delete (((rc['virtualHosts'] as JsonObject[])[0]!['routes'] as JsonObject[])[1]!['match'] as JsonObject)['prefix'];
    assertViolation(verifyResource(T.routeConfiguration, rc), ['virtualHosts', 0, 'routes', 1, 'match'], 'oneof.required');
  });

  it('enum defined_only: a number that is no value', () => {
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['lbPolicy'], 42)), ['lbPolicy'], 'enum.defined_only');
  });

  it('string well-known rules: header names in header matchers (HTTP_HEADER_NAME, strict: false)', () => {
    const rc = set(routeConfiguration(), ['virtualHosts', 0, 'routes', 0, 'match', 'headers', 0, 'name'], 'x-canary\nx');
    assertViolation(verifyResource(T.routeConfiguration, rc), ['virtualHosts', 0, 'routes', 0, 'match', 'headers', 0, 'name'], 'string.well_known_regex');
  });

  it('reports every violation, not only the first', () => {
    const cluster = set(set(edsCluster(), ['name'], ''), ['connectTimeout'], '-2s');
    const rules = verifyResource(T.cluster, cluster).map((v) => v.rule);
    assert.deepEqual(rules.sort(), ['duration.gt', 'string.min_len']);
  });
});

describe('verifyResource: encoding problems', () => {
  it('unknown field, with a hint', () => {
    const v = assertViolation(verifyResource(T.cluster, set(edsCluster(), ['connect_timeout_ms'], 5)), ['connect_timeout_ms'], 'encode.unknown_field');
    assert.match(v.message, /Cluster/);
    const hinted = assertViolation(verifyResource(T.cluster, set(edsCluster(), ['lbpolicy'], 'RING_HASH')), ['lbpolicy'], 'encode.unknown_field');
    assert.match(hinted.message, /did you mean "lbPolicy"/);
  });

  it('unknown field inside an Any (typed_config)', () => {
    const listener = set(outboundListener(), [...HCM, 'httpFilter'], []);
    assertViolation(verifyResource(T.listener, listener), [...HCM, 'httpFilter'], 'encode.unknown_field');
  });

  it('bad enum name', () => {
    const v = assertViolation(verifyResource(T.cluster, set(edsCluster(), ['lbPolicy'], 'RINGHASH')), ['lbPolicy'], 'encode.enum');
    assert.match(v.message, /RING_HASH/);
  });

  it('wrong types', () => {
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['connectTimeout'], 10)), ['connectTimeout'], 'encode.type');
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['connectTimeout'], '10')), ['connectTimeout'], 'encode.type');
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['circuitBreakers', 'thresholds', 0, 'maxRequests'], -1)), ['circuitBreakers', 'thresholds', 0, 'maxRequests'], 'encode.type');
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['name'], 7)), ['name'], 'encode.type');
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['circuitBreakers'], [])), ['circuitBreakers'], 'encode.type');
  });

  it('unknown Any type', () => {
    const cluster = set(edsCluster(), ['transportSocket', 'typedConfig', '@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTLSContext');
    assertViolation(verifyResource(T.cluster, cluster), ['transportSocket', 'typedConfig', '@type'], 'encode.any');
  });

  it('a oneof set twice, a field set by both names', () => {
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['clusterType'], { name: 'envoy.clusters.aggregate' })), ['clusterType'], 'encode.oneof');
    assertViolation(verifyResource(T.cluster, set(edsCluster(), ['lb_policy'], 'RING_HASH')), ['lb_policy'], 'encode.duplicate_field');
  });

  it('an unknown resource type', () => {
    assertViolation(verifyResource('type.googleapis.com/envoy.config.nope.v3.Nope', {}), [], 'encode.type_url');
  });
});

describe('verifyResource agrees with the codec', () => {
  // Whatever verify accepts must encode; whatever it rejects as encode.* must not.
  const mutations: [string, (string | number)[], JsonValue][] = [
    ['unknown field', ['bogus'], 1],
    ['string for uint32 wrapper', ['circuitBreakers', 'thresholds', 0, 'maxRequests'], 'many'],
    ['numeric string for uint32 wrapper', ['circuitBreakers', 'thresholds', 0, 'maxRequests'], '7'],
    ['number for int64 (uint64 as number)', ['ringHashLbConfig', 'minimumRingSize'], 2048],
    ['float for uint64', ['ringHashLbConfig', 'minimumRingSize'], 1.5],
    ['bad duration', ['connectTimeout'], '5 s'],
    ['fractional duration', ['connectTimeout'], '0.25s'],
    ['enum by number', ['lbPolicy'], 1],
    ['enum by bad name', ['lbPolicy'], 'NOPE'],
    ['object for string', ['name'], {}],
    ['null for a message (unset)', ['outlierDetection'], null],
    ['null list item', ['circuitBreakers', 'thresholds', 0], null],
    ['array for message', ['outlierDetection'], []],
    ['bool for bool wrapper', ['commonLbConfig', 'healthyPanicThreshold'], { value: 'x' }],
    ['unknown Any type', ['transportSocket', 'typedConfig', '@type'], 'type.googleapis.com/x.Y'],
    ['map with null value', ['typedExtensionProtocolOptions', 'k'], null],
    ['lone surrogate in a string', ['name'], 'outbound\uD800'],
    ['duplicate via proto name', ['connect_timeout'], '1s'],
  ];
  for (const [title, path, value] of mutations) {
    it(title, () => {
      const json = set(edsCluster(), path, value);
      const encodeProblems = verifyResource(T.cluster, json).filter((v) => v.rule.startsWith('encode.'));
      let encodeError: XdsCodecError | undefined;
      try {
        encodeResource(T.cluster, json);
      } catch (e) {
        assert.ok(e instanceof XdsCodecError);
        encodeError = e;
      }
      if (encodeError === undefined) {
        assert.deepEqual(encodeProblems, []);
      } else {
        assert.ok(encodeProblems.length > 0, `codec rejects (${encodeError.message}) but verify does not`);
        assert.deepEqual(encodeProblems[0]!.path, encodeError.path);
      }
    });
  }
});

describe('sluice checks', () => {
  it('a regex that is not RE2 in safe_regex: sluice.regex_re2', () => {
    const rc = set(routeConfiguration(), ['virtualHosts', 0, 'routes', 0, 'match', 'safeRegex', 'regex'], '^/api/(?=v1)');
    const v = assertViolation(verifyResource(T.routeConfiguration, rc), ['virtualHosts', 0, 'routes', 0, 'match', 'safeRegex', 'regex'], 'sluice.regex_re2');
    assert.match(v.message, /invalid perl operator/);
  });

  it('RE2 regexes in header string matchers too', () => {
    const rc = set(routeConfiguration(), ['virtualHosts', 0, 'routes', 0, 'match', 'headers', 0, 'stringMatch'], { safeRegex: { regex: '(a' } });
    assertViolation(
      verifyResource(T.routeConfiguration, rc),
      ['virtualHosts', 0, 'routes', 0, 'match', 'headers', 0, 'stringMatch', 'safeRegex', 'regex'],
      'sluice.regex_re2',
    );
  });
});

describe('verifySnapshot: consistency', () => {
  const find = (violations: Violation[], rule: string): Violation[] => violations.filter((v) => v.rule === rule);

  it('a route to a missing cluster', () => {
    const snapshot = sampleSnapshot().filter((r) => !(r.typeUrl === T.cluster && r.name === clusterName('v2')));
    const violations = verifySnapshot(snapshot);
    const missing = find(violations, 'snapshot.cluster_missing');
    assert.deepEqual(
      missing.map((v) => [v.resource?.name, v.path]),
      [
        ['9080', ['virtualHosts', 0, 'routes', 0, 'route', 'cluster']],
        ['9080', [...DEFAULT_ROUTE, 'weightedClusters', 'clusters', 1, 'name']],
        ['reviews.default.svc.cluster.local:9080', ['virtualHosts', 0, 'routes', 0, 'route', 'weightedClusters', 'clusters', 1, 'name']],
      ],
    );
    assert.equal(missing[0]!.resource?.typeUrl, T.routeConfiguration);
    assert.equal(violations.length, 3, JSON.stringify(violations));
  });

  it('a missing RDS route configuration', () => {
    const snapshot = sampleSnapshot().filter((r) => !(r.typeUrl === T.routeConfiguration && r.name === '9080'));
    const v = only(verifySnapshot(snapshot));
    assert.equal(v.rule, 'snapshot.rds_missing');
    assert.deepEqual(v.resource, { typeUrl: T.listener, name: '0.0.0.0_9080' });
    assert.deepEqual(v.path, [...HCM, 'rds', 'routeConfigName']);
  });

  it('a missing RDS for a gRPC api_listener', () => {
    const snapshot = sampleSnapshot().filter((r) => !(r.typeUrl === T.routeConfiguration && r.name !== '9080'));
    const v = only(verifySnapshot(snapshot));
    assert.equal(v.rule, 'snapshot.rds_missing');
    assert.deepEqual(v.path, ['apiListener', 'apiListener', 'rds', 'routeConfigName']);
  });

  it('a missing EDS assignment', () => {
    const snapshot = sampleSnapshot().filter((r) => !(r.typeUrl === T.clusterLoadAssignment && r.name === clusterName('v1')));
    const v = only(verifySnapshot(snapshot));
    assert.equal(v.rule, 'snapshot.eds_missing');
    assert.deepEqual(v.resource, { typeUrl: T.cluster, name: clusterName('v1') });
    assert.deepEqual(v.path, ['edsClusterConfig', 'serviceName']);
  });

  it('duplicate domains across virtual hosts (case-insensitive)', () => {
    const rc = routeConfiguration();
    const vhs = rc['virtualHosts'] as JsonObject[];
    vhs.push({ name: 'other', domains: ['ratings', 'Reviews:9080'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName('v1') } }] });
    const snapshot = sampleSnapshot().map((r) => (r.name === '9080' ? { ...r, json: rc } : r));
    const v = only(verifySnapshot(snapshot));
    assert.equal(v.rule, 'snapshot.duplicate_domain');
    assert.deepEqual(v.path, ['virtualHosts', 1, 'domains', 1]);
    assert.deepEqual(v.resource, { typeUrl: T.routeConfiguration, name: '9080' });
  });

  it('duplicate resource names and a name that differs from the served one', () => {
    const snapshot = sampleSnapshot();
    snapshot.push({ typeUrl: T.cluster, name: clusterName('v1'), json: edsCluster('v1') });
    snapshot.push({ typeUrl: T.clusterLoadAssignment, name: 'x', json: clusterLoadAssignment('v1') });
    const violations = verifySnapshot(snapshot);
    assert.deepEqual(violations.map((v) => [v.rule, v.resource?.name, v.path]), [
      ['snapshot.duplicate_name', clusterName('v1'), ['name']],
      ['snapshot.name_mismatch', 'x', ['clusterName']],
    ]);
  });

  it('weighted clusters whose weights sum to 0 or differ from totalWeight', () => {
    const zero = set(routeConfiguration(), [...DEFAULT_ROUTE, 'weightedClusters', 'clusters'], [{ name: clusterName('v1'), weight: 0 }]);
    const snap = (rc: JsonObject) => sampleSnapshot().map((r) => (r.name === '9080' ? { ...r, json: rc } : r));
    const v = only(verifySnapshot(snap(zero)));
    assert.equal(v.rule, 'snapshot.weight_total');
    assert.deepEqual(v.path, [...DEFAULT_ROUTE, 'weightedClusters']);
    const declared = set(routeConfiguration(), [...DEFAULT_ROUTE, 'weightedClusters', 'totalWeight'], 99);
    const w = only(verifySnapshot(snap(declared)));
    assert.equal(w.rule, 'snapshot.weight_total');
    assert.deepEqual(w.path, [...DEFAULT_ROUTE, 'weightedClusters', 'totalWeight']);
  });

  it('per-resource violations carry the resource', () => {
    const snapshot = sampleSnapshot().map((r) => (r.typeUrl === T.cluster && r.name === clusterName('v2') ? { ...r, json: set(edsCluster('v2'), ['connectTimeout'], '0s') } : r));
    const v = only(verifySnapshot(snapshot));
    assert.equal(v.rule, 'duration.gt');
    assert.deepEqual(v.resource, { typeUrl: T.cluster, name: clusterName('v2') });
  });
});

describe('verifyResource: frozen parts shared between resources', () => {
  it('reports a violation inside a frozen part at its path in every resource that carries it, also the second time', () => {
    const shared = Object.freeze({ name: 'x', weight: 1, wieght: 2 }) as JsonObject;
    const first = routeConfiguration();
    set(first, [...DEFAULT_ROUTE, 'weightedClusters', 'clusters'], [shared]);
    const second = routeConfiguration();
    set(second, [...DEFAULT_ROUTE, 'weightedClusters', 'clusters'], [{ name: 'y', weight: 1 }, shared]);
    const path = (i: number) => [...DEFAULT_ROUTE, 'weightedClusters', 'clusters', i, 'wieght'];
    for (let round = 0; round < 2; round++) {
      assertViolation(verifyResource(T.routeConfiguration, first), path(0), 'encode.unknown_field');
      assertViolation(verifyResource(T.routeConfiguration, second), path(1), 'encode.unknown_field');
    }
  });

  it('a frozen resource verifies the same as its unfrozen copy', () => {
    const json = set(routeConfiguration(), [...DEFAULT_ROUTE, 'weightedClusters', 'clusters'], []);
    const expected = verifyResource(T.routeConfiguration, json);
    assert.equal(expected.length, 1);
    const frozenCopy = structuredClone(json);
    (function freeze(v: JsonValue): void {
      if (v !== null && typeof v === 'object') {
        for (const x of Object.values(v)) freeze(x);
        Object.freeze(v);
      }
    })(frozenCopy);
    assert.deepEqual(verifyResource(T.routeConfiguration, frozenCopy), expected);
    assert.deepEqual(verifyResource(T.routeConfiguration, frozenCopy), expected);
  });
});
