import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitSections, omittedText } from './markdown-budget.ts';
import { mdCode, mdText } from './markdown-text.ts';
import { mermaidLabel } from './review-mermaid.ts';

describe('markdown under a size limit', () => {
  const table = (n: number) => ({ head: ['| a |', '|---|'], rows: Array.from({ length: n }, (_, i) => `| row ${i} |`), noun: ['row', 'rows'] as const, tail: [''] });

  it('everything when it fits', () => {
    const { text, omitted } = fitSections(['# t'], [table(2)], ['end'], 1000, 0);
    assert.equal(text, '# t\n| a |\n|---|\n| row 0 |\n| row 1 |\n\nend');
    assert.equal(omitted.size, 0);
  });

  it('cuts between rows, keeps the table closed, counts what it left out, and never passes the limit', () => {
    for (const limit of [20, 40, 60, 75]) {
      const { text, omitted } = fitSections(['# t'], [table(10)], ['end'], limit, 0);
      assert.ok(text.length + 1 <= limit, `${text.length + 1} > ${limit}`);
      const shown = text.split('\n').filter((l) => l.startsWith('| row')).length;
      assert.equal(([...omitted.values()][0] ?? 0) + shown, 10);
      if (shown > 0) assert.match(text, /\| row \d+ \|\n\nend$/);
      else assert.doesNotMatch(text, /\| a \|/, 'no header without a row');
    }
  });

  it('a later, smaller section still fits after a big one overflowed', () => {
    const big = { head: [], rows: ['x'.repeat(50), 'y'.repeat(50)], noun: ['big row', 'big rows'] as const };
    const small = { head: [], rows: ['z'], noun: ['small row', 'small rows'] as const };
    const { text, omitted } = fitSections([], [big, small], [], 60, 0);
    assert.equal(text, `${'x'.repeat(50)}\nz`);
    assert.equal(omittedText(omitted), '1 big row');
  });

  it('bytes, not characters, when asked (the job summary limit is in bytes)', () => {
    const rows = { head: [], rows: ['ü'.repeat(10), 'ü'.repeat(10)], noun: ['row', 'rows'] as const };
    assert.equal(fitSections([], [rows], [], 25, 0, 'characters').omitted.size, 0);
    assert.equal(fitSections([], [rows], [], 25, 0, 'bytes').omitted.size, 1);
  });
});

describe('policy text in markdown', () => {
  it('is never markup, HTML or a mention', () => {
    assert.equal(mdText('<img src=x> *bold* [l](u) @octocat ISTIO_MUTUAL _x_ a|b'), '\\<img src=x\\> \\*bold\\* \\[l\\](u) @\u200doctocat ISTIO_MUTUAL \\_x\\_ a\\|b');
    assert.equal(mdCode('a`b|c'), '``a`b\\|c``');
    // outside a table a code span shows a backslash literally, so a pipe stays as it is
    assert.equal(mdCode('a`b|c', 'text'), '``a`b|c``');
    // an entity is not decoded into a mention or a tag
    assert.equal(mdText('&#64;octocat &lt;b&gt;'), '\\&\\#64;octocat \\&lt;b\\&gt;');
  });

  it('in a Mermaid label: entities for quotes, angle brackets, backticks and #', () => {
    assert.equal(mermaidLabel('v1 "x" <b>#`'), 'v1 #quot;x#quot; #lt;b#gt;#35;#96;');
  });
});
