import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { PolicyModel } from '../../compiler/index.ts';
import { FilePolicySource } from './file-source.ts';
import type { PolicyAttempt, PolicySink, PolicyUpdate } from './policy-source.ts';

const service = (name: string, weight: number) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec:
  hosts: [${name}]
  http:
  - route:
    - destination: {host: ${name}}
      weight: ${weight}
`;

describe('FilePolicySource reloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-file-source-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('revalidates only what changed on disk: a reload keeps the model objects of untouched files and reports errors where they are', async () => {
    writeFileSync(join(dir, 'a.yaml'), service('a', 100));
    writeFileSync(join(dir, 'b.yaml'), service('b', 100));
    const published: PolicyModel[] = [];
    const rejected: PolicyAttempt[] = [];
    const sink: PolicySink = {
      publish: async (update: PolicyUpdate) => {
        published.push(update.model);
        return { ok: true, revision: update.revision, versions: new Map() };
      },
      rejected: (attempt) => rejected.push(attempt),
    };
    const source = new FilePolicySource({ paths: [dir], poll: true, pollIntervalMs: 60_000, debounceMs: 10_000 });
    try {
      assert.equal((await source.start(sink)).ok, true);
      writeFileSync(join(dir, 'b.yaml'), service('b', 100).replace('host: b}', 'host: b, subset: v9}'));
      await source.reload();
      assert.equal(rejected.length, 1, 'a route to an undefined subset is an error');
      assert.match(rejected[0]?.findings[0] ?? '', /b\.yaml:\d+:\d+ SLU3002/);
      writeFileSync(join(dir, 'b.yaml'), service('b', 100).replace('weight: 100', 'weight: 100\n      headers: {request: {set: {x-b: "1"}}}'));
      await source.reload();
      assert.equal(published.length, 2);
      const [first, second] = published as [PolicyModel, PolicyModel];
      assert.equal(second.services.find((s) => s.name === 'a'), first.services.find((s) => s.name === 'a'), 'the untouched file keeps its Service object');
      assert.equal(second.virtualServices.find((v) => v.name === 'a'), first.virtualServices.find((v) => v.name === 'a'));
      assert.notEqual(second.virtualServices.find((v) => v.name === 'b'), first.virtualServices.find((v) => v.name === 'b'), 'the edited route is new');
    } finally {
      await source.close();
    }
  });
});
