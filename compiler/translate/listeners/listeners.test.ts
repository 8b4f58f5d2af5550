// Listeners for the bookinfo scenarios and the example mesh: every one encodes with the
// Envoy protos, breaks no validation rule, is accepted by @grpc/grpc-js-xds (grpc flavor),
// maps every part back to a policy node, and comes out the same whatever the input order.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { originOf } from '../../compile.ts';
import type { SourceFile } from '../../load/index.ts';
import { verifyResource } from '../../verify/index.ts';
import { encodeResource } from '../../xds/index.ts';
import type { Flavor, Resource } from '../types.ts';
import { allPaths, compile, grpcValidate } from './test-support.ts';
import type { Compiled } from './test-support.ts';

const repo = join(import.meta.dirname, '..', '..', '..');
const bookinfoRoot = join(repo, '..', 'shared', 'conformance', 'istio-bookinfo');

function bookinfo(relative: string): SourceFile {
  return { path: relative, content: readFileSync(join(bookinfoRoot, relative), 'utf8') };
}

function folder(dir: string, prefix: string): SourceFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ path: `${prefix}/${f}`, content: readFileSync(join(dir, f), 'utf8') }));
}

const policies = folder(join(repo, 'policies'), 'policies');
const flavors: Flavor[] = ['envoy', 'grpc'];

function checkResources(compiled: Compiled, flavor: Flavor): void {
  assert.ok(compiled.resources.length > 0, 'no listeners');
  const names = compiled.resources.map((r) => r.name);
  assert.deepEqual(names, [...names].sort(), 'listeners are sorted by name');
  assert.equal(new Set(names).size, names.length, 'listener names are unique');
  for (const r of compiled.resources) {
    assert.equal(r.json.name, r.name);
    assert.doesNotThrow(() => encodeResource(r.typeUrl, r.json), `${r.name} encodes`);
    assert.deepEqual(verifyResource(r.typeUrl, r.json), [], `${r.name} verifies`);
    if (flavor === 'grpc') assert.equal(grpcValidate(r), undefined, `@grpc/grpc-js-xds accepts ${r.name}`);
    checkSources(r);
  }
}

/** Every part of a listener maps to a policy node (virtualOutbound comes from no policy). */
function checkSources(r: Resource): void {
  if (r.name === 'virtualOutbound') return;
  assert.ok(r.sources.some((s) => s.path.length === 0), `${r.name} has a source for the whole listener`);
  for (const path of allPaths(r.json)) {
    const entry = originOf(r.sources, path);
    assert.ok(entry, `${r.name} ${path.join('.')} has a source`);
    assert.doesNotThrow(() => entry.origin.doc.locate(entry.origin.path));
  }
}

describe('listeners for bookinfo', () => {
  const platform = bookinfo('platform/bookinfo.yaml');
  const mtls = bookinfo('networking/destination-rule-all-mtls.yaml');
  const scenarios = readdirSync(join(bookinfoRoot, 'networking'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const classes: [string, Record<string, string>][] = [
    ['default', { app: 'productpage', version: 'v1' }],
    ['default', { app: 'reviews', version: 'v2' }],
    ['default', { app: 'ratings', version: 'v1' }],
  ];
  for (const flavor of flavors) {
    for (const scenario of scenarios) {
      it(`${scenario} (${flavor})`, () => {
        for (const [ns, labels] of classes) {
          const compiled = compile([platform, mtls, bookinfo(`networking/${scenario}`)], flavor, ns, labels);
          checkResources(compiled, flavor);
          assert.deepEqual(compiled.diagnostics.filter((d) => d.severity !== 'info'), [], scenario);
        }
      });
    }
    it(`gateway-api samples (${flavor})`, () => {
      const files = [platform, bookinfo('platform/bookinfo-versions.yaml'), ...folder(join(bookinfoRoot, 'gateway-api'), 'gateway-api')];
      checkResources(compile(files, flavor, 'default', { app: 'productpage', version: 'v1' }), flavor);
    });
  }

  it('gives productpage (envoy) an outbound listener on 9080, the passthrough listener and an inbound listener', () => {
    const compiled = compile([platform, mtls], 'envoy', 'default', { app: 'productpage', version: 'v1' });
    assert.deepEqual(
      compiled.resources.map((r) => r.name),
      ['0.0.0.0_9080', 'virtualInbound', 'virtualOutbound'],
    );
  });

  it('gives productpage (grpc) a listener per alias of every service', () => {
    const compiled = compile([platform], 'grpc', 'default', { app: 'productpage', version: 'v1' });
    const names = compiled.resources.map((r) => r.name);
    for (const service of ['details', 'productpage', 'ratings', 'reviews']) {
      for (const alias of [service, `${service}.default`, `${service}.default.svc`, `${service}.default.svc.cluster.local`]) {
        assert.ok(names.includes(`${alias}:9080`), `${alias}:9080`);
      }
    }
  });
});

describe('listeners for the example mesh (policies/)', () => {
  const workloads: Record<string, string>[] = [
    { app: 'frontend', version: 'v1' },
    { app: 'reviews', version: 'v1' },
    { app: 'reviews', version: 'v2' },
    { app: 'ratings', version: 'v1' },
    { app: 'details', version: 'v1' },
  ];
  for (const flavor of flavors) {
    it(`every workload's listeners are valid (${flavor})`, () => {
      for (const labels of workloads) {
        const compiled = compile(policies, flavor, 'shop', labels);
        checkResources(compiled, flavor);
        assert.deepEqual(compiled.diagnostics, [], `${labels.app} ${labels.version}`);
      }
    });
  }

  it('gives the gRPC server of ratings its mTLS listener on 127.0.0.1:50053 with the policy from security.yaml', () => {
    const compiled = compile(policies, 'grpc', 'shop', { app: 'ratings', version: 'v1' });
    const server = compiled.resources.filter((r) => r.name.startsWith('grpc/server'));
    assert.deepEqual(
      server.map((r) => r.name),
      ['grpc/server?xds.resource.listening_address=127.0.0.1:50053'],
    );
    const rbac = originOf(server[0]?.sources ?? [], ['filterChains', 0, 'filters', 0, 'typedConfig', 'httpFilters', 0, 'typedConfig', 'rules', 'policies', 'ns[shop]-policy[ratings]-rule[0]', 'principals']);
    assert.equal(rbac?.origin.doc.file, 'policies/security.yaml');
    assert.deepEqual(rbac?.origin.path, ['spec', 'rules', 0]);
    const tls = originOf(server[0]?.sources ?? [], ['filterChains', 0, 'transportSocket', 'typedConfig']);
    assert.equal(tls?.origin.doc.kind, 'PeerAuthentication');
  });
});

describe('determinism', () => {
  it('gives the same listeners whatever the order of the input files', () => {
    const platform = bookinfo('platform/bookinfo.yaml');
    const files = [platform, bookinfo('networking/destination-rule-all-mtls.yaml'), ...policies];
    for (const flavor of flavors) {
      const forward = compile(files, flavor, 'shop', { app: 'ratings', version: 'v1' });
      const backward = compile([...files].reverse(), flavor, 'shop', { app: 'ratings', version: 'v1' });
      assert.deepEqual(
        backward.resources.map((r) => r.json),
        forward.resources.map((r) => r.json),
      );
    }
  });
});
