/**
 * Text from policy files (and messages quoting it) is shown in terminals and CI logs, so
 * control characters are made visible instead of being interpreted: an ANSI escape in a
 * YAML value must not recolour the terminal, a stray CR must not overwrite the line, and
 * bidirectional overrides must not reorder what the reader sees.
 */

const TAB_WIDTH = 4;

function isBidiControl(cp: number): boolean {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c;
}

/** The visible stand-in for a control character, one column wide. */
function visibleControl(cp: number): string | undefined {
  if (cp < 0x20) return String.fromCodePoint(0x2400 + cp); // ␀ … ␟
  if (cp === 0x7f) return '\u2421'; // ␡
  if ((cp >= 0x80 && cp <= 0x9f) || isBidiControl(cp)) return '\ufffd';
  return undefined;
}

export interface DisplayLine {
  /** The line as shown: tabs expanded to tab stops, control characters made visible. */
  readonly text: string;
  /**
   * `columns[i]` is the display column (0-based) where UTF-16 index `i` of the source
   * line starts; `columns[line.length]` is the display width of the whole line.
   */
  readonly columns: readonly number[];
}

/** Renders one source line for a code frame and maps source columns to display columns. */
export function displayLine(line: string, tabWidth = TAB_WIDTH): DisplayLine {
  const columns: number[] = new Array<number>(line.length + 1);
  let text = '';
  let width = 0;
  let i = 0;
  while (i < line.length) {
    const cp = line.codePointAt(i) ?? 0;
    const units = cp > 0xffff ? 2 : 1;
    for (let u = 0; u < units; u++) columns[i + u] = width;
    if (cp === 0x09) {
      const next = (Math.floor(width / tabWidth) + 1) * tabWidth;
      text += ' '.repeat(next - width);
      width = next;
    } else {
      text += visibleControl(cp) ?? String.fromCodePoint(cp);
      width += 1;
    }
    i += units;
  }
  columns[line.length] = width;
  return { text, columns };
}

/**
 * Makes a message safe to print: control characters other than newline become visible,
 * tabs become a space. Newlines are kept (callers indent continuation lines).
 */
export function cleanMessage(message: string): string {
  let out = '';
  for (const ch of message.replace(/\r\n?/g, '\n')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n') out += ch;
    else if (ch === '\t') out += ' ';
    else out += visibleControl(cp) ?? ch;
  }
  return out;
}

/** Indents every line after the first, so a multi-line message stays inside its block. */
export function indentContinuation(text: string, indent: string): string {
  return text.replace(/\n/g, `\n${indent}`);
}
