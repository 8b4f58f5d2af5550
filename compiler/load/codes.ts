import { defineCode } from '../diagnostics/index.ts';

export const YAML_SYNTAX = defineCode({
  code: 'SLU1001',
  stage: 'load',
  severity: 'error',
  title: 'YAML syntax error',
  hint: 'Fix the YAML at this position; the rest of the file is not read until it parses.',
});
export const YAML_DUPLICATE_KEY = defineCode({
  code: 'SLU1002',
  stage: 'load',
  severity: 'error',
  title: 'Duplicate key in a YAML mapping',
  hint: 'Keep one of the two keys: Kubernetes would silently keep only the last one.',
});
export const YAML_TAB_INDENT = defineCode({
  code: 'SLU1003',
  stage: 'load',
  severity: 'error',
  title: 'Tab used for indentation',
  hint: 'YAML indentation must use spaces; replace the tab with spaces.',
});
export const YAML_ALIAS_LIMIT = defineCode({
  code: 'SLU1004',
  stage: 'load',
  severity: 'error',
  title: 'Too many YAML alias expansions (alias bomb)',
  hint: 'Write the repeated values out, or use fewer nested aliases; the limit protects the control plane from exponential expansion.',
});
export const FILE_TOO_LARGE = defineCode({
  code: 'SLU1005',
  stage: 'load',
  severity: 'error',
  title: 'Policy file larger than the size limit',
  hint: 'Split the file into several smaller files, or raise the limit with --max-file-size.',
});
export const NOT_UTF8 = defineCode({
  code: 'SLU1006',
  stage: 'load',
  severity: 'error',
  title: 'File is not valid UTF-8',
  hint: 'Save the file as UTF-8; YAML policy must be UTF-8 text.',
});
export const NOT_A_MAPPING = defineCode({
  code: 'SLU1007',
  stage: 'load',
  severity: 'error',
  title: 'Document is not a YAML mapping',
  hint: 'Each document must be a Kubernetes-style object with apiVersion, kind and metadata.',
});
export const MISSING_TYPE = defineCode({
  code: 'SLU1008',
  stage: 'load',
  severity: 'error',
  title: 'Document without apiVersion or kind',
  hint: 'Add `apiVersion:` and `kind:` (for example `apiVersion: networking.istio.io/v1` and `kind: VirtualService`).',
});
export const MISSING_NAME = defineCode({
  code: 'SLU1009',
  stage: 'load',
  severity: 'error',
  title: 'Document without metadata.name',
  hint: 'Give the resource a name under `metadata.name`.',
});
export const DUPLICATE_RESOURCE = defineCode({
  code: 'SLU1010',
  stage: 'load',
  severity: 'error',
  title: 'The same resource is defined twice',
  hint: 'Two documents share kind, namespace and name; the cluster would keep only one. Rename or delete one of them.',
});
export const UNREADABLE_PATH = defineCode({
  code: 'SLU1011',
  stage: 'load',
  severity: 'error',
  title: 'Policy path cannot be read',
  hint: 'Check that the path exists and is readable.',
});
export const NO_POLICY_FILES = defineCode({
  code: 'SLU1012',
  stage: 'load',
  severity: 'warning',
  title: 'No policy files found',
  hint: 'sluice reads *.yaml and *.yml files, recursively; check the path.',
});
export const TOO_MANY_DOCUMENTS = defineCode({
  code: 'SLU1013',
  stage: 'load',
  severity: 'error',
  title: 'Too many documents in one file',
  hint: 'Split the file; documents past the limit are not read.',
});
export const YAML_WARNING = defineCode({
  code: 'SLU1014',
  stage: 'load',
  severity: 'warning',
  title: 'YAML construct that Kubernetes may read differently',
  hint: 'Use plain YAML 1.2 scalars, mappings and sequences.',
});
export const YAML_UNRESOLVED_ALIAS = defineCode({
  code: 'SLU1015',
  stage: 'load',
  severity: 'error',
  title: 'YAML alias refers to an anchor that is not defined',
  hint: 'Define the anchor (`&name`) before the alias (`*name`) in the same document.',
});
