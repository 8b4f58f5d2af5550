import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Subscription } from './subscription.ts';

describe('Subscription', () => {
  it('is wildcard while no name was ever given (legacy), then an empty list means nothing', () => {
    const s = new Subscription();
    s.replace([]);
    assert.equal(s.wildcard, true);
    assert.deepEqual(s.replace(['a']), { added: ['a'], removed: [], wildcard: false });
    assert.equal(s.covers('b'), false);
    assert.deepEqual(s.replace([]), { added: [], removed: ['a'], wildcard: undefined });
    assert.equal(s.covers('a'), false);
    assert.equal(s.wildcard, false);
  });

  it('takes "*" as wildcard next to names', () => {
    const s = new Subscription();
    s.replace(['*', 'a']);
    assert.equal(s.wildcard, true);
    assert.deepEqual(s.describe(), ['*', 'a']);
    assert.deepEqual(s.replace(['a']), { added: [], removed: [], wildcard: false });
  });

  it('applies delta changes', () => {
    const s = new Subscription();
    s.update([], []);
    assert.equal(s.wildcard, true);
    assert.deepEqual(s.update(['a', 'b'], []), { added: ['a', 'b'], removed: [], wildcard: false });
    assert.deepEqual(s.update(['*'], ['a']), { added: [], removed: ['a'], wildcard: true });
    assert.equal(s.covers('a'), true);
    assert.deepEqual(s.update([], ['*']), { added: [], removed: [], wildcard: false });
    assert.deepEqual(s.describe(), ['b']);
  });
});
