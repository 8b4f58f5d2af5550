/**
 * `text` cut to at most `maxBytes` of UTF-8 with `suffix` appended when cut. GitHub measures
 * check-run and annotation fields in bytes, and a cut inside a surrogate pair would leave a
 * lone surrogate (not valid UTF-8), so the cut falls on a code point boundary.
 */
export function truncateUtf8(text: string, maxBytes: number, suffix = '…'): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(suffix, 'utf8');
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end) + suffix;
}
