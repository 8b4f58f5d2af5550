import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXTENSION_TYPE_URLS, RESOURCE_TYPE_URLS } from '../xds/index.ts';
import type { JsonObject, JsonValue } from '../xds/index.ts';
import { checkSnapshot, SnapshotChecker, STATEFUL_VIRTUAL_HOSTS } from './snapshot.ts';
import type { SnapshotResource, Violation } from './types.ts';

const T = RESOURCE_TYPE_URLS;
const HOSTS = STATEFUL_VIRTUAL_HOSTS + 8;

function deepFreeze<V extends JsonValue>(v: V): V {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x as JsonValue);
    Object.freeze(v);
  }
  return v;
}

function host(name: string, domains: string[], cluster = 'c1'): JsonObject {
  return deepFreeze({ name, domains, routes: [{ match: { prefix: '/' }, route: { cluster } }] });
}

/** `count` frozen virtual hosts with their own domains, as the translator reuses them between compiles. */
function hosts(count: number): JsonObject[] {
  return Array.from({ length: count }, (_, i) => host(`svc-${i}:8080`, [`svc-${i}`, `svc-${i}:8080`]));
}

function snapshot(routeConfigurations: Record<string, readonly JsonObject[]>): SnapshotResource[] {
  const out: SnapshotResource[] = [];
  for (const [name, vhs] of Object.entries(routeConfigurations)) {
    out.push({ typeUrl: T.routeConfiguration, name, json: Object.freeze({ name, virtualHosts: Object.freeze([...vhs]) }) as unknown as JsonObject });
  }
  out.push({ typeUrl: T.cluster, name: 'c1', json: deepFreeze({ name: 'c1', type: 'STATIC' }) });
  return out;
}

/** Checks each snapshot with one checker, and each against a fresh whole check. */
function checkInTurn(...snapshots: SnapshotResource[][]): Violation[][] {
  const checker = new SnapshotChecker();
  return snapshots.map((s, step) => {
    const found = checker.check(s, () => []);
    assert.deepEqual(found, checkSnapshot(s), `step ${step}: the kept state and a whole check differ`);
    return found;
  });
}

const summary = (found: Violation[]) => found.map((v) => [v.rule, v.resource?.name, v.path.join('.'), v.message]);

