/**
 * Structural OpenAPI v3 (the dialect of CustomResourceDefinition schemas) → JSON Schema
 * (draft-07) that ajv compiles in strict mode.
 *
 * Used by `scripts/gen-schemas.ts`; kept here, next to the code that consumes its output,
 * so the mapping rules and the validator that relies on them live side by side.
 *
 * The mapping:
 * - `description`, `title`, `example`, `externalDocs`, `x-kubernetes-map-type` are dropped.
 * - `x-kubernetes-int-or-string` → `type: [integer, string]` (the `anyOf` that spells the
 *   same thing is dropped).
 * - `nullable: true` → `null` added to `type`.
 * - OpenAPI's boolean `exclusiveMinimum`/`exclusiveMaximum` → draft-07's numeric form.
 * - An object with `properties` and without `x-kubernetes-preserve-unknown-fields` gets
 *   `additionalProperties: false`: the API server prunes unknown fields silently, sluice
 *   reports them (that is how a typo like `weigth` is caught).
 * - An object with neither `properties`, `additionalProperties` nor preserve-unknown-fields
 *   would be pruned to `{}` by the API server: it accepts no properties.
 * - `x-kubernetes-list-type: set` → `uniqueItems: true`; `map` → the custom keyword
 *   `x-kubernetes-list-map-keys` (duplicate keys are rejected, as the API server does).
 * - `x-kubernetes-validations` (CEL rules) are kept for the CEL evaluator.
 * Any keyword not listed here makes the conversion throw, so a new upstream construct is
 * noticed by the generator rather than silently mistranslated.
 */

export type JsonSchema = { [keyword: string]: unknown };

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

type OpenApi = { [keyword: string]: unknown };

const DROPPED = new Set(['description', 'title', 'example', 'externalDocs', 'x-kubernetes-map-type']);
const COPIED = new Set([
  'enum',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
  'default',
]);
const HANDLED = new Set([
  'type',
  'nullable',
  'properties',
  'items',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
]);
const RULE_FIELDS = new Set(['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf']);

function isObject(value: unknown): value is OpenApi {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new Error(`cannot convert schema at ${path || '<root>'}: ${message}`);
}

function isIntOrStringPair(anyOf: unknown): boolean {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return false;
  const types = anyOf.map((branch) => (isObject(branch) && Object.keys(branch).length === 1 ? branch.type : undefined));
  return types.includes('integer') && types.includes('string');
}

function convertRules(value: unknown, path: string): CelRule[] {
  if (!Array.isArray(value)) fail(path, 'x-kubernetes-validations is not a list');
  return value.map((entry, i) => {
    if (!isObject(entry) || typeof entry.rule !== 'string') fail(`${path}/x-kubernetes-validations/${i}`, 'rule without `rule` text');
    for (const key of Object.keys(entry)) if (!RULE_FIELDS.has(key)) fail(path, `unknown field ${key} in x-kubernetes-validations`);
    const rule: CelRule = { rule: entry.rule };
    if (typeof entry.message === 'string') rule.message = entry.message;
    if (typeof entry.messageExpression === 'string') rule.messageExpression = entry.messageExpression;
    if (typeof entry.fieldPath === 'string') rule.fieldPath = entry.fieldPath;
    if (typeof entry.reason === 'string') rule.reason = entry.reason;
    if (typeof entry.optionalOldSelf === 'boolean') rule.optionalOldSelf = entry.optionalOldSelf;
    return rule;
  });
}

/**
 * Converts one structural schema node (and everything under it). `siblings` are the
 * properties of the object a combinator branch applies to (see `declareRequired`).
 */
