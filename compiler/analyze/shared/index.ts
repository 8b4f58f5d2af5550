export { checkRegex, isValidRegex, MAX_REGEX_LENGTH } from './regex.ts';
export type { RegexProblem } from './regex.ts';
export { formatMs, parseDurationMs } from './duration.ts';