describe('SnapshotChecker: a changed route configuration is checked in the virtual hosts that changed', () => {
  it('a duplicate domain introduced in a changed virtual host, then removed in a later edit', () => {
    const base = hosts(HOSTS);
    const clashing = base.slice();
    clashing[20] = host('svc-20:8080', ['svc-20', 'SVC-3:8080']);
    const fixed = clashing.slice();
    fixed[20] = host('svc-20:8080', ['svc-20', 'svc-20:8080']);
    const [first, second, third] = checkInTurn(snapshot({ '8080': base }), snapshot({ '8080': clashing }), snapshot({ '8080': fixed }));
    assert.deepEqual(first, []);
    assert.deepEqual(summary(second!), [
      ['snapshot.duplicate_domain', '8080', 'virtualHosts.20.domains.1', 'domain "SVC-3:8080" is already used by virtual host "svc-3:8080"'],
    ]);
    assert.deepEqual(third, []);
  });

  it('a changed virtual host that takes a domain of a later, unchanged one: the later one is reported', () => {
    const base = hosts(HOSTS);
    const clashing = base.slice();
    clashing[2] = host('svc-2:8080', ['svc-2', 'svc-30']);
    const [, second] = checkInTurn(snapshot({ '8080': base }), snapshot({ '8080': clashing }));
    assert.deepEqual(summary(second!), [
      ['snapshot.duplicate_domain', '8080', 'virtualHosts.30.domains.0', 'domain "svc-30" is already used by virtual host "svc-2:8080"'],
    ]);
  });

  it('a virtual host removed: the duplicate it held goes, and violations after it move up', () => {
    const base = hosts(HOSTS);
    base[5] = host('svc-5:8080', ['svc-5', 'svc-4']);
    base[33] = host('svc-33:8080', ['svc-33'], 'gone');
    const removed = base.filter((_, i) => i !== 4);
    const [first, second] = checkInTurn(snapshot({ '8080': base }), snapshot({ '8080': removed }));
    assert.deepEqual(summary(first!), [
      ['snapshot.duplicate_domain', '8080', 'virtualHosts.5.domains.1', 'domain "svc-4" is already used by virtual host "svc-4:8080"'],
      ['snapshot.cluster_missing', '8080', 'virtualHosts.33.routes.0.route.cluster', 'cluster "gone" is not in the snapshot'],
    ]);
    assert.deepEqual(summary(second!), [
      ['snapshot.cluster_missing', '8080', 'virtualHosts.32.routes.0.route.cluster', 'cluster "gone" is not in the snapshot'],
    ]);
  });

  it('a virtual host inserted in front: an unchanged host keeps its violation at its new position', () => {
    const base = hosts(HOSTS);
    base[10] = host('svc-10:8080', ['svc-10'], 'gone');
    const inserted = [host('new:8080', ['new', 'svc-12']), ...base];
    const [first, second] = checkInTurn(snapshot({ '8080': base }), snapshot({ '8080': inserted }));
    assert.deepEqual(summary(first!), [['snapshot.cluster_missing', '8080', 'virtualHosts.10.routes.0.route.cluster', 'cluster "gone" is not in the snapshot']]);
    assert.deepEqual(summary(second!), [
      ['snapshot.cluster_missing', '8080', 'virtualHosts.11.routes.0.route.cluster', 'cluster "gone" is not in the snapshot'],
      ['snapshot.duplicate_domain', '8080', 'virtualHosts.13.domains.0', 'domain "svc-12" is already used by virtual host "new:8080"'],
    ]);
  });

  it('the same domain in two route configurations is fine', () => {
    const base = hosts(HOSTS);
    const other = hosts(HOSTS);
    const changed = other.slice();
    changed[7] = host('svc-7:9090', ['svc-7', 'SVC-7:8080', 'svc-7.team-0']);
    assert.deepEqual(checkInTurn(snapshot({ '8080': base, '9090': other }), snapshot({ '8080': base, '9090': changed })), [[], []]);
  });

  it('a domain held three times: removing the first holder makes the second the owner', () => {
    const base = hosts(HOSTS);
    base[1] = host('a', ['x.example']);
    base[6] = host('b', ['X.example']);
    base[9] = host('c', ['x.EXAMPLE', 'x.example']);
    const without = base.slice();
    without[1] = host('a', ['a.example']);
    const [first, second] = checkInTurn(snapshot({ '8080': base }), snapshot({ '8080': without }));
    assert.deepEqual(summary(first!).map((v) => [v[2], v[3]]), [
      ['virtualHosts.6.domains.0', 'domain "X.example" is already used by virtual host "a"'],
      ['virtualHosts.9.domains.0', 'domain "x.EXAMPLE" is already used by virtual host "a"'],
      ['virtualHosts.9.domains.1', 'domain "x.example" is already used by virtual host "a"'],
    ]);
    assert.deepEqual(summary(second!).map((v) => [v[2], v[3]]), [
      ['virtualHosts.9.domains.0', 'domain "x.EXAMPLE" is already used by virtual host "b"'],
      ['virtualHosts.9.domains.1', 'domain "x.example" is already used by virtual host "b"'],
    ]);
  });

  it('a virtual host changed in place (not frozen) is checked again even though it is the same object', () => {
    const base = hosts(HOSTS);
    const mutable = { name: 'm', domains: ['m'], routes: [] as JsonValue[] };
    base[3] = mutable as unknown as JsonObject;
    const first = snapshot({ '8080': base });
    mutable.domains = ['svc-0'];
    const second = snapshot({ '8080': base });
    const [, found] = checkInTurn(first, second);
    assert.deepEqual(summary(found!).map((v) => v[2]), ['virtualHosts.3.domains.0']);
  });

  it('agrees with a whole check over random edit sequences', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(random() * xs.length)] as X;
    const randomHost = (): JsonObject => {
      const domains = Array.from({ length: Math.floor(random() * 4) }, () => (random() < 0.1 ? pick(['shared', 'SHARED', 'Other']) : `d${Math.floor(random() * 1e9)}`));
      return host(`h${Math.floor(random() * 50)}`, domains, random() < 0.05 ? 'gone' : 'c1');
    };
    let withViolations = 0;
    for (let trial = 0; trial < 40; trial++) {
      let vhs = Array.from({ length: STATEFUL_VIRTUAL_HOSTS + Math.floor(random() * 20) }, randomHost);
      const sequence: SnapshotResource[][] = [];
      for (let step = 0; step < 10; step++) {
        sequence.push(snapshot({ '8080': vhs, small: vhs.slice(0, 3) }));
        vhs = vhs.slice();
        for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
          const at = Math.floor(random() * vhs.length);
          const op = random();
          if (op < 0.5) vhs[at] = randomHost();
          else if (op < 0.75) vhs.splice(at, 0, randomHost());
          else vhs.splice(at, 1);
        }
      }
      for (const found of checkInTurn(...sequence)) if (found.length > 0) withViolations++;
    }
    assert.ok(withViolations > 50, `the sequences exercise violations (${withViolations})`);
  });
});

describe('SnapshotChecker: other resources', () => {
  it('a listener whose route configuration is missing, and an aggregate cluster with a missing member', () => {
    const hcm = { '@type': EXTENSION_TYPE_URLS.httpConnectionManager, rds: { routeConfigName: 'nope' } };
    const resources: SnapshotResource[] = [
      { typeUrl: T.listener, name: 'l', json: { name: 'l', filterChains: [{ filters: [{ name: 'hcm', typedConfig: hcm }] }] } },
      { typeUrl: T.cluster, name: 'agg', json: { name: 'agg', clusterType: { name: 'aggregate', typedConfig: { '@type': EXTENSION_TYPE_URLS.aggregateCluster, clusters: ['agg', 'none'] } } } },
    ];
    const [found] = checkInTurn(resources);
    assert.deepEqual(summary(found!), [
      ['snapshot.rds_missing', 'l', 'filterChains.0.filters.0.typedConfig.rds.routeConfigName', 'route configuration "nope" is not in the snapshot'],
      ['snapshot.cluster_missing', 'agg', 'clusterType.typedConfig.clusters.1', 'aggregate member cluster "none" is not in the snapshot'],
    ]);
  });
});
