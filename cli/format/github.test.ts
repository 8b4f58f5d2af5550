import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic, Severity } from '../../compiler/diagnostics/index.ts';
import { diag } from '../testing.ts';
import { annotation, escapeData, escapeProperty, formatGithub } from './github.ts';
import type { Report } from './types.ts';

const paths = { cwd: '/repo', root: '/repo' };

function report(diagnostics: Diagnostic[], files: Record<string, string> = {}): Report {
  return { diagnostics, files: new Map(Object.entries(files).map(([p, text]) => [p, { text }])), documentCount: 4, fileCount: 2 };
}

describe('github escaping', () => {
  it('escapes %, CR and LF in messages', () => {
    assert.equal(escapeData('100% sure\r\nnext\nline: a,b'), '100%25 sure%0D%0Anext%0Aline: a,b');
    assert.equal(escapeData('%0A'), '%250A'); // an escape sequence in the input stays literal
  });

  it('also escapes : and , in property values', () => {
    assert.equal(escapeProperty('dir:a,b/100%\n.yaml'), 'dir%3Aa%2Cb/100%25%0A.yaml');
  });
});

describe('github annotations', () => {
  it('carries file, position, end, code as title, and the hint in the message', () => {
    const d = diag({
      code: 'SLU3002',
      message: 'host "ratings" is not defined\n(100% sure)',
      file: 'policies/a,b:c.yaml',
      line: 12,
      col: 7,
      endLine: 12,
      endCol: 14,
      hint: 'add a ServiceEntry',
      related: [{ message: 'first defined here', file: 'policies/x.yaml', line: 3, col: 5, endLine: 3, endCol: 6 }],
    });
    assert.equal(
      annotation(d, paths),
      '::error file=policies/a%2Cb%3Ac.yaml,line=12,col=7,endLine=12,endColumn=14,title=SLU3002::' +
        'host "ratings" is not defined%0A(100%25 sure)%0Ahint: add a ServiceEntry%0Anote: first defined here: policies/x.yaml:3:5',
    );
  });

  it('maps warning to ::warning and info to ::notice', () => {
    assert.match(annotation(diag({ severity: 'warning' }), paths), /^::warning file=/);
    assert.match(annotation(diag({ severity: 'info' }), paths), /^::notice file=/);
  });

  it('leaves out columns when the range spans lines (the runner would drop the annotation)', () => {
    const a = annotation(diag({ line: 4, col: 3, endLine: 6, endCol: 2 }), paths);
    assert.match(a, /^::error file=policies\/a\.yaml,line=4,endLine=6,title=SLU9001::/);
  });

  it('never gives an endColumn before col', () => {
    const a = annotation(diag({ line: 4, col: 3, endLine: 4, endCol: 3 }), paths);
    assert.match(a, /,col=3,endLine=4,endColumn=3,/);
  });

  it('gives the path relative to the repository root', () => {
    const a = annotation(diag({ file: '/repo/policies/a.yaml' }), paths);
    assert.match(a, /^::error file=policies\/a\.yaml,/);
    const fromSubdir = annotation(diag({ file: 'a.yaml' }), { cwd: '/repo/policies', root: '/repo' });
    assert.match(fromSubdir, /^::error file=policies\/a\.yaml,/);
  });
});

describe('github format', () => {
  function many(severity: Severity, count: number): Diagnostic[] {
    return Array.from({ length: count }, (_, i) => diag({ severity, line: i + 1, message: `${severity} ${i + 1}` }));
  }

  it('emits at most 10 annotations per severity, counts the rest, and lists everything after', () => {
    const diagnostics = [...many('error', 13), ...many('warning', 2), ...many('info', 11)];
    const out = formatGithub(report(diagnostics), { ...paths, failOn: 'error', stopToken: 'tok123' });
    const lines = out.split('\n');
    assert.equal(lines.filter((l) => l.startsWith('::error ')).length, 10);
    assert.equal(lines.filter((l) => l.startsWith('::warning ')).length, 2);
    assert.equal(lines.filter((l) => l.startsWith('::notice ')).length, 10);
    // The first ten of each are the ones shown.
    assert.ok(out.includes('::error file=policies/a.yaml,line=10,'));
    assert.ok(!out.includes('::error file=policies/a.yaml,line=11,'));

    const overflow = lines.filter((l) => l.startsWith('sluice: '));
    assert.deepEqual(overflow, [
      'sluice: 3 errors, 1 notice not shown as annotations (GitHub shows at most 10 of each kind per step); all findings are listed below.',
    ]);

    const start = lines.indexOf('::stop-commands::tok123');
    const end = lines.indexOf('::tok123::');
    assert.ok(start > lines.indexOf(overflow[0] ?? '') && end > start, 'the listing follows the overflow line, inside stop-commands');
    const listing = lines.slice(start + 1, end);
    for (let i = 1; i <= 13; i++) assert.ok(listing.includes(`policies/a.yaml:${i}:1 - error SLU9001: error ${i}`), `error ${i} listed`);
    for (let i = 1; i <= 11; i++) assert.ok(listing.includes(`policies/a.yaml:${i}:1 - info SLU9001: info ${i}`), `info ${i} listed`);
    assert.equal(listing.at(-1), '✖ 13 errors, 2 warnings, 11 infos in 4 documents (2 files)');
    assert.ok(!out.includes('\u001b['), 'no colour');
    assert.ok(out.endsWith('::tok123::\n'));
  });

  it('prints no overflow line when everything fits', () => {
    const out = formatGithub(report(many('error', 10)), { ...paths, failOn: 'error', stopToken: 't' });
    assert.ok(!out.includes('not shown as annotations'));
    assert.equal(out.split('\n').filter((l) => l.startsWith('::error ')).length, 10);
  });

  it('keeps policy text in the listing from acting as a workflow command', () => {
    const d = diag({ line: 1, col: 1, endCol: 5, message: 'bad value\n::set-env name=X::y' });
    const out = formatGithub(report([d], { 'policies/a.yaml': '::add-mask::x\n' }), { ...paths, failOn: 'error' });
    const lines = out.split('\n');
    const token = /^::stop-commands::([0-9a-f]{32})$/m.exec(out)?.[1];
    assert.ok(token, 'a random stop token');
    const start = lines.indexOf(`::stop-commands::${token}`);
    const end = lines.indexOf(`::${token}::`);
    assert.ok(lines.slice(start + 1, end).every((l) => !l.startsWith('::')));
    // The annotation itself carries the newline escaped, so it stays one command.
    assert.equal(lines[0], '::error file=policies/a.yaml,line=1,col=1,endLine=1,endColumn=5,title=SLU9001::bad value%0A::set-env name=X::y');
  });
});
