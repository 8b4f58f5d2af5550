export type Severity = 'error' | 'warning' | 'info';

/** 1-based line and column, end exclusive, as editors and GitHub annotations count. */
export interface SourceRange {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** Another place that takes part in a finding (the first definition of a duplicate, say). */
export interface RelatedLocation extends SourceRange {
  message: string;
}

export interface Diagnostic extends SourceRange {
  code: string;
  severity: Severity;
  message: string;
  /** JSON pointer into the document the finding is about ('' for the whole document). */
  path: string;
  hint?: string;
  related?: RelatedLocation[];
}

/** Where in a policy a finding points: a range plus the JSON pointer that produced it. */
export interface Located extends SourceRange {
  path: string;
}
