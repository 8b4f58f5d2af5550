import type { CodeDefinition, Severity, SourceRange } from '../../compiler/diagnostics/index.ts';
import { allCodes } from '../../compiler/diagnostics/index.ts';
import { pathToRelativeUri, rootRelative } from './paths.ts';
import type { FormatOptions, Report } from './types.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The base the artifact URIs are relative to; GitHub code scanning resolves it to the checkout. */
export const SRCROOT = '%SRCROOT%';

type SarifLevel = 'error' | 'warning' | 'note';
const level: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * SARIF 2.1.0: one run, a rule for each code that occurs (from the code registry), one
 * result per diagnostic. Columns are UTF-16 code units with an exclusive end, which is
 * SARIF's default and what the diagnostics carry.
 */
export function formatSarif(report: Report, options: Pick<FormatOptions, 'cwd' | 'root' | 'tool'>): string {
  const definitions = new Map(allCodes().map((def) => [def.code, def]));
  const ruleIds = [...new Set(report.diagnostics.map((d) => d.code))].sort();
  const ruleIndex = new Map(ruleIds.map((id, index) => [id, index]));
  const rules = ruleIds.map((id) => rule(id, definitions.get(id)));

  const results = report.diagnostics.map((d) => {
    const def = definitions.get(d.code);
    let text = d.message;
    // The rule's help carries the usual hint; a hint made for this finding goes with it.
    if (d.hint && d.hint !== def?.hint) text += `\nhint: ${d.hint}`;
    const result: Record<string, unknown> = {
      ruleId: d.code,
      ruleIndex: ruleIndex.get(d.code),
      level: level[d.severity],
      message: { text },
      locations: [{ physicalLocation: physicalLocation(d, options) }],
    };
    if (d.related && d.related.length > 0) {
      result.relatedLocations = d.related.map((r, index) => ({
        id: index + 1,
        physicalLocation: physicalLocation(r, options),
        message: { text: r.message || 'related location' },
      }));
    }
    return result;
  });

  const driver: Record<string, unknown> = {
    name: options.tool.name,
    version: options.tool.version,
    semanticVersion: options.tool.version,
  };
  if (options.tool.informationUri) driver.informationUri = options.tool.informationUri;
  driver.rules = rules;

  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver }, columnKind: 'utf16CodeUnits', results }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function rule(id: string, def: CodeDefinition | undefined): Record<string, unknown> {
  if (!def) return { id, shortDescription: { text: id } };
  const properties: Record<string, unknown> = { stage: def.stage };
  if (def.istio) properties.istio = def.istio;
  return {
    id,
    shortDescription: { text: def.title },
    help: { text: def.hint },
    defaultConfiguration: { level: level[def.severity] },
    properties,
  };
}

function physicalLocation(range: SourceRange, options: Pick<FormatOptions, 'cwd' | 'root'>): Record<string, unknown> {
  const uri = pathToRelativeUri(rootRelative(range.file, options.cwd, options.root));
  const location: Record<string, unknown> = { artifactLocation: { uri, uriBaseId: SRCROOT } };
  // GitHub code scanning drops a result without region.startLine, so a finding about a
  // whole file (line 0) points at its first line.
  if (range.line < 1) {
    location.region = { startLine: 1 };
  } else {
    const region: Record<string, number> = { startLine: range.line };
    if (range.col >= 1) region.startColumn = range.col;
    const endLine = range.endLine >= range.line ? range.endLine : range.line;
    region.endLine = endLine;
    if (range.col >= 1 && range.endCol >= 1) {
      // SARIF requires the end to follow the start; an empty range becomes one character.
      region.endColumn = endLine === range.line ? Math.max(range.endCol, range.col + 1) : range.endCol;
    }
    location.region = region;
  }
  return location;
}
