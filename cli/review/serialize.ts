import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import type { ReviewReport } from './report.ts';
import { reviewCounts } from './report.ts';

/** The JSON form of a review, as `sluice review --format json` prints it. */
export interface ReviewJson {
  format: 'sluice-review/v1';
  path: string;
  base: ReviewReport['base'] & { errors: number };
  head: ReviewReport['head'];
  summary: { errors: number; warnings: number; infos: number; changed: boolean };
  diagnostics: ReviewReport['diagnostics'];
  diff: ReviewReport['diff'];
}

export function toReviewJson(report: ReviewReport): ReviewJson {
  const counts = reviewCounts(report);
  return {
    format: 'sluice-review/v1',
    path: report.path,
    base: { ...report.base, errors: report.baseErrors },
    head: report.head,
    summary: { ...counts, changed: report.diff.services.length > 0 || report.diff.access.length > 0 },
    diagnostics: report.diagnostics,
    diff: report.diff,
  };
}

export function fromReviewJson(json: ReviewJson): ReviewReport {
  const { errors, ...base } = json.base;
  return { path: json.path, base, head: json.head, diagnostics: json.diagnostics, baseErrors: errors, diff: json.diff };
}

/**
 * A digest of what a review says, without where it was computed (commit shas, revision
 * names, run links): a new commit or a re-run that changes nothing has the same digest, so
 * the sticky comment is left alone.
 */
export function reviewDigest(report: ReviewReport, salt: string): string {
  const content = JSON.stringify([salt, report.path, report.head.documentCount, report.head.fileCount, report.baseErrors, report.diagnostics, report.diff]);
  return createHash('sha256').update(content).digest('hex').slice(0, 32);
}

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const location = { type: 'object', required: ['side', 'file', 'line'], properties: { side: { enum: ['base', 'head'] }, file: str, line: int, col: int } } as const;
const fraction = { type: 'object', required: ['num', 'den', 'percent'], properties: { num, den: num, percent: num } } as const;
const split = { type: 'array', items: { type: 'object', required: ['label', 'share'], properties: { label: str, share: fraction } } } as const;
const fields = { type: 'array', items: { type: 'object', required: ['field', 'before', 'after'], properties: { field: str, before: str, after: str } } } as const;
const routeView = { type: 'object', required: ['destinations', 'settings'], properties: { destinations: split, settings: { type: 'object', additionalProperties: str } } } as const;
const grants = { type: 'array', items: { type: 'object', required: ['text'], properties: { text: str } } } as const;
const access = {
  type: 'object',
  required: ['allow', 'deny', 'custom'],
  properties: { allow: { anyOf: [{ enum: ['anyone', 'no one'] }, grants] }, deny: grants, custom: { type: 'array', items: str } },
} as const;
const mtls = { type: 'object', required: ['text'], properties: { text: str } } as const;
const diagnostic = {
  type: 'object',
  required: ['code', 'severity', 'message', 'file', 'line', 'col', 'endLine', 'endCol'],
  properties: { code: { type: 'string', pattern: '^SLU[0-9]{4}$' }, severity: { enum: ['error', 'warning', 'info'] }, message: str, file: str, line: int, col: int, endLine: int, endCol: int, path: str, hint: str },
} as const;
const side = { type: 'object', required: ['revision', 'commit', 'subject', 'documentCount', 'fileCount'], properties: { revision: str, commit: str, subject: str, documentCount: int, fileCount: int } } as const;

const schema = {
  type: 'object',
  required: ['format', 'path', 'base', 'head', 'diagnostics', 'diff'],
  properties: {
    format: { const: 'sluice-review/v1' },
    path: str,
    base: { ...side, required: [...side.required, 'errors'], properties: { ...side.properties, errors: int } },
    head: side,
    diagnostics: { type: 'array', items: diagnostic },
    diff: {
      type: 'object',
      required: ['services', 'access'],
      properties: {
        services: {
          type: 'array',
          items: {
            type: 'object',
            required: ['title', 'routes', 'rerouted', 'clusters'],
            properties: {
              title: str,
              traffic: {
                type: 'object',
                required: ['before', 'after', 'shares'],
                properties: {
                  before: split,
                  after: split,
                  shares: { type: 'array', items: { type: 'object', required: ['label', 'before', 'after'], properties: { label: str, before: fraction, after: fraction } } },
                },
              },
              routes: {
                type: 'array',
                items: { type: 'object', required: ['change', 'title', 'fields', 'location'], properties: { change: { enum: ['added', 'removed', 'changed'] }, title: str, before: routeView, after: routeView, fields, location } },
              },
              rerouted: { type: 'array', items: { type: 'object', required: ['requests', 'before', 'after'], properties: { requests: str, match: str, before: split, after: split, partial: { type: 'boolean' } } } },
              clusters: {
                type: 'array',
                items: { type: 'object', required: ['change', 'fields', 'location'], properties: { change: { enum: ['added', 'removed', 'changed'] }, subset: str, fields, location } },
              },
            },
          },
        },
        access: {
          type: 'array',
          items: {
            type: 'object',
            required: ['subject', 'location'],
            properties: {
              subject: { type: 'object', required: ['kind', 'name'], properties: { kind: str, name: str } },
              access: { type: 'object', required: ['before', 'after'], properties: { before: access, after: access } },
              mtls: { type: 'object', required: ['before', 'after'], properties: { before: mtls, after: mtls } },
              location,
            },
          },
        },
      },
    },
  },
} as const;

let validate: ReturnType<Ajv['compile']> | undefined;

/**
 * Reads a review written by `toReviewJson`. The file may come from an artifact a fork's
 * workflow uploaded, so its shape is checked before anything renders it; a bad file is
 * an Error whose message says where it is wrong.
 */
export function parseReviewJson(text: string): ReviewReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  return reviewFromData(data);
}

/** `parseReviewJson` for data already parsed. */
export function reviewFromData(data: unknown): ReviewReport {
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(schema);
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new Error(`not a sluice review: ${first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'invalid'}`);
  }
  return fromReviewJson(data as ReviewJson);
}
