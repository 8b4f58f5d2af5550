import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineCode } from '../../compiler/diagnostics/index.ts';
import { diag } from '../testing.ts';
import { checkSarif } from './sarif-check.ts';
import { formatSarif, SARIF_SCHEMA } from './sarif.ts';

// Codes in a range no real stage uses, so they cannot clash with the compiler's.
const HOST = defineCode({ code: 'SLU9101', stage: 'networking', severity: 'error', title: 'Host not found', hint: 'Add a ServiceEntry.', istio: 'IST0101 ReferencedResourceNotFound' });
const PORT = defineCode({ code: 'SLU9102', stage: 'networking', severity: 'warning', title: 'Port unnamed', hint: 'Name the port.' });
defineCode({ code: 'SLU9103', stage: 'networking', severity: 'error', title: 'Never reported', hint: 'n/a' });

const tool = { name: 'sluice', version: '0.1.0', informationUri: 'https://example.test/sluice' };
const options = { cwd: '/repo', root: '/repo', tool };

interface Log {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri?: string; rules: { id: string; shortDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string }; properties: Record<string, unknown> }[] } };
    columnKind: string;
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: Record<string, number> } }[];
      relatedLocations?: { id: number; message: { text: string }; physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> } }[];
    }[];
  }[];
}

function render(...diagnostics: Parameters<typeof diag>[0][]): Log {
  const out = formatSarif({ diagnostics: diagnostics.map(diag), files: new Map(), documentCount: 1, fileCount: 1 }, options);
  assert.ok(out.endsWith('\n'));
  return JSON.parse(out) as Log;
}

describe('sarif format', () => {
  it('is a valid SARIF 2.1.0 log with one run', () => {
    const log = render(
      { code: HOST.code, file: 'policies/vs.yaml', line: 4, col: 9, endLine: 4, endCol: 16, message: 'host "ratings" not found', hint: HOST.hint },
      {
        code: PORT.code,
        severity: 'warning',
        file: 'policies/svc.yaml',
        line: 2,
        col: 3,
        endLine: 5,
        endCol: 1,
        hint: PORT.hint,
        related: [{ message: 'first defined here', file: 'policies/other.yaml', line: 1, col: 1, endLine: 1, endCol: 4 }],
      },
      { code: 'SLU9199', severity: 'info', file: 'policies/x.yaml', line: 1, col: 1 },
    );
    assert.deepEqual(checkSarif(log), []);
    assert.equal(log.$schema, SARIF_SCHEMA);
    assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.name, 'sluice');
    assert.equal(run.tool.driver.informationUri, 'https://example.test/sluice');
    assert.equal(run.columnKind, 'utf16CodeUnits');
  });

  it('has a rule for each code that occurs, from the code registry', () => {
    const log = render({ code: PORT.code, severity: 'warning' }, { code: HOST.code }, { code: HOST.code, line: 3 });
    const rules = log.runs[0]!.tool.driver.rules;
    assert.deepEqual(rules.map((r) => r.id), ['SLU9101', 'SLU9102']);
    assert.deepEqual(rules[0], {
      id: 'SLU9101',
      shortDescription: { text: 'Host not found' },
      help: { text: 'Add a ServiceEntry.' },
      defaultConfiguration: { level: 'error' },
      properties: { stage: 'networking', istio: 'IST0101 ReferencedResourceNotFound' },
    });
    assert.equal(rules[1]?.defaultConfiguration.level, 'warning');
  });

  it('maps each diagnostic to a result with level, message, region and related locations', () => {
    const log = render(
      { code: HOST.code, file: 'policies/vs.yaml', line: 4, col: 9, endLine: 4, endCol: 16, message: 'not found', hint: HOST.hint },
      {
        code: PORT.code,
        severity: 'warning',
        file: 'policies/svc.yaml',
        line: 2,
        col: 3,
        endLine: 5,
        endCol: 1,
        message: 'unnamed',
        hint: 'a hint just for this one',
        related: [{ message: 'first defined here', file: '/repo/policies/other.yaml', line: 1, col: 1, endLine: 1, endCol: 4 }],
      },
      { code: HOST.code, severity: 'info', line: 7 },
    );
    const [first, second, third] = log.runs[0]!.results;
    assert.deepEqual(first, {
      ruleId: 'SLU9101',
      ruleIndex: 0,
      level: 'error',
      message: { text: 'not found' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'policies/vs.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 4, startColumn: 9, endLine: 4, endColumn: 16 } } }],
    });
    assert.equal(second?.level, 'warning');
    assert.equal(second?.ruleIndex, 1);
    assert.equal(second?.message.text, 'unnamed\nhint: a hint just for this one');
    assert.deepEqual(second?.locations[0]?.physicalLocation.region, { startLine: 2, startColumn: 3, endLine: 5, endColumn: 1 });
    assert.deepEqual(second?.relatedLocations, [
      {
        id: 1,
        physicalLocation: { artifactLocation: { uri: 'policies/other.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 4 } },
        message: { text: 'first defined here' },
      },
    ]);
    assert.equal(third?.level, 'note');
  });

  it('makes URIs relative to the repository root and percent-encodes them', () => {
    const log = formatSarif(
      { diagnostics: [diag({ file: 'my policies/a#1:x.yaml' })], files: new Map(), documentCount: 1, fileCount: 1 },
      { cwd: '/repo/sub', root: '/repo', tool },
    );
    const parsed = JSON.parse(log) as Log;
    assert.equal(parsed.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri, 'sub/my%20policies/a%231%3Ax.yaml');
    assert.deepEqual(checkSarif(parsed), []);
  });

  it('turns an empty range into one character, and points a whole-file finding at its first line (code scanning needs a startLine)', () => {
    const log = render({ code: HOST.code, line: 3, col: 5, endLine: 3, endCol: 5 }, { code: HOST.code, file: 'b.yaml', line: 0, col: 0, endLine: 0, endCol: 0 });
    const [empty, whole] = log.runs[0]!.results;
    assert.deepEqual(empty?.locations[0]?.physicalLocation.region, { startLine: 3, startColumn: 5, endLine: 3, endColumn: 6 });
    assert.deepEqual(whole?.locations[0]?.physicalLocation.region, { startLine: 1 });
    assert.deepEqual(checkSarif(log), []);
  });

  it('is an empty run when clean', () => {
    const log = render();
    assert.deepEqual(log.runs[0]!.results, []);
    assert.deepEqual(log.runs[0]!.tool.driver.rules, []);
    assert.deepEqual(checkSarif(log), []);
  });

  it('has a checker that catches what matters', () => {
    const log = render({ code: HOST.code });
    const run = log.runs[0]!;
    run.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'file:///abs/a.yaml';
    run.results[0]!.ruleId = 'SLU0000';
    (run.results[0] as { level: string }).level = 'info';
    run.results[0]!.locations[0]!.physicalLocation.region = { startLine: 0 };
    (log as { version: string }).version = '2.0.0';
    const problems = checkSarif(log);
    for (const needle of ['log.version', '.ruleId', '.level', 'artifactLocation.uri', 'region.startLine']) {
      assert.ok(problems.some((p) => p.includes(needle)), `reports ${needle}: ${problems.join('; ')}`);
    }
  });
});
