/**
 * `{{args.NAME}}` substitution into a PromQL query that cannot change the query's meaning:
 * an argument that sits inside a quoted PromQL string (a label value, a regex) is escaped
 * as that string's content, so a service named `a"} or vector(1) #` stays a label value.
 * Argo Rollouts pastes arguments verbatim; a value without `"`, `'` or `\` gives the same
 * query either way. An argument outside a string (a window, a threshold, a selector
 * fragment) is pasted as written, as in Argo: that is how templates parameterize PromQL.
 */

/** The compiler's `{{args.NAME}}` pattern (compiler/analyze/rollouts/promql.ts), which its index does not export. */
const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+?)\s*\}\}/g;

function placeholdersIn(text: string): { name: string; start: number; end: number }[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] ?? '', start: m.index, end: m.index + m[0].length }));
}

export type QuerySubstitution = { ok: true; text: string } | { ok: false; message: string };

type Quote = '"' | "'" | '`' | undefined;

/** The quote each placeholder sits inside, by scanning the template's PromQL text. */
function quotesAt(text: string, starts: ReadonlySet<number>, ends: ReadonlyMap<number, number>): Map<number, Quote> {
  const at = new Map<number, Quote>();
  let quote: Quote;
  let i = 0;
  while (i < text.length) {
    if (starts.has(i)) {
      at.set(i, quote);
      i = ends.get(i) as number;
      continue;
    }
    const c = text[i];
    if (quote === undefined) {
      if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '#') {
        // A comment runs to the end of the line.
        while (i < text.length && text[i] !== '\n') i++;
        continue;
      }
    } else if (c === '\\' && quote !== '`') {
      i += 2;
      continue;
    } else if (c === quote) quote = undefined;
    i++;
  }
  return at;
}

function escapeFor(quote: '"' | "'", value: string): string {
  return value.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r')).replaceAll(quote, `\\${quote}`);
}

export function substituteQueryArgs(text: string, values: ReadonlyMap<string, string | undefined>): QuerySubstitution {
  const placeholders = placeholdersIn(text).filter((p) => values.get(p.name) !== undefined);
  const quotes = quotesAt(text, new Set(placeholders.map((p) => p.start)), new Map(placeholders.map((p) => [p.start, p.end])));
  let out = '';
  let last = 0;
  for (const p of placeholders) {
    const value = values.get(p.name) as string;
    const quote = quotes.get(p.start);
    if (quote === '`' && value.includes('`')) {
      return { ok: false, message: `the argument \`${p.name}\` is "${value}", which contains a backtick and sits inside a \`raw string\`, where it cannot be escaped; quote that string with "..." instead` };
    }
    out += text.slice(last, p.start) + (quote === '"' || quote === "'" ? escapeFor(quote, value) : value);
    last = p.end;
  }
  return { ok: true, text: out + text.slice(last) };
}
