/**
 * Text from a policy (hosts, header values, principals, file names) in GitHub Markdown: a
 * pull request controls it, so it must never become markup, a link, an HTML comment or a
 * mention that notifies someone.
 */

/** Plain text GitHub must not read as Markdown or HTML (safe inside table cells too). */
export function mdText(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    // `&` too: `&#64;someone` would be decoded to a mention, `&lt;` to markup-looking text
    .replace(/([\\`*[\]<>|~#!&])/g, '\\$1')
    // `_` inside a word (ISTIO_MUTUAL) is not emphasis in GitHub's Markdown
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    // @someone in a comment notifies them; a zero-width joiner keeps the text and drops the mention
    .replace(/@(?=[A-Za-z0-9])/g, '@\u200d');
}

/**
 * An inline code span; backticks in the value get a longer fence. In a table cell a pipe is
 * escaped (GitHub splits cells first); anywhere else the backslash would show, as a code span
 * takes it literally.
 */
export function mdCode(value: string, where: 'table' | 'text' = 'table'): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  const clean = where === 'table' ? flat.replace(/\|/g, '\\|') : flat;
  const runs = clean.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A link whose label is plain text and whose URL cannot close the link early. */
export function mdLink(label: string, url: string): string {
  return `[${mdText(label)}](${url.replace(/[()\s<>]/g, encodeURIComponent)})`;
}
