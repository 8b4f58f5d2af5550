import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { re2Matches } from '../re2/index.ts';
import {
  HEADER_LOOSE_SOURCE, HEADER_NAME_STRICT_SOURCE, HEADER_VALUE_STRICT_SOURCE, isHeaderName, isHeaderValue, isHostname,
} from './well-known.ts';

const SAMPLES = [
  '', 'x-canary', ':authority', 'Content-Type', 'a,b', 'a b', 'tab\there', 'nul\u0000', 'lf\n', 'cr\r', 'bell\u0007',
  'del\u007f', 'ünïcode', '😀', '"quoted"', 'a:b', 'x`y', '[brackets]', 'semi;colon', '\u0085next-line',
];

describe('well-known header regexes', () => {
  it('agree with RE2 running PGV\'s own patterns', () => {
    for (const s of SAMPLES) {
      assert.equal(isHeaderName(s, true), re2Matches(HEADER_NAME_STRICT_SOURCE, s), `name strict ${JSON.stringify(s)}`);
      assert.equal(isHeaderValue(s, true), re2Matches(HEADER_VALUE_STRICT_SOURCE, s), `value strict ${JSON.stringify(s)}`);
      assert.equal(isHeaderName(s, false), re2Matches(HEADER_LOOSE_SOURCE, s), `loose ${JSON.stringify(s)}`);
    }
  });

  it('hostname: labels, length, dashes, trailing dot', () => {
    assert.ok(isHostname('reviews.default.svc.cluster.local'));
    assert.ok(isHostname('a.b.'));
    assert.ok(!isHostname('a..b'));
    assert.ok(!isHostname('a_b.com'));
    assert.ok(!isHostname(`${'a'.repeat(63)}.`.repeat(4) + 'com'));
  });
});
