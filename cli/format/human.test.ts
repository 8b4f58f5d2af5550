import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diag } from '../testing.ts';
import { shouldUseColor } from './ansi.ts';
import { codeFrame } from './codeframe.ts';
import { palette } from './ansi.ts';
import { formatHuman } from './human.ts';
import type { Report } from './types.ts';
import type { Diagnostic } from '../../compiler/diagnostics/index.ts';

const plainFrame = { palette: palette(false), underline: (s: string) => s };

function report(diagnostics: Diagnostic[], files: Record<string, string> = {}, documentCount = 1, fileCount = 1): Report {
  return {
    diagnostics,
    files: new Map(Object.entries(files).map(([path, text]) => [path, { text }])),
    documentCount,
    fileCount,
  };
}

/** The source row of the frame (marked `>`) and the underline row below it. */
function targetRows(frame: string[]): { source: string; underline: string } {
  const index = frame.findIndex((row) => row.startsWith('>'));
  assert.ok(index >= 0, `no target row in\n${frame.join('\n')}`);
  return { source: frame[index] ?? '', underline: frame[index + 1] ?? '' };
}

const vs = [
  'apiVersion: networking.istio.io/v1',
  'kind: VirtualService',
  'spec:',
  '  http:',
  '  - route:',
  '    - destination:',
  '        host: reviews',
].join('\n') + '\n';

