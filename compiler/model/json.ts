/**
 * Defensive readers over plain JSON. The model builder takes any JSON (documents with
 * schema errors still reach it), so every read checks the type and skips what is wrong.
 */
import type { Labels } from './types.ts';

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function rec(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number, or an integer written as a string ("9080"), as Kubernetes would coerce. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Strictly a number (no coercion from strings). */
export function numStrict(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Reads `a.b.c` through nested records; undefined as soon as a step is not a record. */
export function dig(value: unknown, ...keys: readonly string[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** A label map: string values kept, numbers and booleans stringified (YAML `version: 1`), the rest dropped. */
const NO_LABELS: Labels = Object.freeze({});

export function labelsOf(value: unknown): Labels {
  if (!isRecord(value)) return NO_LABELS;
  let allStrings = true;
  for (const key in value) {
    if (typeof value[key] !== 'string') {
      allStrings = false;
      break;
    }
  }
  // the common case: the document's own map is already a label map; share it
  if (allStrings) return value as Labels;
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

/** Records only, in order, with their index in the original array. */
export function records(value: unknown): { item: JsonRecord; index: number }[] {
  const out: { item: JsonRecord; index: number }[] = [];
  arr(value).forEach((item, index) => {
    if (isRecord(item)) out.push({ item, index });
  });
  return out;
}

const NO_STRINGS: readonly string[] = Object.freeze([]);

export function strings(value: unknown): readonly string[] {
  if (!Array.isArray(value)) return NO_STRINGS;
  for (const v of value) if (typeof v !== 'string') return value.filter((x): x is string => typeof x === 'string');
  return value as string[];
}

/** The records of an array (the array itself when every item is a record). */
export function recordList(value: unknown): readonly JsonRecord[] {
  if (!Array.isArray(value)) return NO_RECORDS;
  for (const v of value) if (!isRecord(v)) return value.filter(isRecord);
  return value as JsonRecord[];
}
const NO_RECORDS: readonly JsonRecord[] = Object.freeze([]);
