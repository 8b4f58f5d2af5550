/**
 * PromQL syntax checks with Prometheus' own grammar (@prometheus-io/lezer-promql, the
 * parser behind the Prometheus UI), after the `{{args.NAME}}` substitution Argo Rollouts
 * performs before it runs a query.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** `{{args.name}}` (spaces allowed inside the braces), as Argo Rollouts substitutes it. */
export const ARG_PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+?)\s*\}\}/g;

export interface Placeholder {
  name: string;
  /** Offsets in the original text. */
  start: number;
  end: number;
}

export function placeholdersIn(text: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of text.matchAll(ARG_PLACEHOLDER)) {
    out.push({ name: m[1] ?? '', start: m.index, end: m.index + m[0].length });
  }
  return out;
}

interface Substitution {
  /** Offsets in the original text and in the substituted text. */
  start: number;
  end: number;
  newStart: number;
  newEnd: number;
}

export interface Substituted {
  text: string;
  /** Maps an offset in `text` back to the original (a substituted value maps to its placeholder). */
  original(offset: number): number;
}

/**
 * A stand-in for an argument without a value in a PromQL query: a duration where PromQL
 * needs one (in `[...]`, after `offset`), otherwise a name, which fits a label value and a
 * selector alike.
 */
export function promqlStandIn(text: string, start: number): string {
  const before = text.slice(0, start).trimEnd();
  if (/(\[|:|\boffset)$/.test(before)) return '5m';
  return 'x';
}

/**
 * Replaces each `{{args.NAME}}` with the argument's value, or `standIn(text, offset)` when
 * it has none.
 */
export function substituteArgs(
  text: string,
  values: ReadonlyMap<string, string | undefined>,
  standIn: (text: string, start: number) => string = promqlStandIn,
): Substituted {
  const subs: Substitution[] = [];
  let out = '';
  let last = 0;
  for (const p of placeholdersIn(text)) {
    out += text.slice(last, p.start);
    const value = values.get(p.name) ?? standIn(text, p.start);
    subs.push({ start: p.start, end: p.end, newStart: out.length, newEnd: out.length + value.length });
    out += value;
    last = p.end;
  }
  out += text.slice(last);
  return {
    text: out,
    original(offset: number): number {
      let shift = 0;
      for (const s of subs) {
        if (offset < s.newStart) break;
        if (offset < s.newEnd) return s.start;
        shift = s.end - s.newEnd;
      }
      return offset + shift;
    },
  };
}

export interface PromqlError {
  /** Offset and length, in the parsed text, of what the first syntax error points at. */
  offset: number;
  length: number;
  message: string;
}

function describe(text: string, from: number): PromqlError {
  const rest = text.slice(from);
  if (rest.trim() === '') {
    const open = (text.match(/[([{]/g) ?? []).length - (text.match(/[)\]}]/g) ?? []).length;
    return { offset: from, length: 1, message: open > 0 ? 'the query ends before every bracket is closed' : 'the query ends where an expression is expected' };
  }
  // The grammar knows every function by name: `name(` with an unknown name fails at the `(`.
  const ident = /([A-Za-z_:][A-Za-z0-9_:]*)\s*$/.exec(text.slice(0, from));
  if (rest.startsWith('(') && ident?.[1]) {
    return { offset: ident.index, length: ident[1].length, message: `\`${ident[1]}\` is not a PromQL function or aggregation` };
  }
  const token = /^\s*(\S+?)(?=[\s()[\]{},]|$)|^\s*(\S)/.exec(rest);
  const shown = token?.[1] ?? token?.[2] ?? rest.slice(0, 1);
  return { offset: from + (rest.length - rest.trimStart().length), length: shown.length, message: `unexpected \`${shown}\`` };
}

/** Parse results by query text: templates are often copied between namespaces. */
const verdicts = new Map<string, PromqlError | undefined>();
const VERDICT_LIMIT = 10_000;

/** The first syntax error in a PromQL expression, or undefined when it parses. */
export function promqlSyntaxError(text: string): PromqlError | undefined {
  if (verdicts.has(text)) return verdicts.get(text);
  const error = firstError(text);
  if (verdicts.size >= VERDICT_LIMIT) verdicts.clear();
  verdicts.set(text, error);
  return error;
}

function firstError(text: string): PromqlError | undefined {
  if (text.trim() === '') return { offset: 0, length: 1, message: 'the query is empty' };
  const tree = parser.parse(text);
  let first: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError && (first === undefined || node.from < first)) first = node.from;
    },
  });
  if (first === undefined) return undefined;
  return describe(text, first);
}
