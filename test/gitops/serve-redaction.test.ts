// `sluice serve --repo` with a token in the repository URL: the token appears in no log line,
// not in /debug/commits and not in the state dir's files. The origin is a closed loopback port,
// so the failure path (SLU8002) is logged too.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'sluice.mjs');
const TOKEN = 'ghp_doNotLogThis0123456789';

describe('sluice serve --repo with credentials in the URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redact-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('never shows the token in logs, /debug/commits or the state dir', async () => {
    const stateDir = join(dir, 'state');
    const child = spawn(process.execPath, [bin, 'serve', '--repo', `https://ci:${TOKEN}@127.0.0.1:1/acme/mesh.git`, '--state-dir', stateDir, '--xds-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0', '--log-format', 'json'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!(/following /.test(stderr) && /SLU800\d/.test(stderr))) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no start-up and git failure lines:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const http = /"httpAddress":"([^"]+)"/.exec(stderr)![1];
      const commits = await (await fetch(`http://${http}/debug/commits`)).text();
      assert.equal((JSON.parse(commits) as { repo: string }).repo, 'https://***@127.0.0.1:1/acme/mesh.git');
      assert.ok(!commits.includes(TOKEN), commits);
      assert.match(stderr, /following https:\/\/\*\*\*@127\.0\.0\.1:1\/acme\/mesh\.git/);
      assert.ok(!stderr.includes(TOKEN), stderr);
      for (const file of readdirSync(stateDir)) if (statSync(join(stateDir, file)).isFile()) assert.ok(!readFileSync(join(stateDir, file), 'utf8').includes(TOKEN), file);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
