import { diagnostic } from '../diagnostics/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { NOT_UTF8 } from './codes.ts';

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8', { fatal: false });

/** Strict UTF-8 decoding; on failure, points at the first bad byte's line and column. */
export function decode(file: string, content: string | Uint8Array): { text: string } | { error: Diagnostic } {
  if (typeof content === 'string') return { text: content.charCodeAt(0) === 0xfeff ? content.slice(1) : content };
  try {
    return { text: strict.decode(content) };
  } catch {
    const text = lenient.decode(content);
    const bad = text.indexOf('\uFFFD');
    const before = text.slice(0, Math.max(0, bad));
    const line = before.split('\n').length;
    const col = bad - before.lastIndexOf('\n');
    return {
      error: diagnostic(
        NOT_UTF8,
        { file, line, col, endLine: line, endCol: col + 1, path: '' },
        `${file} is not valid UTF-8 (first invalid byte at line ${line}, column ${col})`,
      ),
    };
  }
}
