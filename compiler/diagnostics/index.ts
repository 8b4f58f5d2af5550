export type { Diagnostic, Located, RelatedLocation, Severity, SourceRange } from './types.ts';
export type { CodeDefinition, ReportOptions, Stage } from './codes.ts';
export { allCodes, atLeast, compareDiagnostics, defineCode, diagnostic, toPointer } from './codes.ts';
