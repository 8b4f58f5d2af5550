import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter } from './events.ts';

describe('Emitter', () => {
  it('unsubscribes per registration and counts listeners', () => {
    const e = new Emitter<{ [k: string]: unknown; tick: number }>();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    const off1 = e.on('tick', listener);
    const off2 = e.on('tick', listener);
    e.emit('tick', 1);
    off1();
    off1();
    e.emit('tick', 2);
    assert.deepEqual(seen, [1, 1, 2]);
    assert.equal(e.listenerCount('tick'), 1);
    off2();
    assert.equal(e.listenerCount(), 0);
  });

  it('keeps a throwing subscriber from reaching the emitter or the other subscribers', () => {
    const errors: unknown[] = [];
    const e = new Emitter<{ [k: string]: unknown; tick: number }>((_event, error) => errors.push(error));
    const seen: number[] = [];
    e.on('tick', () => {
      throw new Error('subscriber bug');
    });
    e.on('tick', (n) => seen.push(n));
    e.emit('tick', 7);
    assert.deepEqual(seen, [7]);
    assert.match(String(errors[0]), /subscriber bug/);
  });
});
