import * as jsYaml from 'js-yaml';
import type { Type as YamlType } from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Document, YAMLError } from 'yaml';
import { diagnostic } from '../diagnostics/index.ts';
import type { CodeDefinition, Diagnostic, Located } from '../diagnostics/index.ts';
import {
  MISSING_NAME,
  MISSING_TYPE,
  NOT_A_MAPPING,
  TOO_MANY_DOCUMENTS,
  YAML_ALIAS_LIMIT,
  YAML_DUPLICATE_KEY,
  YAML_SYNTAX,
  YAML_TAB_INDENT,
  YAML_UNRESOLVED_ALIAS,
  YAML_WARNING,
} from './codes.ts';
import { makeLocator, rangeAt } from './locate.ts';
import type { Locator } from './locate.ts';
import type { PolicyDocument } from './types.ts';

export interface ParseLimits {
  maxAliasCount: number;
  maxDocumentsPerFile: number;
}

const codeForYamlError: Record<string, CodeDefinition> = {
  DUPLICATE_KEY: YAML_DUPLICATE_KEY,
  TAB_AS_INDENT: YAML_TAB_INDENT,
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function yamlProblem(file: string, text: string, lines: LineCounter, problem: YAMLError, fallback: CodeDefinition): Diagnostic {
  const def = codeForYamlError[problem.code] ?? fallback;
  let [start, end] = problem.pos;
  if (start >= text.trimEnd().length) {
    // Problems found at end of input (an unclosed bracket) read better on the last line that has text.
    start = Math.max(0, text.trimEnd().length - 1);
    end = start + 1;
  }
  // yaml's messages end with a source excerpt when prettyErrors is on; it is off, so the text is one sentence.
  let message = problem.message.split('\n')[0] ?? problem.message;
  if (problem.code === 'DUPLICATE_KEY') {
    const key = (/^[^:\n]*/.exec(text.slice(start))?.[0] ?? '').trimEnd();
    if (key.length > 0) end = start + key.length;
    message = `key \`${key || text.slice(start, end)}\` appears twice in this mapping`;
  }
  return diagnostic(def, rangeAt(file, lines, start, end, ''), message);
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Kinds that live outside namespaces: their identity has no namespace. */
const clusterScoped = new Set(['ClusterAnalysisTemplate', 'Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

function toJs(doc: Document, limits: ParseLimits): { data: unknown } | { error: 'aliases' | 'unresolved' | 'other'; message: string } {
  try {
    return { data: doc.toJS({ maxAliasCount: limits.maxAliasCount }) };
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/alias count/i.test(message)) return { error: 'aliases', message };
    if (/unresolved alias/i.test(message)) return { error: 'unresolved', message };
    return { error: 'other', message };
  }
}

/** What the fast path accepts: YAML 1.2 core scalars plus merge keys. */
// js-yaml 4 exports its built-in types at run time; its published typings omit them.
const { merge } = (jsYaml as unknown as { types: { merge: YamlType } }).types;
const fastSchema = jsYaml.CORE_SCHEMA.extend([merge]);

/**
 * Something that may be an alias (`*name` after a separator). js-yaml shares aliased nodes
 * instead of copying them, so an alias bomb would only explode later, in whoever walks the
 * data; files that may hold aliases take the careful path, which counts expansions. A `*`
 * in a comment or a plain scalar can match too: that only costs speed.
 */
const maybeAlias = /(?:^|[\s[{,:])\*[^\s,[\]{}]/;

/**
 * js-yaml reads plain policy files several times faster than yaml's full document model.
 * Anything unusual (an error, an alias, an unknown tag, deep nesting) goes through yaml,
 * which reports the problem with its exact position.
 */
function fastParse(text: string): unknown[] | undefined {
  if (maybeAlias.test(text)) return undefined;
  try {
    return jsYaml.loadAll(text, undefined, { schema: fastSchema });
  } catch {
    return undefined;
  }
}

/** Source positions come from yaml's node ranges, computed for a file only when a finding needs one. */
function lazyLocators(file: string, text: string): (index: number) => Locator {
  let parsed: { docs: Document[]; lines: LineCounter } | undefined;
  const cache = new Map<number, Locator>();
  return (index) => {
    // a position asked for again (a finding reported on every compile) is found once
    let found: Map<string, Located> | undefined;
    return (path, target) => {
      const key = `${target ?? 'value'}\u0000${path.join('\u0000')}`;
      const known = found?.get(key);
      if (known) return { ...known };
      let locate = cache.get(index);
      if (!locate) {
        if (!parsed) {
          const lines = new LineCounter();
          parsed = { docs: parseAllDocuments(text, { lineCounter: lines, merge: true, prettyErrors: false }) as Document[], lines };
        }
        const doc = parsed.docs[index];
        locate = doc ? makeLocator(file, doc, parsed.lines, text) : () => ({ file, line: 1, col: 1, endLine: 1, endCol: 1, path: '' });
        cache.set(index, locate);
      }
      const at = locate(path, target);
      (found ??= new Map()).set(key, at);
      return { ...at };
    };
  };
}

/** Turns one parsed document into a policy document, or a diagnostic saying why it is not one. */
function toPolicyDocument(file: string, index: number, data: unknown, locate: Locator): PolicyDocument | Diagnostic | undefined {
  if (data === null || data === undefined) return undefined;
  if (!isPlainObject(data)) {
    return diagnostic(NOT_A_MAPPING, locate([]), `document ${index + 1} of ${file} is a ${Array.isArray(data) ? 'sequence' : typeof data}, not a mapping`);
  }
  const { apiVersion, kind } = data;
  if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') {
    const missing = typeof apiVersion !== 'string' || apiVersion === '' ? 'apiVersion' : 'kind';
    const present = missing === 'apiVersion' ? 'kind' : 'apiVersion';
    const path = data[missing] === undefined ? (data[present] === undefined ? [] : [present]) : [missing];
    return diagnostic(MISSING_TYPE, locate(path), `document ${index + 1} of ${file} has no valid \`${missing}\` (a non-empty string is required)`);
  }
  const metadata = isPlainObject(data.metadata) ? data.metadata : {};
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    return diagnostic(MISSING_NAME, locate(data.metadata === undefined ? ['kind'] : ['metadata', 'name']), `${kind} in ${file} has no \`metadata.name\``);
  }
  const namespace = clusterScoped.has(kind) ? '' : typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  return { file, index, apiVersion, ...splitApiVersion(apiVersion), kind, name, namespace, data, locate };
}

function collect(out: { documents: PolicyDocument[]; diagnostics: Diagnostic[] }, result: PolicyDocument | Diagnostic | undefined): void {
  if (result === undefined) return;
  if ('code' in result) out.diagnostics.push(result);
  else out.documents.push(result);
}

function tooManyDocuments(file: string, limits: ParseLimits, at: ReturnType<typeof rangeAt>): Diagnostic {
  return diagnostic(TOO_MANY_DOCUMENTS, at, `${file} has more than ${limits.maxDocumentsPerFile} documents; the rest are not read`);
}

/** Parses one decoded file into policy documents. Never throws: every problem is a diagnostic. */
export function parseFile(file: string, text: string, limits: ParseLimits): { documents: PolicyDocument[]; diagnostics: Diagnostic[] } {
  const out = { documents: [] as PolicyDocument[], diagnostics: [] as Diagnostic[] };
  const fast = fastParse(text);
  if (fast) {
    const locators = lazyLocators(file, text);
    fast.forEach((data, index) => {
      if (index < limits.maxDocumentsPerFile) collect(out, toPolicyDocument(file, index, data, locators(index)));
      else if (index === limits.maxDocumentsPerFile) out.diagnostics.push(tooManyDocuments(file, limits, locators(index)([])));
    });
    return out;
  }
  return parseCarefully(file, text, limits, out);
}

/** The slow path: yaml's full document model, with every error, warning and alias accounted for. */
function parseCarefully(file: string, text: string, limits: ParseLimits, out: { documents: PolicyDocument[]; diagnostics: Diagnostic[] }) {
  const { diagnostics } = out;
  const lines = new LineCounter();
  let parsed: Document[];
  try {
    parsed = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true }) as Document[];
  } catch (error) {
    // The parser itself gave up (pathologically deep nesting, for instance).
    diagnostics.push(diagnostic(YAML_SYNTAX, { file, line: 1, col: 1, endLine: 1, endCol: 1, path: '' }, `cannot parse ${file}: ${(error as Error).message}`));
    return out;
  }
  if (!Array.isArray(parsed)) return out;

  parsed.forEach((doc, index) => {
    if (index >= limits.maxDocumentsPerFile) {
      if (index === limits.maxDocumentsPerFile) {
        diagnostics.push(tooManyDocuments(file, limits, rangeAt(file, lines, doc.range?.[0] ?? 0, doc.range?.[0] ?? 0, '')));
      }
      return;
    }
    if (doc.errors.length > 0) {
      // After the first syntax error the parser's later complaints are mostly echoes of it;
      // duplicate keys are independent findings and are all kept.
      const [first] = doc.errors;
      for (const problem of doc.errors) {
        if (problem === first || problem.code === 'DUPLICATE_KEY') diagnostics.push(yamlProblem(file, text, lines, problem, YAML_SYNTAX));
      }
      return;
    }
    for (const problem of doc.warnings) diagnostics.push(yamlProblem(file, text, lines, problem, YAML_WARNING));
    if (doc.contents === null) return; // an empty document (`---` alone, or comments only)

    const locate = makeLocator(file, doc, lines, text);
    const converted = toJs(doc, limits);
    if ('error' in converted) {
      const at = locate([]);
      if (converted.error === 'aliases') {
        diagnostics.push(diagnostic(YAML_ALIAS_LIMIT, at, `document ${index + 1} of ${file} expands more than ${limits.maxAliasCount} aliases; it is not read`));
      } else if (converted.error === 'unresolved') {
        diagnostics.push(diagnostic(YAML_UNRESOLVED_ALIAS, at, converted.message));
      } else {
        diagnostics.push(diagnostic(YAML_SYNTAX, at, `cannot read document ${index + 1} of ${file}: ${converted.message}`));
      }
      return;
    }
    collect(out, toPolicyDocument(file, index, converted.data, locate));
  });
  return out;
}
