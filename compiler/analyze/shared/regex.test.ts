import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegex, isValidRegex, MAX_REGEX_LENGTH } from './regex.ts';

describe('checkRegex', () => {
  it('accepts valid RE2', () => {
    for (const re of ['^/api/v[0-9]+/.*$', '\\d+', '(?i)foo', '(?P<id>[a-z]+)', '(?<id>[a-z]+)', '\\pL', '', '/a/b', 'a{2,5}']) {
      assert.equal(checkRegex(re), undefined, re);
    }
  });

  it('rejects what RE2 rejects, with RE2 own message', () => {
    const cases: [string, string][] = [
      ['a(b', 'missing ): a(b'],
      ['(?=x)', 'invalid perl operator: (?='],
      ['(?<=x)y', 'invalid perl operator: (?<'],
      ['\\1', 'invalid escape sequence: \\1'],
      ['\\u0041', 'invalid escape sequence: \\u'],
      ['[z-a]', 'invalid character class range: z-a'],
      ['x**', 'bad repetition operator: **'],
      ['a{1001}', 'invalid repetition size: {1001}'],
    ];
    for (const [re, message] of cases) {
      const problem = checkRegex(re);
      assert.equal(problem?.kind, 'syntax', re);
      assert.equal(problem?.message, `invalid RE2 syntax: ${message}`, re);
      assert.equal(isValidRegex(re), false);
    }
  });

  it('rejects regexes over 1024 bytes', () => {
    assert.equal(checkRegex('a'.repeat(MAX_REGEX_LENGTH)), undefined);
    const problem = checkRegex('a'.repeat(MAX_REGEX_LENGTH + 1));
    assert.equal(problem?.kind, 'too-long');
    // bytes, not UTF-16 units
    assert.equal(checkRegex('é'.repeat(513))?.kind, 'too-long');
  });
});
