// The rollout API's routing and its bearer token, on a controller with fakes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeAnalysis, FakeTrafficPlane, ManualClock, meshYaml, modelOf, rolloutYaml } from '../testing/fakes.ts';
import { authorized, rolloutApi } from './api.ts';
import { RolloutController } from './controller.ts';
import { MemoryJournal } from './journal.ts';
import type { RolloutStatus } from './controller.ts';

const TOKEN = 'token-0123456789abcdef';

async function setup() {
  const controller = new RolloutController({ traffic: new FakeTrafficPlane(), analysis: new FakeAnalysis({}), journal: new MemoryJournal(), clock: new ManualClock() });
  await controller.sync(modelOf(meshYaml({ v1: 100, v2: 0 }, rolloutYaml('  - setWeight: 10\n  - pause: {}', '  promotion: {mode: none}'))), 'r1');
  await controller.reconcile();
  const api = rolloutApi(controller, { token: TOKEN });
  const call = (method: string, path: string, options: { token?: string | null; body?: string } = {}) =>
    api({
      method,
      path,
      headers: options.token === null ? {} : { authorization: `Bearer ${options.token ?? TOKEN}` },
      body: Buffer.from(options.body ?? ''),
      json: () => JSON.parse(options.body ?? '') as unknown,
    });
  return { controller, call };
}

describe('rollout API', () => {
  it('compares the bearer token exactly', () => {
    assert.equal(authorized({ authorization: `Bearer ${TOKEN}` }, TOKEN), true);
    assert.equal(authorized({ authorization: `bearer   ${TOKEN}  ` }, TOKEN), true);
    assert.equal(authorized({ authorization: `Bearer ${TOKEN}x` }, TOKEN), false);
    assert.equal(authorized({ authorization: TOKEN }, TOKEN), false);
    assert.equal(authorized({}, TOKEN), false);
    assert.equal(authorized({ authorization: 'Bearer ' }, ''), false);
    assert.equal(authorized({ authorization: 'Bearer x' }, undefined), false);
  });

  it('answers 401 without or with a wrong token, and without a configured token to everyone', async () => {
    const { call, controller } = await setup();
    for (const token of [null, 'nope']) {
      const r = await call('POST', '/api/rollouts/shop/reviews/abort', { token });
      assert.equal(r.status, 401);
      assert.equal(r.headers?.['www-authenticate'], 'Bearer realm="sluice rollouts"');
    }
    assert.equal(controller.status()[0]?.phase, 'Paused');
    const open = rolloutApi(controller, { token: undefined });
    const r = await open({ method: 'GET', path: '/api/rollouts', headers: { authorization: 'Bearer anything' }, body: Buffer.alloc(0), json: () => ({}) });
    assert.equal(r.status, 401);
    assert.match((r.body as { error: string }).error, /no token configured/);
  });

  it('lists, shows, runs commands; 404, 405, 400 and 409 say why', async () => {
    const { call } = await setup();
    const list = await call('GET', '/api/rollouts');
    assert.deepEqual(
      (list.body as { rollouts: RolloutStatus[] }).rollouts.map((s) => [s.namespace, s.name, s.phase, s.step]),
      [['shop', 'reviews', 'Paused', 2]],
    );
    assert.equal(((await call('GET', '/api/rollouts/shop/reviews')).body as RolloutStatus).canaryWeight, 10);
    assert.equal((await call('GET', '/api/rollouts/shop/ratings')).status, 404);
    assert.equal((await call('POST', '/api/rollouts/shop/ratings/abort')).status, 404);
    assert.equal((await call('POST', '/api/rollouts/shop/reviews/pause')).status, 404);
    assert.equal((await call('GET', '/api/rollouts/shop/reviews/abort')).status, 405);
    assert.equal((await call('POST', '/api/rollouts/shop/reviews')).status, 405);
    assert.equal((await call('POST', '/api/rollouts/shop/reviews/promote', { body: '{full' })).status, 400);
    const malformed = await call('GET', '/api/rollouts/shop/%E0%A4%A');
    assert.deepEqual([malformed.status, (malformed.body as { error: string }).error], [400, 'malformed percent-encoding in /api/rollouts/shop/%E0%A4%A']);
    const promoted = await call('POST', '/api/rollouts/shop/reviews/promote', { body: '{"full": true}' });
    assert.equal(promoted.status, 200);
    assert.equal((promoted.body as { status: RolloutStatus }).status.phase, 'Healthy');
    const refused = await call('POST', '/api/rollouts/shop/reviews/abort');
    assert.equal(refused.status, 409);
    assert.match((refused.body as { message: string }).message, /is Healthy/);
  });
});
