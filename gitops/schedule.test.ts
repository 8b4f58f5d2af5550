import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyGitError, maskCredentials } from './git-errors.ts';
import { pollSchedule } from './schedule.ts';

describe('poll schedule', () => {
  it('maps even intervals to node-cron expressions', () => {
    assert.equal(pollSchedule('15s').expression, '*/15 * * * * *');
    assert.equal(pollSchedule('60s').expression, '0 */1 * * * *');
    assert.equal(pollSchedule('5m').expression, '0 */5 * * * *');
    assert.equal(pollSchedule('2h').expression, '0 0 */2 * * *');
    assert.equal(pollSchedule('off').expression, undefined);
    assert.equal(pollSchedule('*/20 * * * * *').expression, '*/20 * * * * *');
  });
  it('refuses intervals that would poll unevenly, and nonsense', () => {
    assert.throws(() => pollSchedule('45s'), /does not divide/);
    assert.throws(() => pollSchedule('soon'), /takes a duration/);
    assert.throws(() => pollSchedule('99 * * * * *'), /takes a duration/);
  });
});

describe('git failures', () => {
  it('names the kind of failure from git\'s message', () => {
    assert.equal(classifyGitError(new Error("fatal: could not read Username for 'https://github.com': terminal prompts disabled")).code.code, 'SLU8001');
    assert.equal(classifyGitError(new Error('git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.')).kind, 'auth');
    assert.equal(classifyGitError(new Error("fatal: unable to access 'https://nope.invalid/x.git/': Could not resolve host: nope.invalid")).kind, 'unreachable');
    assert.equal(classifyGitError(new Error("fatal: couldn't find remote ref refs/heads/main")).kind, 'branch-missing');
    assert.equal(classifyGitError(new Error('fatal: bad object HEAD')).code.code, 'SLU8008');
  });
  it('never shows credentials from a URL', () => {
    assert.equal(maskCredentials("unable to access 'https://x-access-token:ghp_secret@github.com/o/r.git/'"), "unable to access 'https://***@github.com/o/r.git/'");
    // A password holding '@' is masked whole, not up to its first '@'.
    assert.equal(maskCredentials('fetching https://ci:p@ss@word@git.example.com/o/r.git failed'), 'fetching https://***@git.example.com/o/r.git failed');
    assert.equal(maskCredentials("'https://tok@h/x' and 'https://u:v@h2/y'"), "'https://***@h/x' and 'https://***@h2/y'");
    assert.doesNotMatch(classifyGitError(new Error("fatal: unable to access 'https://u:p4ss@host/r.git/': Connection refused")).detail, /p4ss/);
  });
});
