// The file journal: records survive reopening, a torn last line is dropped and cut, a damaged
// line elsewhere is skipped and reported.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileJournal } from './journal.ts';
import type { JournalRecord } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-journal-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = (n: number): JournalRecord => ({ type: 'command', at: n, key: 'shop/reviews', command: 'promote', result: `r${n}` });

describe('FileJournal', () => {
  it('keeps every record across reopening, one JSON line each', () => {
    const path = join(dir, 'a', 'journal.jsonl');
    const j = new FileJournal(path);
    j.append(record(1));
    j.append(record(2));
    j.close();
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 3);
    const again = new FileJournal(path);
    assert.deepEqual(again.records(), [record(1), record(2)]);
    again.append(record(3));
    again.close();
    assert.deepEqual(new FileJournal(path).records(), [record(1), record(2), record(3)]);
  });

  it('drops a torn last record and appends after the last whole one', () => {
    const path = join(dir, 'torn.jsonl');
    writeFileSync(path, JSON.stringify(record(1)) + '\n');
    appendFileSync(path, JSON.stringify(record(2)).slice(0, 25));
    const j = new FileJournal(path);
    assert.deepEqual(j.records(), [record(1)]);
    assert.deepEqual(j.problems, [{ line: 2, message: 'torn last record (no end of line): dropped' }]);
    j.append(record(3));
    j.close();
    assert.equal(readFileSync(path, 'utf8'), `${JSON.stringify(record(1))}\n${JSON.stringify(record(3))}\n`);
  });

  it('skips and reports a damaged line in the middle', () => {
    const path = join(dir, 'damaged.jsonl');
    writeFileSync(path, `${JSON.stringify(record(1))}\n{"type": "comm\n${JSON.stringify(record(2))}\n`);
    const j = new FileJournal(path);
    assert.deepEqual(j.records(), [record(1), record(2)]);
    assert.equal(j.problems.length, 1);
    assert.match(j.problems[0]?.message ?? '', /^unreadable record skipped: /);
    assert.equal(j.problems[0]?.line, 2);
    j.close();
  });

  it('skips and reports a line that is JSON but not a record (restore reads .type and .key of each)', () => {
    const path = join(dir, 'foreign.jsonl');
    writeFileSync(path, `${JSON.stringify(record(1))}\nnull\n42\n["x"]\n{"type": "state", "at": 1, "key": "shop/reviews"}\n${JSON.stringify(record(2))}\n`);
    const j = new FileJournal(path);
    assert.deepEqual(j.records(), [record(1), record(2)]);
    assert.deepEqual(
      j.problems.map((p) => p.line),
      [2, 3, 4, 5],
    );
    assert.match(j.problems[0]?.message ?? '', /^unreadable record skipped: not a journal record/);
    j.close();
  });
});
