import type { Diagnostic, Located, RelatedLocation, Severity } from './types.ts';

export type Stage = 'load' | 'schema' | 'model' | 'networking' | 'security' | 'rollouts' | 'translate' | 'verify' | 'serve' | 'gitops';

/**
 * A diagnostic code. Codes are stable: once published, a code keeps its meaning forever.
 * Ranges by stage: SLU1xxx load, SLU2xxx schema, SLU3xxx registry and references,
 * SLU4xxx traffic rules, SLU5xxx security, SLU6xxx rollouts and analysis,
 * SLU7xxx translate and verify, SLU8xxx serving and GitOps.
 */
export interface CodeDefinition {
  code: string;
  stage: Stage;
  severity: Severity;
  title: string;
  hint: string;
  /** The `istioctl analyze` message that reports the same problem, if any. */
  istio?: string;
}

const registry = new Map<string, CodeDefinition>();

export function defineCode(def: CodeDefinition): CodeDefinition {
  if (!/^SLU\d{4}$/.test(def.code)) throw new Error(`malformed diagnostic code ${def.code}`);
  const existing = registry.get(def.code);
  if (existing && existing !== def) throw new Error(`diagnostic code ${def.code} defined twice`);
  registry.set(def.code, def);
  return def;
}

/** Every code defined by the modules loaded so far, sorted by code. */
export function allCodes(): CodeDefinition[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}

export interface ReportOptions {
  severity?: Severity;
  hint?: string;
  related?: RelatedLocation[];
}

export function diagnostic(def: CodeDefinition, at: Located, message: string, options: ReportOptions = {}): Diagnostic {
  const result: Diagnostic = {
    code: def.code,
    severity: options.severity ?? def.severity,
    message,
    file: at.file,
    line: at.line,
    col: at.col,
    endLine: at.endLine,
    endCol: at.endCol,
    path: at.path,
    hint: options.hint ?? def.hint,
  };
  if (options.related && options.related.length > 0) result.related = options.related;
  return result;
}

export function toPointer(path: readonly (string | number)[]): string {
  return path.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.col - b.col ||
    severityRank[a.severity] - severityRank[b.severity] ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  );
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank[severity] <= severityRank[threshold];
}
