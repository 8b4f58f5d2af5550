/**
 * The one ajv instance sluice validates with: strict mode, all errors, the Kubernetes
 * number formats with their ranges, and the Kubernetes schema extensions as keywords.
 */
import { Ajv } from 'ajv';
import type { AnySchemaObject, CodeOptions, ErrorObject, FuncKeywordDefinition } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { re2RegExp } from '../re2/index.ts';
import { objectMetaSchema } from './envelope.ts';

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module namespace.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };

function intRange(min: number, max: number) {
  return (value: number) => Number.isInteger(value) && value >= min && value <= max;
}

/** The params of a duplicate-key error raised by `x-kubernetes-list-map-keys`. */
export interface DuplicateKeyParams {
  keys: string[];
  values: unknown[];
  index: number;
  firstIndex: number;
}

type DataValidateFunction = ReturnType<NonNullable<FuncKeywordDefinition['compile']>>;

function listMapKeys(keys: string[], parentSchema: AnySchemaObject): DataValidateFunction {
  const items = (parentSchema.items ?? {}) as AnySchemaObject;
  const itemProps = (items.properties ?? {}) as Record<string, AnySchemaObject>;
  // A key that is missing takes its default, as the API server defaults it before comparing.
  const defaults = keys.map((key) => itemProps[key]?.default);
  const validate: DataValidateFunction = (data: unknown) => {
    if (!Array.isArray(data) || data.length < 2) return true;
    const seen = new Map<string, number>();
    const errors: Partial<ErrorObject>[] = [];
    data.forEach((item: unknown, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
      const record = item as Record<string, unknown>;
      const values = keys.map((key, i) => record[key] ?? defaults[i]);
      // An entry without a key value is reported as missing a required property instead.
      if (values.some((v) => v === undefined)) return;
      const id = JSON.stringify(values);
      const firstIndex = seen.get(id);
      if (firstIndex === undefined) seen.set(id, index);
      else {
        const params: DuplicateKeyParams = { keys, values, index, firstIndex };
        errors.push({ keyword: 'x-kubernetes-list-map-keys', params: params as unknown as Record<string, unknown> });
      }
    });
    if (errors.length === 0) return true;
    validate.errors = errors;
    return false;
  };
  return validate;
}

/** A fresh ajv with everything sluice's schemas use. One per process is enough; see registry.ts. */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    allowUnionTypes: true,
    verbose: true,
    messages: false,
    // Referenced sub-schemas are compiled once as functions instead of inlined at every use.
    inlineRefs: false,
    // Every pattern upstream is RE2 syntax; a test checks each one compiles identically with the `u` flag.
    unicodeRegExp: true,
    code: { optimize: true, regExp: re2RegExp as unknown as CodeOptions['regExp'] },
  });
  addFormats(ajv, ['date-time', 'date', 'time', 'byte', 'ipv4', 'ipv6', 'uri', 'hostname', 'uuid', 'email', 'int32', 'int64', 'float', 'double', 'password', 'binary']);
  // Kubernetes number formats ajv-formats lacks. int64 from ajv-formats accepts every safe integer.
  ajv.addFormat('uint32', { type: 'number', validate: intRange(UINT32.min, UINT32.max) });
  ajv.addFormat('uint64', { type: 'number', validate: intRange(0, Number.MAX_SAFE_INTEGER) });
  ajv.addFormat('int32', { type: 'number', validate: intRange(INT32.min, INT32.max) });

  // CEL rules are evaluated by cel.ts, not by ajv; ajv only has to accept the keyword.
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array' });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-map-keys',
    type: 'array',
    schemaType: 'array',
    errors: true,
    compile: (keys: string[], parentSchema) => listMapKeys(keys, parentSchema),
  });
  ajv.addSchema(objectMetaSchema);
  return ajv;
}
