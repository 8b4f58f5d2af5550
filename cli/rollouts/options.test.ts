// `sluice serve`'s rollout options: what is refused, and the defaults.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../errors.ts';
import { rolloutSettings } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-rollout-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'token'), 'a-long-enough-token-0123\n');
writeFileSync(join(dir, 'short'), 'short\n');

describe('rollout options of sluice serve', () => {
  it('are off without --rollouts, and then refuse the other rollout options', () => {
    assert.equal(rolloutSettings({}, dir, {}), undefined);
    assert.throws(() => rolloutSettings({ prometheus: 'http://p:9090' }, dir, {}), (e: unknown) => e instanceof UsageError && e.message === '--prometheus goes with --rollouts');
  });

  it('have defaults: the journal in the state dir, Prometheus on localhost, no token, 1 s', () => {
    assert.deepEqual(rolloutSettings({ rollouts: true }, dir, {}), { journalPath: join(dir, '.sluice-state', 'rollouts.jsonl'), prometheus: 'http://127.0.0.1:9090', token: undefined, intervalMs: 1000 });
    const git = rolloutSettings({ rollouts: true, 'rollout-token-file': 'token' }, dir, {}, { repo: '/srv/mesh.git', branch: 'main', stateDir: '/var/lib/sluice' });
    assert.equal(git?.journalPath, '/var/lib/sluice/rollouts.jsonl');
    assert.equal(git?.token, 'a-long-enough-token-0123');
    assert.deepEqual(git?.git, { origin: '/srv/mesh.git', branch: 'main', workdir: '/var/lib/sluice/promotion-clone' });
  });

  it('refuse a short or unreadable token, a bad interval or URL, and a GitHub repository without a token', () => {
    const refused = (values: Parameters<typeof rolloutSettings>[0], env: Record<string, string> = {}) => {
      try {
        rolloutSettings({ rollouts: true, ...values }, dir, env);
      } catch (e) {
        assert.ok(e instanceof UsageError);
        return e.message;
      }
      return 'accepted';
    };
    assert.match(refused({ 'rollout-token-file': 'short' }), /shorter than 16 characters/);
    assert.match(refused({ 'rollout-token-file': 'missing' }), /cannot read --rollout-token-file missing: ENOENT/);
    assert.match(refused({ 'rollout-interval-ms': '5' }), /--rollout-interval-ms takes a whole number/);
    // setTimeout fires at once for more than 2^31-1 ms: a busy loop, not a slow one
    assert.match(refused({ 'rollout-interval-ms': '2147483648' }), /--rollout-interval-ms takes a whole number of milliseconds \(10 to 2147483647\)/);
    assert.equal(rolloutSettings({ rollouts: true, 'rollout-interval-ms': '2147483647' }, dir, {})?.intervalMs, 2147483647);
    assert.match(refused({ prometheus: 'prometheus:9090' }), /--prometheus takes an http\(s\) URL/);
    assert.match(refused({ 'github-repo': 'shop/mesh' }), /needs a token in the environment variable GITHUB_TOKEN/);
    assert.match(refused({ 'github-repo': 'mesh' }, { GITHUB_TOKEN: 't' }), /--github-repo takes OWNER\/NAME/);
    assert.match(refused({ 'github-api-url': 'https://ghe/api/v3' }), /--github-api-url goes with --github-repo/);
    assert.deepEqual(rolloutSettings({ rollouts: true, 'github-repo': 'shop/mesh', 'github-api-url': 'https://ghe/api/v3' }, dir, { GITHUB_TOKEN: 't' })?.github, { owner: 'shop', repo: 'mesh', token: 't', baseUrl: 'https://ghe/api/v3' });
  });
});
