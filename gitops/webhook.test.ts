// The push webhook: signatures made with @octokit/webhooks' own sign (what GitHub computes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhooks } from '@octokit/webhooks';
import { GitHubWebhook } from './webhook.ts';

const secret = 'It is a secret to everybody';
const signer = new Webhooks({ secret });

async function delivery(payload: unknown, event = 'push', sign: string | null = secret) {
  const body = Buffer.from(JSON.stringify(payload));
  const headers: Record<string, string> = { 'x-github-event': event, 'x-github-delivery': 'd-1' };
  if (sign !== null) headers['x-hub-signature-256'] = await new Webhooks({ secret: sign }).sign(body.toString('utf8'));
  return { headers, body, peer: '127.0.0.1' };
}

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('GitHub push webhook', () => {
  it('asks for a sync on a signed push to the branch', async () => {
    const hook = new GitHubWebhook({ secret, branch: 'main' });
    const answer = await hook.handle(await delivery({ ref: 'refs/heads/main', after: 'abc' }));
    assert.deepEqual([answer.status, answer.sync], [202, true]);
    assert.ok(await signer.verify(JSON.stringify({ a: 1 }), await signer.sign(JSON.stringify({ a: 1 }))));
  });

  it('answers 401 with a log line when the signature is wrong, missing or malformed', async () => {
    const { lines, logger } = recordingLogger();
    const hook = new GitHubWebhook({ secret, branch: 'main', logger });
    const wrong = await hook.handle(await delivery({ ref: 'refs/heads/main' }, 'push', 'another secret'));
    assert.deepEqual([wrong.status, wrong.sync], [401, false]);
    const missing = await hook.handle(await delivery({ ref: 'refs/heads/main' }, 'push', null));
    assert.equal(missing.status, 401);
    const malformed = await delivery({ ref: 'refs/heads/main' });
    malformed.headers['x-hub-signature-256'] = 'sha256=zz';
    assert.equal((await hook.handle(malformed)).status, 401);
    // A body changed after signing.
    const tampered = await delivery({ ref: 'refs/heads/main' });
    tampered.body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', forced: true }));
    assert.equal((await hook.handle(tampered)).status, 401);
    assert.equal(lines.filter((l) => l.level === 'warn' && /GitHub webhook refused/.test(l.message)).length, 4);
    assert.match(lines[1]?.message ?? '', /no X-Hub-Signature-256 header/);
  });

  it('refuses everything without a secret: nothing unsigned is accepted', async () => {
    const hook = new GitHubWebhook({ secret: undefined, branch: 'main' });
    const answer = await hook.handle(await delivery({ ref: 'refs/heads/main' }));
    assert.deepEqual([answer.status, answer.sync], [503, false]);
  });

  it('acknowledges pings and pushes elsewhere without syncing', async () => {
    const hook = new GitHubWebhook({ secret, branch: 'main' });
    assert.deepEqual(await hook.handle(await delivery({ zen: 'Keep it simple' }, 'ping')).then((a) => [a.status, a.sync]), [200, false]);
    const other = await hook.handle(await delivery({ ref: 'refs/heads/feature' }));
    assert.deepEqual([other.status, other.sync], [202, false]);
    assert.match(String(other.body.ignored), /refs\/heads\/feature/);
    const issue = await hook.handle(await delivery({ action: 'opened' }, 'issues'));
    assert.deepEqual([issue.status, issue.sync], [202, false]);
  });
});
