import { defineCode } from '../diagnostics/index.ts';

export const UNKNOWN_KIND = defineCode({
  code: 'SLU2001',
  stage: 'schema',
  severity: 'warning',
  title: 'Unknown kind',
  hint: 'sluice has no schema for this kind and ignores the document. If it should be read, check apiVersion and kind for typos (both are case-sensitive).',
});

export const UNKNOWN_VERSION = defineCode({
  code: 'SLU2002',
  stage: 'schema',
  severity: 'error',
  title: 'Unknown apiVersion for a known kind',
  hint: 'The kind exists, but not in this API version. Use one of the versions listed in the message.',
});

export const UNKNOWN_PROPERTY = defineCode({
  code: 'SLU2003',
  stage: 'schema',
  severity: 'error',
  title: 'Unknown property',
  hint: 'The schema of this object does not define the property; the API server would silently drop it. Check its spelling and indentation.',
  istio: 'IST0102 (SchemaValidationError)',
});

export const MISSING_REQUIRED = defineCode({
  code: 'SLU2004',
  stage: 'schema',
  severity: 'error',
  title: 'Missing required property',
  hint: 'Add the property named in the message to this object.',
  istio: 'IST0102 (SchemaValidationError)',
});

export const WRONG_TYPE = defineCode({
  code: 'SLU2005',
  stage: 'schema',
  severity: 'error',
  title: 'Value has the wrong type',
  hint: 'YAML infers types from how a value is written: quote strings that look like numbers or booleans, and leave numbers unquoted.',
  istio: 'IST0102 (SchemaValidationError)',
});

export const NOT_ALLOWED = defineCode({
  code: 'SLU2006',
  stage: 'schema',
  severity: 'error',
  title: 'Value not allowed',
  hint: 'Use one of the values listed in the message (they are case-sensitive).',
  istio: 'IST0102 (SchemaValidationError)',
});

export const BAD_FORMAT = defineCode({
  code: 'SLU2007',
  stage: 'schema',
  severity: 'error',
  title: 'Value does not match the required pattern or format',
  hint: 'Write the value in the form given in the message.',
  istio: 'IST0102 (SchemaValidationError)',
});

export const OUT_OF_RANGE = defineCode({
  code: 'SLU2008',
  stage: 'schema',
  severity: 'error',
  title: 'Value out of range',
  hint: 'Numbers, string lengths and list sizes have limits; keep the value within the bounds in the message.',
  istio: 'IST0102 (SchemaValidationError)',
});

export const DUPLICATE_ENTRY = defineCode({
  code: 'SLU2009',
  stage: 'schema',
  severity: 'error',
  title: 'Duplicate list entry',
  hint: 'Each entry of this list must be unique (by the key named in the message); merge or remove the duplicate.',
});

export const RULE_VIOLATED = defineCode({
  code: 'SLU2010',
  stage: 'schema',
  severity: 'error',
  title: 'Validation rule violated',
  hint: 'The upstream CRD declares this rule (x-kubernetes-validations); the API server rejects objects that break it.',
});

export const RULE_ERROR = defineCode({
  code: 'SLU2011',
  stage: 'schema',
  severity: 'error',
  title: 'Validation rule could not be evaluated on this value',
  hint: 'The API server rejects an object when one of its CEL rules fails to evaluate; the message says why (often a value of the wrong form).',
});

export const MUTUALLY_EXCLUSIVE = defineCode({
  code: 'SLU2012',
  stage: 'schema',
  severity: 'error',
  title: 'Mutually exclusive properties set together',
  hint: 'Keep only one of the properties named in the message.',
  istio: 'IST0102 (SchemaValidationError)',
});

export const NO_MATCHING_SHAPE = defineCode({
  code: 'SLU2013',
  stage: 'schema',
  severity: 'error',
  title: 'Value matches none of the allowed forms',
  hint: 'This value can take several forms; the message lists what each one requires.',
  istio: 'IST0102 (SchemaValidationError)',
});
