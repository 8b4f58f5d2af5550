import type { Diagnostic, Severity } from '../../compiler/diagnostics/index.ts';

/** What a format renders: the findings of one run, already sorted and filtered. */
export interface Report {
  readonly diagnostics: readonly Diagnostic[];
  /** Decoded text of each file, keyed by the same path the diagnostics use (for code frames). */
  readonly files: ReadonlyMap<string, { readonly text: string }>;
  readonly documentCount: number;
  readonly fileCount: number;
}

export interface ToolInfo {
  readonly name: string;
  readonly version: string;
  readonly informationUri?: string;
}

export interface FormatOptions {
  /** ANSI colour in the human format (never used by the machine formats). */
  readonly color: boolean;
  /** The --fail-on threshold: decides whether the human summary reads as a failure. */
  readonly failOn: Severity;
  /** Directory that relative diagnostic paths are relative to. */
  readonly cwd: string;
  /** Repository root that GitHub annotations and SARIF URIs are made relative to. */
  readonly root: string;
  readonly tool: ToolInfo;
  /** github format: the token for ::stop-commands:: (random when not given). */
  readonly stopToken?: string;
}

export type Formatter = (report: Report, options: FormatOptions) => string;
