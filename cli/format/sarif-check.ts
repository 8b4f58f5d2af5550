// A small structural check of a SARIF 2.1.0 log: the properties the schema requires and the
// constraints GitHub code scanning relies on, for the objects sluice emits. Used by tests.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}

/** Returns what is wrong with `log` (empty when it is fine). */
export function checkSarif(log: unknown): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!isObject(log)) return ['log: not an object'];
  if (log.version !== '2.1.0') fail('log.version', 'must be "2.1.0"');
  if (typeof log.$schema !== 'string' || !/^https:\/\//.test(log.$schema)) fail('log.$schema', 'must be an https URI');
  if (!Array.isArray(log.runs)) return [...problems, 'log.runs: must be an array'];

  log.runs.forEach((run: unknown, r) => {
    const at = `runs[${r}]`;
    if (!isObject(run)) return fail(at, 'not an object');
    const driver = isObject(run.tool) && isObject(run.tool.driver) ? run.tool.driver : undefined;
    if (!driver) return fail(`${at}.tool.driver`, 'required');
    if (typeof driver.name !== 'string' || driver.name === '') fail(`${at}.tool.driver.name`, 'required string');
    if (driver.informationUri !== undefined && (typeof driver.informationUri !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(driver.informationUri))) {
      fail(`${at}.tool.driver.informationUri`, 'must be an absolute URI');
    }
    const rules = driver.rules === undefined ? [] : driver.rules;
    if (!Array.isArray(rules)) return fail(`${at}.tool.driver.rules`, 'must be an array');
    const ruleIds = new Set<string>();
    rules.forEach((rule: unknown, i) => {
      const where = `${at}.tool.driver.rules[${i}]`;
      if (!isObject(rule) || typeof rule.id !== 'string') return fail(where, 'needs a string id');
      if (ruleIds.has(rule.id)) fail(where, `duplicate rule id ${rule.id}`);
      ruleIds.add(rule.id);
      for (const key of ['shortDescription', 'fullDescription', 'help'] as const) {
        const message = rule[key];
        if (message !== undefined && !(isObject(message) && typeof message.text === 'string')) fail(`${where}.${key}`, 'must have text');
      }
      const config = rule.defaultConfiguration;
      if (config !== undefined && !(isObject(config) && ['none', 'note', 'warning', 'error'].includes(String(config.level)))) {
        fail(`${where}.defaultConfiguration.level`, 'must be none, note, warning or error');
      }
    });
    if (run.columnKind !== undefined && !['utf16CodeUnits', 'unicodeCodePoints'].includes(String(run.columnKind))) fail(`${at}.columnKind`, 'invalid');
    if (!Array.isArray(run.results)) return fail(`${at}.results`, 'must be an array');

    run.results.forEach((result: unknown, i) => {
      const where = `${at}.results[${i}]`;
      if (!isObject(result)) return fail(where, 'not an object');
      if (!isObject(result.message) || typeof result.message.text !== 'string') fail(`${where}.message.text`, 'required string');
      if (typeof result.ruleId !== 'string' || !ruleIds.has(result.ruleId)) fail(`${where}.ruleId`, 'must name a rule of the driver');
      if (result.ruleIndex !== undefined && (rules[result.ruleIndex as number] as Json | undefined)?.id !== result.ruleId) {
        fail(`${where}.ruleIndex`, 'must point at the rule named by ruleId');
      }
      if (!['none', 'note', 'warning', 'error'].includes(String(result.level))) fail(`${where}.level`, 'must be none, note, warning or error');
      if (!Array.isArray(result.locations) || result.locations.length === 0) fail(`${where}.locations`, 'needs at least one location');
      const locations = [
        ...((Array.isArray(result.locations) ? result.locations : []) as unknown[]).map((l, j) => [`${where}.locations[${j}]`, l] as const),
        ...((Array.isArray(result.relatedLocations) ? result.relatedLocations : []) as unknown[]).map((l, j) => [`${where}.relatedLocations[${j}]`, l] as const),
      ];
      for (const [lw, location] of locations) checkLocation(lw, location, fail);
    });
  });
  return problems;
}

function checkLocation(where: string, location: unknown, fail: (where: string, what: string) => void): void {
  if (!isObject(location) || !isObject(location.physicalLocation)) return fail(where, 'needs a physicalLocation');
  if (location.id !== undefined && !(Number.isInteger(location.id) && (location.id as number) >= -1)) fail(`${where}.id`, 'must be an integer');
  if (location.message !== undefined && !(isObject(location.message) && typeof location.message.text === 'string')) fail(`${where}.message`, 'must have text');
  const physical = location.physicalLocation;
  const artifact = physical.artifactLocation;
  if (!isObject(artifact) || typeof artifact.uri !== 'string') return fail(`${where}.physicalLocation.artifactLocation.uri`, 'required');
  const uri = artifact.uri;
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) fail(`${where}.artifactLocation.uri`, `must be relative, got ${uri}`);
  if (/[\s\\%](?![0-9A-F]{2})/i.test(uri.replace(/%[0-9A-F]{2}/gi, ''))) fail(`${where}.artifactLocation.uri`, `must be a URI reference, got ${uri}`);
  if (physical.region === undefined) return;
  if (!isObject(physical.region)) return fail(`${where}.region`, 'not an object');
  const { startLine, startColumn, endLine, endColumn } = physical.region;
  if (!isPositiveInt(startLine)) fail(`${where}.region.startLine`, 'must be an integer >= 1');
  for (const [key, value] of Object.entries({ startColumn, endLine, endColumn })) {
    if (value !== undefined && !isPositiveInt(value)) fail(`${where}.region.${key}`, 'must be an integer >= 1');
  }
  if (isPositiveInt(endLine) && isPositiveInt(startLine) && endLine < startLine) fail(`${where}.region.endLine`, 'before startLine');
  if (endLine === startLine && isPositiveInt(endColumn) && isPositiveInt(startColumn) && endColumn < startColumn) {
    fail(`${where}.region.endColumn`, 'before startColumn');
  }
}
