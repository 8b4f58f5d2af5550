/**
 * Markdown assembled under a size limit. GitHub refuses a comment over 65,536 characters and
 * truncates a job summary over 1 MiB, so a long report is cut between rows (a table stays a
 * table, a code block is kept whole or left out) and what was left out is counted by kind.
 */

export interface Section {
  /** Lines shown once before the first row (a heading, a table header); never shown alone. */
  head: string[];
  /** Units that are shown whole or not at all: table rows, list items, a fenced block. */
  rows: string[];
  /** What a row is, singular and plural, for the cut note: `['finding', 'findings']`. */
  noun: readonly [string, string];
  /** Lines after the last row shown (a blank line). */
  tail?: string[];
}

export type Measure = 'characters' | 'bytes';

export interface Budgeted {
  text: string;
  /** Rows left out, by noun (empty when everything fit). */
  omitted: Map<readonly [string, string], number>;
}

function sizeOf(text: string, measure: Measure): number {
  return measure === 'bytes' ? Buffer.byteLength(text, 'utf8') : text.length;
}

/**
 * Joins `intro`, the sections and `outro` with newlines into at most `limit` (characters or
 * UTF-8 bytes), leaving `reserve` for a note the caller appends when something was cut.
 * Everything in `intro` and `outro` is always kept; each section shows a prefix of its rows.
 */
export function fitSections(intro: string[], sections: readonly Section[], outro: string[], limit: number, reserve: number, measure: Measure = 'characters'): Budgeted {
  const size = (block: readonly string[]) => (block.length === 0 ? 0 : sizeOf(block.join('\n'), measure) + block.length);
  const lines = [...intro];
  let used = size(intro) + size(outro) + reserve;
  const omitted = new Map<readonly [string, string], number>();
  for (const section of sections) {
    const tail = section.tail ?? [];
    // a section that overflows loses its remaining rows; a smaller section after it may still fit
    let full = false;
    let shown = 0;
    for (const row of section.rows) {
      if (!full) {
        const block = shown === 0 ? [...section.head, row] : [row];
        // room for the tail is kept, so a table always gets its closing blank line
        if (used + size(block) + size(tail) <= limit) {
          lines.push(...block);
          used += size(block);
          shown++;
          continue;
        }
        full = true;
      }
      omitted.set(section.noun, (omitted.get(section.noun) ?? 0) + 1);
    }
    if (shown > 0) {
      lines.push(...tail);
      used += size(tail);
    }
  }
  lines.push(...outro);
  return { text: lines.join('\n'), omitted };
}

/** `12 findings and 3 services` */
export function omittedText(omitted: ReadonlyMap<readonly [string, string], number>): string {
  const parts = [...omitted].map(([[one, many], n]) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