describe('code frame', () => {
  it('puts the caret and tildes exactly under the range, with one line of context each side', () => {
    // "route" on line 5: columns 5..10 (end exclusive).
    const frame = codeFrame(vs, { line: 5, col: 5, endLine: 5, endCol: 10 }, plainFrame);
    assert.deepEqual(frame, [
      '  4 |   http:',
      '> 5 |   - route:',
      '    |     ^~~~~',
      '  6 |     - destination:',
    ]);
    const { source, underline } = targetRows(frame);
    assert.equal(underline.indexOf('^'), source.indexOf('route'));
    assert.equal(underline.trimEnd().length - underline.indexOf('^'), 'route'.length);
  });

  it('widens the gutter to the largest line number shown', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line${i + 1}: x`).join('\n');
    const frame = codeFrame(text, { line: 9, col: 1, endLine: 9, endCol: 6 }, plainFrame);
    assert.deepEqual(frame, ['   8 | line8: x', '>  9 | line9: x', '     | ^~~~~', '  10 | line10: x']);
  });

  it('keeps the caret aligned after tabs (expanded to tab stops of 4)', () => {
    const text = 'a: 1\n\tkey:\t"value"  # c\t x\nb: 2\n';
    // `"value"` starts at UTF-16 index 6 (col 7) and ends before index 13 (endCol 14).
    const frame = codeFrame(text, { line: 2, col: 7, endLine: 2, endCol: 14 }, plainFrame);
    const { source, underline } = targetRows(frame);
    assert.ok(!source.includes('\t'), 'tabs are expanded in the frame');
    assert.equal(underline.indexOf('^'), source.indexOf('"value"'));
    assert.equal(underline.trimEnd().length - underline.indexOf('^'), '"value"'.length);
  });

  it('underlines a tab character to its full display width', () => {
    const frame = codeFrame('x:\tv\n', { line: 1, col: 3, endLine: 1, endCol: 4 }, plainFrame);
    const { source, underline } = targetRows(frame);
    assert.equal(underline.indexOf('^'), source.indexOf('x:') + 2);
    assert.equal(underline.slice(underline.indexOf('^')), '^~'); // the tab spans columns 2..3
    assert.equal(underline.indexOf('^') + 2, source.indexOf('v'));
  });

  it('clamps a range that spans lines to the end of its first line', () => {
    const frame = codeFrame(vs, { line: 5, col: 3, endLine: 7, endCol: 22 }, plainFrame);
    assert.deepEqual(frame, [
      '  4 |   http:',
      '> 5 |   - route:',
      '    |   ^~~~~~~~',
      '  6 |     - destination:',
    ]);
  });

  it('puts a single caret after the last character when the range starts at the end of the line', () => {
    const frame = codeFrame('key:\nnext: 1\n', { line: 1, col: 5, endLine: 2, endCol: 1 }, plainFrame);
    const { source, underline } = targetRows(frame);
    assert.equal(underline.indexOf('^'), source.length);
    assert.equal(underline.slice(underline.indexOf('^')), '^');
  });

  it('shows an empty range as one caret', () => {
    const frame = codeFrame('a: b\n', { line: 1, col: 3, endLine: 1, endCol: 3 }, plainFrame);
    assert.equal(targetRows(frame).underline, '    |   ^');
  });

  it('counts columns in UTF-16 units but aligns by characters (astral characters)', () => {
    const text = 'name: "😀x" y\n';
    // The emoji takes two UTF-16 units (indices 7 and 8), so 'y' is at index 12: col 13.
    const frame = codeFrame(text, { line: 1, col: 13, endLine: 1, endCol: 14 }, plainFrame);
    const { source, underline } = targetRows(frame);
    assert.equal([...underline].indexOf('^'), [...source].indexOf('y'));
  });

  it('does not show the line after the final newline, nor carriage returns', () => {
    const frame = codeFrame('a: 1\r\nb: 2\r\n', { line: 2, col: 1, endLine: 2, endCol: 2 }, plainFrame);
    assert.deepEqual(frame, ['  1 | a: 1', '> 2 | b: 2', '    | ^']);
  });

  it('makes control characters visible instead of sending them to the terminal', () => {
    const frame = codeFrame('a: "\u001b[31mred"\n', { line: 1, col: 4, endLine: 1, endCol: 5 }, plainFrame);
    assert.ok(!frame.join('\n').includes('\u001b'));
    assert.match(frame.join('\n'), /\u241b\[31mred/);
  });

  it('shows nothing for a range outside the text', () => {
    assert.deepEqual(codeFrame('a: 1\n', { line: 0, col: 0, endLine: 0, endCol: 0 }, plainFrame), []);
    assert.deepEqual(codeFrame('a: 1\n', { line: 5, col: 1, endLine: 5, endCol: 2 }, plainFrame), []);
  });
});

describe('human format', () => {
  const d = diag({
    code: 'SLU9002',
    message: 'subset "v9" is not defined for host reviews',
    file: 'policies/vs.yaml',
    line: 5,
    col: 5,
    endLine: 5,
    endCol: 10,
    hint: 'add the subset to the DestinationRule',
    related: [{ message: 'first defined here', file: 'policies/dr.yaml', line: 3, col: 7, endLine: 3, endCol: 9 }],
  });

  it('prints location, severity, code, message, frame, hint, notes and a summary', () => {
    const out = formatHuman(report([d], { 'policies/vs.yaml': vs }, 3, 2), { color: false, failOn: 'error' });
    assert.equal(
      out,
      [
        'policies/vs.yaml:5:5 - error SLU9002: subset "v9" is not defined for host reviews',
        '',
        '  4 |   http:',
        '> 5 |   - route:',
        '    |     ^~~~~',
        '  6 |     - destination:',
        '  hint: add the subset to the DestinationRule',
        '  note: first defined here: policies/dr.yaml:3:7',
        '',
        '✖ 1 error in 3 documents (2 files)',
        '',
      ].join('\n'),
    );
  });

  it('still prints the hint when the file text is not available', () => {
    const out = formatHuman(report([d]), { color: false, failOn: 'error' });
    assert.match(out, /^policies\/vs\.yaml:5:5 - error SLU9002: .*\n {2}hint: add the subset/);
  });

  it('uses no colour when colour is off, and ANSI colour when on', () => {
    const files = { 'policies/vs.yaml': vs };
    assert.ok(!formatHuman(report([d], files), { color: false, failOn: 'error' }).includes('\u001b['));
    const coloured = formatHuman(report([d], files), { color: true, failOn: 'error' });
    assert.ok(coloured.includes('\u001b[31merror\u001b[39m'));
    // Colour codes do not move the caret: strip them and the frame is the plain one.
    // eslint-disable-next-line no-control-regex
    assert.equal(coloured.replace(/\u001b\[\d+m/g, ''), formatHuman(report([d], files), { color: false, failOn: 'error' }));
  });

  it('indents the continuation lines of a multi-line message', () => {
    const out = formatHuman(report([diag({ message: 'first\n::error::injected' })]), { color: false, failOn: 'error' });
    assert.ok(out.split('\n').every((line) => !line.startsWith('::')));
    assert.match(out, /first\n {2}::error::injected/);
  });

  it('summarises: clean, failing, below the threshold, singular and plural', () => {
    const opts = { color: false, failOn: 'error' as const };
    assert.equal(formatHuman(report([], {}, 12, 5), opts), '✔ 12 documents (5 files) valid\n');
    assert.equal(formatHuman(report([], {}, 1, 1), opts), '✔ 1 document (1 file) valid\n');
    const mixed = [diag(), diag({ line: 2 }), diag({ line: 3 }), diag({ line: 4, severity: 'warning' })];
    assert.match(formatHuman(report(mixed, {}, 12, 5), opts), /\n✖ 3 errors, 1 warning in 12 documents \(5 files\)\n$/);
    const warnings = [diag({ severity: 'warning' }), diag({ line: 2, severity: 'info' })];
    assert.match(formatHuman(report(warnings, {}, 2, 1), opts), /\n⚠ 1 warning, 1 info in 2 documents \(1 file\)\n$/);
    assert.match(formatHuman(report(warnings, {}, 2, 1), { ...opts, failOn: 'warning' }), /\n✖ 1 warning, 1 info in 2 documents/);
  });

  it('labels warnings and infos', () => {
    const out = formatHuman(report([diag({ severity: 'warning', code: 'SLU9003' }), diag({ line: 2, severity: 'info', code: 'SLU9004' })]), {
      color: false,
      failOn: 'error',
    });
    assert.match(out, /^policies\/a\.yaml:1:1 - warning SLU9003: /m);
    assert.match(out, /^policies\/a\.yaml:2:1 - info SLU9004: /m);
  });
});

describe('colour decision', () => {
  it('colours a terminal only, NO_COLOR turns it off, FORCE_COLOR forces it', () => {
    assert.equal(shouldUseColor({ isTTY: true }, {}), true);
    assert.equal(shouldUseColor({ isTTY: false }, {}), false);
    assert.equal(shouldUseColor({}, {}), false);
    assert.equal(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(shouldUseColor({ isTTY: true }, { NO_COLOR: '' }), true);
    assert.equal(shouldUseColor({ isTTY: true }, { TERM: 'dumb' }), false);
    assert.equal(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '' }), true);
    assert.equal(shouldUseColor({ isTTY: true }, { FORCE_COLOR: '0' }), false);
    assert.equal(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
  });
});
