/**
 * Which parts of a model a pure function reads, so that its result can be reused for a later
 * model whose parts it read are the same objects (incremental validation and compilation).
 *
 * The function gets a view of the model that records the top-level properties read; its
 * lookup index is a view too, and reading through it counts as reading what the index member
 * is built from.
 */
import { indexOf, registerIndex } from './lookup.ts';
import type { ModelIndex } from './lookup.ts';
import type { PolicyModel } from './types.ts';

export type ModelPart = keyof PolicyModel;

const SERVICES: readonly ModelPart[] = ['services', 'servicesByHost', 'domainSuffix'];
const RULES: readonly ModelPart[] = ['destinationRules', 'services', 'servicesByHost', 'rootNamespace'];

/** What each member of the lookup index is built from (any other member: all of these). */
const INDEX_READS: Partial<Record<keyof ModelIndex, readonly ModelPart[]>> = {
  rootNamespace: ['rootNamespace'],
  domainSuffix: ['domainSuffix'],
  servicesByHost: SERVICES,
  servicesAt: SERVICES,
  servicesFor: SERVICES,
  servicesMatching: SERVICES,
  isKnownHost: SERVICES,
  destinationRulesIn: RULES,
  destinationRulesNaming: RULES,
  destinationRulesFor: RULES,
  subsetsFor: RULES,
  findSubset: RULES,
  virtualService: ['virtualServices'],
  gateways: ['gateways'],
};
const INDEX_INPUTS: readonly ModelPart[] = [...new Set(Object.values(INDEX_READS).flat())];

/** A view of `model` that adds to `reads` every part read through it or through its index. */
export function recordingView(model: PolicyModel, reads: Set<ModelPart>): PolicyModel {
  const index = indexOf(model);
  const view = new Proxy(model, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key in target) reads.add(key as ModelPart);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const bound = new Map<PropertyKey, unknown>();
  const indexView = new Proxy(index, {
    get(target, key) {
      for (const part of INDEX_READS[key as keyof ModelIndex] ?? INDEX_INPUTS) reads.add(part);
      let value = bound.get(key);
      if (value === undefined) {
        value = Reflect.get(target, key, target) as unknown;
        if (typeof value === 'function') value = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(key, value);
      }
      return value;
    },
  });
  registerIndex(view, indexView);
  return view;
}

/** The same value, or arrays holding the same objects. */
export function samePart(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when every part in `reads` (but `except`, if given) is the same in both models. */
export function sameParts(before: PolicyModel, after: PolicyModel, reads: Iterable<ModelPart>, except?: ModelPart): boolean {
  for (const part of reads) if (part !== except && !samePart(before[part], after[part])) return false;
  return true;
}