export function convertSchema(node: unknown, path = '', siblings?: ReadonlySet<string>): JsonSchema {
  if (!isObject(node)) fail(path, 'schema is not an object');
  for (const key of Object.keys(node)) {
    if (!DROPPED.has(key) && !COPIED.has(key) && !HANDLED.has(key)) fail(path, `unsupported keyword ${key}`);
  }
  const out: JsonSchema = {};
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;

  let types: string[] | undefined;
  if (intOrString) types = ['integer', 'string'];
  else if (typeof node.type === 'string') types = [node.type];
  else if (node.type !== undefined) fail(path, `type must be a string, got ${JSON.stringify(node.type)}`);
  if (types && node.nullable === true) types = [...types, 'null'];
  if (types) out.type = types.length === 1 ? types[0] : types;

  for (const key of Object.keys(node)) {
    if (COPIED.has(key)) out[key] = structuredClone(node[key]);
  }
  if (node.exclusiveMinimum === true) {
    if (typeof node.minimum !== 'number') fail(path, 'exclusiveMinimum without minimum');
    out.exclusiveMinimum = node.minimum;
    delete out.minimum;
  }
  if (node.exclusiveMaximum === true) {
    if (typeof node.maximum !== 'number') fail(path, 'exclusiveMaximum without maximum');
    out.exclusiveMaximum = node.maximum;
    delete out.maximum;
  }

  const isObjectType = types?.includes('object') ?? false;
  if (node.properties !== undefined) {
    if (!isObject(node.properties)) fail(path, 'properties is not a map');
    const properties: JsonSchema = {};
    for (const [name, child] of Object.entries(node.properties)) {
      properties[name] = convertSchema(child, `${path}/properties/${name}`);
    }
    out.properties = properties;
  }
  if (node.additionalProperties !== undefined) {
    if (node.properties !== undefined) fail(path, 'both properties and additionalProperties');
    out.additionalProperties =
      typeof node.additionalProperties === 'boolean' ? node.additionalProperties : convertSchema(node.additionalProperties, `${path}/additionalProperties`);
  } else if (isObjectType && !preserve) {
    // Listed properties only; an object with no properties at all accepts none.
    out.additionalProperties = false;
  }
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) fail(path, 'tuple items are not structural');
    out.items = convertSchema(node.items, `${path}/items`);
  }

  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = node[combinator];
    if (branches === undefined) continue;
    if (!Array.isArray(branches)) fail(path, `${combinator} is not a list`);
    if (combinator === 'anyOf' && intOrString && isIntOrStringPair(branches)) continue;
    out[combinator] = branches.map((branch, i) => inheritTypes(convertSchema(branch, `${path}/${combinator}/${i}`, branchSiblings(node, siblings)), out));
  }
  if (node.not !== undefined) out.not = convertSchema(node.not, `${path}/not`, branchSiblings(node, siblings));
  if (siblings) declareRequired(out, siblings);

  const listType = node['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (listType === 'set') out.uniqueItems = true;
    else if (listType === 'map') {
      const keys = node['x-kubernetes-list-map-keys'];
      if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) fail(path, 'list-type map without list-map-keys');
      out['x-kubernetes-list-map-keys'] = [...keys];
    } else if (listType !== 'atomic') fail(path, `unknown x-kubernetes-list-type ${String(listType)}`);
  } else if (node['x-kubernetes-list-map-keys'] !== undefined) {
    fail(path, 'x-kubernetes-list-map-keys without x-kubernetes-list-type: map');
  }

  if (node['x-kubernetes-validations'] !== undefined) {
    out['x-kubernetes-validations'] = convertRules(node['x-kubernetes-validations'], path);
  }
  return out;
}

/**
 * A structural schema states each type once, outside its anyOf/oneOf/allOf branches; ajv's
 * strict mode wants a branch (and the properties it constrains) that uses type-specific
 * keywords, such as `format`, to state the type too. Copies it in from the structural side.
 */
function inheritTypes(branch: JsonSchema, structural: JsonSchema | undefined): JsonSchema {
  if (!structural) return branch;
  if (branch.type === undefined && structural.type !== undefined && Object.keys(branch).some((k) => k !== 'required' && k !== 'not')) {
    branch.type = structural.type;
  }
  const properties = branch.properties;
  const structuralProperties = structural.properties;
  if (isObject(properties) && isObject(structuralProperties)) {
    for (const [name, sub] of Object.entries(properties)) {
      if (isObject(sub)) inheritTypes(sub as JsonSchema, structuralProperties[name] as JsonSchema | undefined);
    }
  }
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    const subs = branch[combinator];
    if (Array.isArray(subs)) for (const sub of subs) if (isObject(sub)) inheritTypes(sub as JsonSchema, branch);
  }
  return branch;
}

function branchSiblings(node: OpenApi, inherited: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  return isObject(node.properties) ? new Set(Object.keys(node.properties)) : inherited;
}

/**
 * Upstream writes "at most one of a, b" as `oneOf: [{not: {anyOf: [{required: [a]}, ...]}},
 * {required: [a]}, ...]`. ajv's strictRequired only sees `properties` declared in the same
 * schema object, so a branch names the properties it requires with an always-valid `{}`.
 * This changes nothing about what validates.
 */
function declareRequired(branch: JsonSchema, siblings: ReadonlySet<string>): void {
  if (!Array.isArray(branch.required)) return;
  const own = (branch.properties ?? {}) as JsonSchema;
  for (const key of branch.required as string[]) {
    if (own[key] === undefined && siblings.has(key)) own[key] = {};
  }
  if (Object.keys(own).length > 0) branch.properties = own;
}

/** Every key of `value`, recursively, in a stable order: the canonical text used for dedupe. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    const out: OpenApi = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}
