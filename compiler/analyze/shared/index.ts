export { checkRegex, isValidRegex, MAX_REGEX_LENGTH } from './regex.ts';
export type { RegexProblem } from './regex.ts';
export { formatMs, parseDurationMs } from './duration.ts';
export { at, describeResource, describeRule, place, quoteList, related } from './report.ts';
export type { HasDoc } from './report.ts';
export { effectiveWeight, forEachDestination, forEachDestinationOf, routesOf } from './routes.ts';
export type { DestinationUse } from './routes.ts';
export { perVirtualService } from './per-virtual-service.ts';
