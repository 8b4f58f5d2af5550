import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Debouncer } from './debounce.ts';

describe('Debouncer', () => {
  let now = 0;
  const advance = (ms: number) => {
    now += ms;
    mock.timers.tick(ms);
  };
  beforeEach(() => {
    now = 0;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  it('fires once, afterMs after the last change of a burst', () => {
    const fired: number[] = [];
    const d = new Debouncer(() => fired.push(now), { afterMs: 100, maxMs: 10_000 }, () => now);
    d.trigger();
    advance(50);
    d.trigger();
    advance(40);
    d.trigger();
    advance(99);
    assert.deepEqual(fired, []);
    advance(1);
    assert.deepEqual(fired, [190]);
    assert.equal(d.pending, false);
  });

  it('never waits longer than maxMs after the first change', () => {
    const fired: number[] = [];
    const d = new Debouncer(() => fired.push(now), { afterMs: 100, maxMs: 300 }, () => now);
    for (let i = 0; i < 20; i++) {
      d.trigger();
      advance(50);
    }
    // Bursts start at 0, 300, 600, 900: each is cut at 300 ms.
    assert.deepEqual(fired.slice(0, 3), [300, 600, 900]);
  });

  it('flushes now, or drops the burst', () => {
    let fired = 0;
    const d = new Debouncer(() => fired++, { afterMs: 100 }, () => now);
    d.flush();
    assert.equal(fired, 0, 'nothing pending, nothing fired');
    d.trigger();
    d.flush();
    assert.equal(fired, 1);
    d.trigger();
    d.cancel();
    advance(1_000);
    assert.equal(fired, 1);
    assert.equal(d.pending, false);
  });

  it('defaults to Istio’s 100 ms / 10 s', () => {
    const d = new Debouncer(() => {});
    assert.equal(d.afterMs, 100);
    assert.equal(d.maxMs, 10_000);
  });
});
