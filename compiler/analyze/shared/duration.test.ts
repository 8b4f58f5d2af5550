import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMs, parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it('reads protobuf and Go durations', () => {
    assert.equal(parseDurationMs('1s'), 1000);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('0.0005s'), 0.5);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('1h'), 3_600_000);
    assert.equal(parseDurationMs('100us'), 0.1);
    assert.equal(parseDurationMs('0'), 0);
    assert.equal(parseDurationMs('0s'), 0);
    assert.equal(parseDurationMs('-1s'), -1000);
  });
  it('returns undefined for non-durations', () => {
    assert.equal(parseDurationMs('abc'), undefined);
    assert.equal(parseDurationMs('10'), undefined);
    assert.equal(parseDurationMs(10), undefined);
    assert.equal(parseDurationMs(''), undefined);
    assert.equal(parseDurationMs('1sx'), undefined);
  });
  it('formats', () => {
    assert.equal(formatMs(0.5), '500µs');
    assert.equal(formatMs(2), '2ms');
    assert.equal(formatMs(1500), '1.5s');
  });
});
