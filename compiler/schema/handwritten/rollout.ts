/**
 * sluice's own `rollouts.sluice.dev/v1alpha1 Rollout`: a traffic-only canary. Closed
 * everywhere: an unknown property is an error.
 *
 *   spec:
 *     target: {virtualService: reviews, route: primary}   # route: name (string) or index (integer)
 *     stableSubset: v1
 *     canarySubset: v2
 *     steps:                                 # each step has exactly one key
 *       - setWeight: 10                      # 0..100
 *       - pause: {duration: 2m}              # no duration: wait for a human
 *       - analysis: {templates: [{templateName: success-rate, clusterScope: false}], args: [{name: x, value: y}]}
 *       - setHeaderRoute: {name: canary-header, match: [{headerName: x-canary, headerValue: {exact: "1"}}]}
 *       - setMirrorRoute: {name: mirror, percentage: 20}
 *     analysis: {templates: [...], args: [...], startingStep: 1}   # background analysis
 *     progressDeadline: 10m
 *     ackDeadline: 30s
 *     windows: ["* 9-17 * * 1-5"]
 *     promotion: {mode: commit, recordRollback: true}             # commit | pull-request | none
 */
import type { JsonSchema } from '../convert.ts';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, OBJECT_META_ID } from '../envelope.ts';

/** A Go duration string ("30s", "1m30s", "1.5h"); units ns, us, µs, ms, s, m, h. */
export const GO_DURATION = '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))*$';

/** A cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first. */
export const CRON = '^\\s*[0-9A-Za-z*?,/#-]+(\\s+[0-9A-Za-z*?,/#-]+){4,5}\\s*$';

const positiveDuration = (): JsonSchema => ({
  type: 'string',
  pattern: GO_DURATION,
  'x-kubernetes-validations': [{ rule: "duration(self) > duration('0s')", message: 'must be a duration greater than 0' }],
});

const percent: JsonSchema = { type: 'integer', minimum: 0, maximum: 100 };

const analysisTemplateRef: JsonSchema = {
  type: 'object',
  required: ['templateName'],
  properties: {
    templateName: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN },
    clusterScope: { type: 'boolean' },
  },
  additionalProperties: false,
};

const analysisArg: JsonSchema = {
  type: 'object',
  required: ['name', 'value'],
  properties: {
    name: { type: 'string', minLength: 1 },
    value: { type: 'string' },
  },
  additionalProperties: false,
};

const analysisProps = (): Record<string, JsonSchema> => ({
  templates: { type: 'array', minItems: 1, items: analysisTemplateRef },
  args: { type: 'array', items: analysisArg, 'x-kubernetes-list-map-keys': ['name'] },
});

const stepAnalysis: JsonSchema = {
  type: 'object',
  required: ['templates'],
  properties: analysisProps(),
  additionalProperties: false,
};

const backgroundAnalysis: JsonSchema = {
  type: 'object',
  required: ['templates'],
  properties: { ...analysisProps(), startingStep: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
};

const headerValue: JsonSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  properties: {
    exact: { type: 'string' },
    prefix: { type: 'string', minLength: 1 },
    regex: { type: 'string', minLength: 1, maxLength: 1024 },
  },
  additionalProperties: false,
};

const routeName: JsonSchema = { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL };

const step: JsonSchema = {
  type: 'object',
  // Exactly one of the step keys.
  minProperties: 1,
  maxProperties: 1,
  properties: {
    setWeight: percent,
    pause: {
      type: 'object',
      properties: { duration: positiveDuration() },
      additionalProperties: false,
    },
    analysis: stepAnalysis,
    setHeaderRoute: {
      type: 'object',
      required: ['match'],
      properties: {
        name: routeName,
        match: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['headerName', 'headerValue'],
            properties: {
              headerName: { type: 'string', minLength: 1, pattern: '^[-_A-Za-z0-9]+$' },
              headerValue: headerValue,
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    setMirrorRoute: {
      type: 'object',
      required: ['percentage'],
      properties: {
        name: routeName,
        percentage: { type: 'number', minimum: 0, maximum: 100 },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

export const rolloutSchema: JsonSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: OBJECT_META_ID },
    spec: {
      type: 'object',
      required: ['target', 'stableSubset', 'canarySubset', 'steps'],
      properties: {
        target: {
          type: 'object',
          required: ['virtualService'],
          properties: {
            virtualService: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN },
            route: { type: ['string', 'integer'], minLength: 1, minimum: 0 },
          },
          additionalProperties: false,
        },
        stableSubset: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
        canarySubset: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
        steps: { type: 'array', minItems: 1, items: step },
        analysis: backgroundAnalysis,
        progressDeadline: positiveDuration(),
        ackDeadline: positiveDuration(),
        windows: { type: 'array', items: { type: 'string', pattern: CRON } },
        promotion: {
          type: 'object',
          required: ['mode'],
          properties: {
            mode: { type: 'string', enum: ['commit', 'pull-request', 'none'] },
            recordRollback: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
      'x-kubernetes-validations': [
        { rule: 'self.stableSubset != self.canarySubset', message: 'canarySubset must differ from stableSubset', fieldPath: '.canarySubset' },
        {
          rule: '!has(self.analysis) || !has(self.analysis.startingStep) || self.analysis.startingStep < size(self.steps)',
          message: 'analysis.startingStep must be the index of one of the steps',
          fieldPath: '.analysis.startingStep',
        },
      ],
    },
    status: { type: 'object' },
  },
  additionalProperties: false,
};
