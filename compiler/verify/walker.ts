/**
 * The descriptor-driven verifier of proto3 JSON: one pass over a resource that checks
 *
 * - that it encodes: every key is a field of its message (by JSON or proto name), every value
 *   has the field's type, enum names exist, `Any` types are known, a oneof is set once —
 *   the acceptance rules of @bufbuild/protobuf's fromJson, which the codec uses;
 * - the protoc-gen-validate `(validate.rules)` on each field, `(validate.required)` on oneofs
 *   and `(validate.disabled)` on messages, read from the descriptors' options;
 * - sluice's extra checks for message types (extra.ts), e.g. RE2 syntax of RegexMatcher.regex;
 *
 * recursing into nested messages, lists, maps and messages packed in `Any`.
 *
 * The plan for a message type (field lookup, compiled rules, what to check when a field is
 * absent) is compiled once, on first use, and cached per Verifier; nested plans compile
 * lazily, so verifying a Cluster never compiles the Listener's types.
 */
import type { DescEnum, DescExtension, DescField, DescMessage, DescOneof, JsonObject, JsonValue, Message, Registry, ScalarType } from '@bufbuild/protobuf';
import { protobuf, typeNameOf } from '../xds/index.ts';
import { messageHooks } from './extra.ts';
import type { MessageHook } from './extra.ts';
import {
  anyRules, boolRules, bytesRules, durationRules, enumRules, numericRules, stringRules, timestampRules,
} from './rules.ts';
import type { RuleCheck } from './rules.ts';
import {
  describe, durationError, isInt64Type, readDuration, ReadError, readTimestamp, Scalar, scalarReader, scalarRuleName, scalarValidator, scalarZero, wellFormed,
} from './scalars.ts';
import type { ScalarValue } from './scalars.ts';
import { finalA, finalB, fingerprintJson, fingerprintScalar, fingerprintString, mixA, mixB, seedA, seedB, Tag } from './fingerprint.ts';
import type { FingerprintOut } from './fingerprint.ts';
import { isObject } from './sink.ts';
import { WalkContext } from './types.ts';
import type { ValueCheck, Violation } from './types.ts';

const RECURSION_LIMIT = 100;

interface FieldPlan {
  readonly field: DescField;
  /** The field number: what the fingerprint mixes, whichever name the key is written in. */
  readonly number: number;
  readonly key: string;
  /** Index into the message's oneofs, -1 when not in a oneof. */
  readonly oneofIndex: number;
  /** `1 << oneofIndex` (0 when not in a oneof): the walk keeps the oneofs set as bits. */
  readonly oneofBit: number;
  /** The field's bit among the message's absent-checked fields (0 when it has no absent check). */
  absentBit: number;
  /** JSON null is a value (google.protobuf.Value / NullValue), not "unset". */
  readonly nullIsValue: boolean;
  /**
   * A string or bool field without rules: the walk accepts a well-formed string or a boolean
   * without calling `check`, which it calls for anything else (and reports from there).
   */
  readonly plain: 'string' | 'boolean' | undefined;
  check: ValueCheck;
  /** Checks to run when the field is absent or null (rules on the zero value, `required`). */
  readonly absent: ((ctx: WalkContext) => void) | undefined;
}

interface MessagePlan {
  readonly desc: DescMessage;
  readonly fields: Map<string, FieldPlan>;
  readonly absent: FieldPlan[];
  /** The bits of all absent-checked fields: a message that has them all skips the absent checks. */
  absentMask: number;
  readonly oneofs: DescOneof[];
  readonly requiredOneofs: number[];
  /** The bits of the required oneofs. */
  readonly requiredMask: number;
  /**
   * The keys of the last object walked and their field plans, in order: objects of one type
   * mostly come with the same keys in the same order, so a key is matched by identity with
   * the one at its position before a map lookup is needed.
   */
  readonly shapeKeys: string[];
  readonly shapeFields: FieldPlan[];
  readonly hooks: MessageHook[];
  /**
   * Violations (paths relative to the message) of frozen values already walked, by identity:
   * translators share frozen parts between resources and compiles, and one walk is enough.
   * Index 1: the value sits in an Any (its `@type` key is skipped).
   */
  readonly walked: [WeakMap<object, Walked>, WeakMap<object, Walked>];
  /** The last frozen value met and what was found, by the same index: repeats often come one after the other. */
  readonly lastWalked: [object | undefined, object | undefined];
  readonly lastFound: [Walked, Walked];
}

/** What the walk of a frozen message found: its violations (paths relative to it) and its fingerprint. */
interface Walked {
  readonly found: Violation[];
  readonly fa: number;
  readonly fb: number;
}

type Rules = JsonObject | undefined;

/** Bits available for the oneofs and absent-checked fields of one message. */
const MAX_BITS = 30;
const NONE: Violation[] = [];
const NOTHING_WALKED: Walked = { found: NONE, fa: 0, fb: 0 };

/** After a check of `x` (which reset `ctx.fingerprinted`): the fingerprint of what the check did not fingerprint. */
function fingerprintAfterCheck(x: JsonValue, ctx: WalkContext): void {
  if (ctx.fingerprinted) return;
  if (typeof x !== 'object' || x === null) fingerprintScalar(x, ctx);
  else fingerprintJson(x, ctx);
}

/** The same string, internalized as property keys are, so that comparing it with a key is comparing pointers. */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0] as string;
}

function obj(json: JsonValue | undefined): JsonObject | undefined {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : undefined;
}

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value', 'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value', 'google.protobuf.UInt32Value', 'google.protobuf.BoolValue', 'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

/** Types whose proto3 JSON is not an object of their fields. */
const CUSTOM_JSON = new Set([
  ...WRAPPERS, 'google.protobuf.Any', 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.FieldMask',
  'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue',
]);

export class Verifier {
  private readonly plans = [new WeakMap<DescMessage, MessagePlan>(), new WeakMap<DescMessage, MessagePlan>()];
  private readonly resourceChecks = new Map<DescMessage, ValueCheck>();
  private readonly context = new WalkContext();
  private readonly rulesExt: DescExtension | undefined;
  private readonly oneofRequiredExt: DescExtension | undefined;
  private readonly disabledExt: DescExtension | undefined;
  private readonly fieldRulesDesc: DescMessage | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly hooks: ReadonlyMap<string, MessageHook[]> = messageHooks,
  ) {
    this.rulesExt = registry.getExtension('validate.rules');
    this.oneofRequiredExt = registry.getExtension('validate.required');
    this.disabledExt = registry.getExtension('validate.disabled');
    this.fieldRulesDesc = registry.getMessage('validate.FieldRules');
  }

  /**
   * Verifies the proto3 JSON of one message of type `desc`; with `fingerprint`, also sets it
   * to the fingerprint of `json` (fingerprint.ts).
   */
  verify(desc: DescMessage, json: JsonValue, fingerprint?: FingerprintOut): Violation[] {
    let check = this.resourceChecks.get(desc);
    if (check === undefined) this.resourceChecks.set(desc, (check = this.valueCheck({ message: desc }, undefined, true)));
    // one context for every resource: nearly all have nothing to report
    const ctx = this.context;
    ctx.out.length = 0;
    ctx.path.length = 0;
    ctx.depth = 0;
    ctx.fingerprinted = false;
    check(json, ctx);
    if (fingerprint !== undefined) {
      fingerprintAfterCheck(json, ctx);
      fingerprint.fa = ctx.fa;
      fingerprint.fb = ctx.fb;
      fingerprint.fingerprinted = true;
    }
    return ctx.out.length === 0 ? [] : ctx.out.splice(0);
  }

  // -------------------------------------------------------------------------------------------
  // options

  private fieldRules(field: DescField): Rules {
    const ext = this.rulesExt;
    const { getOption, hasOption, toJson } = protobuf();
    if (ext === undefined || this.fieldRulesDesc === undefined || !hasOption(field, ext)) return undefined;
    return toJson(this.fieldRulesDesc, getOption(field, ext) as Message) as JsonObject;
  }

  private oneofRequired(oneof: DescOneof): boolean {
    const ext = this.oneofRequiredExt;
    const { getOption, hasOption } = protobuf();
    return ext !== undefined && hasOption(oneof, ext) && getOption(oneof, ext) === true;
  }

  private messageDisabled(desc: DescMessage): boolean {
    const ext = this.disabledExt;
    const { getOption, hasOption } = protobuf();
    return ext !== undefined && hasOption(desc, ext) && getOption(desc, ext) === true;
  }

  // -------------------------------------------------------------------------------------------
  // message plans

  private plan(desc: DescMessage, rulesOn: boolean): MessagePlan {
    const cache = this.plans[rulesOn ? 1 : 0]!;
    let plan = cache.get(desc);
    if (plan !== undefined) return plan;
    const on = rulesOn && !this.messageDisabled(desc);
    const fields = new Map<string, FieldPlan>();
    const absent: FieldPlan[] = [];
    const oneofs = desc.oneofs.slice();
    if (oneofs.length > MAX_BITS) throw new Error(`${desc.typeName} has more than ${MAX_BITS} oneofs`);
    const requiredOneofs = on ? oneofs.flatMap((o, i) => (this.oneofRequired(o) ? [i] : [])) : [];
    plan = {
      desc,
      fields,
      absent,
      absentMask: 0,
      oneofs,
      requiredOneofs,
      requiredMask: requiredOneofs.reduce((mask, i) => mask | (1 << i), 0),
      shapeKeys: [],
      shapeFields: [],
      hooks: on ? (this.hooks.get(desc.typeName) ?? []) : [],
      walked: [new WeakMap(), new WeakMap()],
      lastWalked: [undefined, undefined],
      lastFound: [NOTHING_WALKED, NOTHING_WALKED],
    };
    cache.set(desc, plan);
    for (const field of desc.fields) {
      const rules = on ? this.fieldRules(field) : undefined;
      const fp = this.fieldPlan(field, rules, on, oneofs);
      fields.set(field.jsonName, fp);
      fields.set(field.name, fp);
      if (fp.absent !== undefined) {
        if (absent.length === MAX_BITS) throw new Error(`${desc.typeName} has more than ${MAX_BITS} fields checked when absent`);
        fp.absentBit = 1 << absent.length;
        plan.absentMask |= fp.absentBit;
        absent.push(fp);
      }
    }
    return plan;
  }

  private fieldPlan(field: DescField, rules: Rules, rulesOn: boolean, oneofs: DescOneof[]): FieldPlan {
    const oneofIndex = field.oneof === undefined ? -1 : oneofs.indexOf(field.oneof);
    const fp: FieldPlan = {
      field,
      number: field.number,
      key: internalized(field.jsonName),
      oneofIndex,
      oneofBit: oneofIndex < 0 ? 0 : 1 << oneofIndex,
      absentBit: 0,
      nullIsValue: (field.fieldKind === 'message' && field.message.typeName === 'google.protobuf.Value') ||
        (field.fieldKind === 'enum' && field.enum.typeName === 'google.protobuf.NullValue'),
      plain: field.fieldKind !== 'scalar' || (rulesOn && obj(rules?.[scalarRuleName(field.scalar)]) !== undefined)
        ? undefined
        : field.scalar === Scalar.STRING ? 'string' : field.scalar === Scalar.BOOL ? 'boolean' : undefined,
      // compiled on first use, then replaced by the compiled check
      check: (v, ctx) => {
        fp.check = this.fieldCheck(field, rules, rulesOn);
        fp.check(v, ctx);
      },
      absent: rulesOn && field.oneof === undefined ? this.absentCheck(field, rules) : undefined,
    };
    return fp;
  }

  /** What an absent field violates: `required`, or rules that its zero value breaks. */
  private absentCheck(field: DescField, rules: Rules): ((ctx: WalkContext) => void) | undefined {
    if (rules === undefined) return undefined;
    if (field.fieldKind === 'message') {
      for (const kind of ['message', 'duration', 'timestamp', 'any'] as const) {
        if (obj(rules[kind])?.['required'] === true) {
          const what = kind === 'message' ? field.message.typeName : `google.protobuf.${kind[0]!.toUpperCase()}${kind.slice(1)}`;
          return (ctx) => ctx.report(`${kind}.required`, `value is required (${what})`);
        }
      }
      return undefined;
    }
    let zero: JsonValue;
    if (field.fieldKind === 'list') zero = [];
    else if (field.fieldKind === 'map') zero = {};
    else if (field.presence === 2 /* IMPLICIT */) zero = field.fieldKind === 'enum' ? 0 : scalarZero(field.scalar);
    else return undefined;
    const scratch = new WalkContext();
    this.fieldCheck(field, rules, true)(zero, scratch);
    if (scratch.out.length === 0) return undefined;
    const found = scratch.out.map((v) => ({ rule: v.rule, message: v.message, path: v.path }));
    return (ctx) => {
      for (const f of found) {
        if (f.path.length === 0) ctx.report(f.rule, f.message);
        else ctx.out.push({ path: [...ctx.path, ...f.path], rule: f.rule, message: f.message });
      }
    };
  }

  private fieldCheck(field: DescField, rules: Rules, rulesOn: boolean): ValueCheck {
    switch (field.fieldKind) {
      case 'scalar':
        return this.valueCheck({ scalar: field.scalar }, rules, rulesOn);
      case 'enum':
        return this.valueCheck({ enum: field.enum }, rules, rulesOn);
      case 'message':
        return this.valueCheck({ message: field.message }, rules, rulesOn);
      case 'list':
        return this.listCheck(field, rules, rulesOn);
      case 'map':
        return this.mapCheck(field, rules, rulesOn);
    }
  }

  // -------------------------------------------------------------------------------------------
  // values

  private valueCheck(kind: ValueKind, rules: Rules, rulesOn: boolean): ValueCheck {
    if (kind.scalar !== undefined) return this.scalarCheck(kind.scalar, rulesOn ? rules : undefined);
    if (kind.enum !== undefined) return this.enumCheck(kind.enum, rulesOn ? rules : undefined);
    const desc = kind.message!;
    const r = rulesOn ? rules : undefined;
    switch (desc.typeName) {
      case 'google.protobuf.Any':
        return this.anyCheck(obj(r?.['any']), rulesOn);
      case 'google.protobuf.Duration': {
        const rc = durationRules(obj(r?.['duration']) ?? {});
        if (rc !== undefined) return timeCheck(readDuration, rc);
        return (v, ctx) => {
          const error = durationError(v);
          if (error !== undefined) ctx.report('encode.type', error);
        };
      }
      case 'google.protobuf.Timestamp':
        return timeCheck(readTimestamp, timestampRules(obj(r?.['timestamp']) ?? {}));
      case 'google.protobuf.FieldMask':
        return (v, ctx) => {
          if (typeof v !== 'string') ctx.report('encode.type', `expected a field mask string, got ${describe(v)}`);
          else if (v.includes('_')) ctx.report('encode.type', 'field mask paths must be lowerCamelCase');
        };
      case 'google.protobuf.Struct':
        return (v, ctx) => {
          if (!isObject(v)) ctx.report('encode.type', `expected an object, got ${describe(v)}`);
        };
      case 'google.protobuf.ListValue':
        return (v, ctx) => {
          if (!Array.isArray(v)) ctx.report('encode.type', `expected an array, got ${describe(v)}`);
        };
      case 'google.protobuf.Value':
        return () => undefined;
    }
    if (WRAPPERS.has(desc.typeName)) {
      const inner = desc.fields[0]!;
      return this.scalarCheck(inner.scalar!, r);
    }
    const skip = obj(r?.['message'])?.['skip'] === true;
    const plan = this.plan(desc, rulesOn && !skip);
    return (v, ctx) => this.walkMessage(plan, v, ctx, false);
  }

  private scalarCheck(type: ScalarType, rules: Rules): ValueCheck {
    const read = scalarReader(type);
    const r = obj(rules?.[scalarRuleName(type)]);
    let rc: RuleCheck<ScalarValue> | undefined;
    if (r !== undefined) {
      if (type === Scalar.STRING) rc = stringRules(r) as RuleCheck<ScalarValue> | undefined;
      else if (type === Scalar.BYTES) rc = bytesRules(r) as RuleCheck<ScalarValue> | undefined;
      else if (type === Scalar.BOOL) rc = boolRules(r) as RuleCheck<ScalarValue> | undefined;
      else rc = numericRules(scalarRuleName(type), r, isInt64Type(type)) as RuleCheck<ScalarValue> | undefined;
    }
    if (rc === undefined) {
      const validate = scalarValidator(type);
      return (v, ctx) => {
        const error = validate(v);
        if (error !== undefined) ctx.report('encode.type', error);
      };
    }
    const ruleCheck = rc;
    return (v, ctx) => {
      const x = read(v);
      if (x instanceof ReadError) ctx.report('encode.type', x.message);
      else ruleCheck(x, ctx);
    };
  }

  private enumCheck(desc: DescEnum, rules: Rules): ValueCheck {
    const numbers = new Map<string, number>();
    for (const v of desc.values) numbers.set(v.name, v.number);
    const r = obj(rules?.['enum']);
    const rc = r === undefined ? undefined : enumRules(desc, r);
    const names = desc.values.map((v) => v.name);
    const isNull = desc.typeName === 'google.protobuf.NullValue';
    return (v, ctx) => {
      let n: number | undefined;
      if (typeof v === 'string') {
        n = numbers.get(v);
        if (n === undefined) {
          const shown = names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, …`;
          ctx.report('encode.enum', `unknown ${desc.typeName} value ${JSON.stringify(v)}; expected one of ${shown}`);
          return;
        }
      } else if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
        n = v;
      } else if (v === null && isNull) {
        n = 0;
      } else {
        ctx.report('encode.type', `expected a ${desc.typeName} name, got ${describe(v)}`);
        return;
      }
      rc?.(n, ctx);
      // by number: a name and its number are the same value
      ctx.fa = finalA(mixA(seedA(Tag.enum), n));
      ctx.fb = finalB(mixB(seedB(Tag.enum), n));
      ctx.fingerprinted = true;
    };
  }

  private anyCheck(rules: Rules, rulesOn: boolean): ValueCheck {
    const rc = rules === undefined ? undefined : anyRules(rules);
    /** Known type URLs → the check of an Any holding that type, and the type URL's fingerprint. */
    const byType = new Map<string, { content: ValueCheck; fa: number; fb: number }>();
    return (v, ctx) => {
      if (!isObject(v)) {
        ctx.report('encode.type', `expected an Any object with "@type", got ${describe(v)}`);
        return;
      }
      const typeUrl = v['@type'];
      if (typeUrl === undefined && Object.keys(v).length === 0) {
        rc?.('', ctx);
        return;
      }
      if (typeof typeUrl !== 'string' || typeUrl === '') {
        ctx.reportAt('@type', 'encode.any', 'an Any needs a non-empty "@type" string');
        return;
      }
      let known = byType.get(typeUrl);
      if (known === undefined) {
        const inner = this.registry.getMessage(typeNameOf(typeUrl));
        if (inner === undefined) {
          ctx.reportAt('@type', 'encode.any', `${typeUrl} is not a known type`);
          return;
        }
        fingerprintString(typeUrl, ctx);
        byType.set(typeUrl, (known = { content: this.anyContent(inner, rulesOn), fa: ctx.fa, fb: ctx.fb }));
      }
      rc?.(typeUrl, ctx);
      ctx.fingerprinted = false;
      known.content(v, ctx);
      if (ctx.fingerprinted) {
        const fa = ctx.fa;
        const fb = ctx.fb;
        ctx.fa = finalA(mixA(mixA(mixA(seedA(Tag.any), known.fa), fa), fb));
        ctx.fb = finalB(mixB(mixB(mixB(seedB(Tag.any), known.fb), fb), fa));
      }
    };
  }

  /** Checks what an Any (an object with a known "@type") holds. */
  private anyContent(inner: DescMessage, rulesOn: boolean): ValueCheck {
    if (CUSTOM_JSON.has(inner.typeName)) {
      const value = this.valueCheck({ message: inner }, undefined, rulesOn);
      return (v, ctx) => {
        const any = v as JsonObject;
        for (const key of Object.keys(any)) {
          if (key !== '@type' && key !== 'value') ctx.reportAt(key, 'encode.unknown_field', `unknown key "${key}" in an Any holding ${inner.typeName}`);
        }
        if (!Object.hasOwn(any, 'value')) {
          ctx.report('encode.type', `an Any holding ${inner.typeName} carries it in "value"`);
          return;
        }
        ctx.path.push('value');
        value(any['value'] as JsonValue, ctx);
        ctx.path.pop();
      };
    }
    const plan = this.plan(inner, rulesOn);
    return (v, ctx) => this.walkMessage(plan, v, ctx, true);
  }

  private listCheck(field: DescField & { fieldKind: 'list' }, rules: Rules, rulesOn: boolean): ValueCheck {
    const r = rulesOn ? obj(rules?.['repeated']) : undefined;
    const itemRules = obj(r?.['items']);
    const kind: ValueKind = field.listKind === 'scalar' ? { scalar: field.scalar } : field.listKind === 'enum' ? { enum: field.enum } : { message: field.message };
    const item = this.valueCheck(kind, itemRules, rulesOn);
    const nullOk = field.listKind === 'message' && field.message.typeName === 'google.protobuf.Value';
    const minItems = r?.['minItems'] === undefined ? undefined : Number(r['minItems']);
    const maxItems = r?.['maxItems'] === undefined ? undefined : Number(r['maxItems']);
    const unique = r?.['unique'] === true && field.listKind !== 'message';
    const ignoreEmpty = r?.['ignoreEmpty'] === true;
    return (v, ctx) => {
      if (!Array.isArray(v)) {
        ctx.report('encode.type', `expected an array, got ${describe(v)}`);
        return;
      }
      if (!(ignoreEmpty && v.length === 0)) {
        if (minItems !== undefined && v.length < minItems) ctx.report('repeated.min_items', `value must contain at least ${minItems} item(s)`);
        if (maxItems !== undefined && v.length > maxItems) ctx.report('repeated.max_items', `value must contain at most ${maxItems} item(s)`);
        if (unique) {
          const seen = new Set<string>();
          for (let i = 0; i < v.length; i++) {
            const k = String(v[i]);
            if (seen.has(k)) ctx.reportAt(i, 'repeated.unique', `repeated value must contain unique items; ${describe(v[i] as JsonValue)} is repeated`);
            seen.add(k);
          }
        }
      }
      let a = seedA(Tag.list);
      let b = seedB(Tag.list);
      for (let i = 0; i < v.length; i++) {
        const x = v[i] as JsonValue;
        if (x === null && !nullOk) {
          ctx.reportAt(i, 'encode.type', 'list item must not be null');
          continue;
        }
        ctx.path.push(i);
        ctx.fingerprinted = false;
        item(x, ctx);
        ctx.path.pop();
        fingerprintAfterCheck(x, ctx);
        a = mixA(mixA(a, ctx.fa), ctx.fb);
        b = mixB(mixB(b, ctx.fb), ctx.fa);
      }
      ctx.fa = finalA(a ^ v.length);
      ctx.fb = finalB(b ^ v.length);
      ctx.fingerprinted = true;
    };
  }

  private mapCheck(field: DescField & { fieldKind: 'map' }, rules: Rules, rulesOn: boolean): ValueCheck {
    const r = rulesOn ? obj(rules?.['map']) : undefined;
    const keyType = field.mapKey;
    const keyCheck = this.scalarCheck(keyType, obj(r?.['keys']));
    const kind: ValueKind = field.mapKind === 'scalar' ? { scalar: field.scalar } : field.mapKind === 'enum' ? { enum: field.enum } : { message: field.message };
    const value = this.valueCheck(kind, obj(r?.['values']), rulesOn);
    const nullOk = field.mapKind === 'message' && field.message.typeName === 'google.protobuf.Value';
    const minPairs = r?.['minPairs'] === undefined ? undefined : Number(r['minPairs']);
    const maxPairs = r?.['maxPairs'] === undefined ? undefined : Number(r['maxPairs']);
    const ignoreEmpty = r?.['ignoreEmpty'] === true;
    const noSparse = r?.['noSparse'] === true;
    const keyJson = (k: string): JsonValue => (keyType === Scalar.BOOL ? (k === 'true' ? true : k === 'false' ? false : k) : k);
    return (v, ctx) => {
      if (!isObject(v)) {
        ctx.report('encode.type', `expected an object, got ${describe(v)}`);
        return;
      }
      const keys = Object.keys(v);
      if (!(ignoreEmpty && keys.length === 0)) {
        if (minPairs !== undefined && keys.length < minPairs) ctx.report('map.min_pairs', `value must contain at least ${minPairs} pair(s)`);
        if (maxPairs !== undefined && keys.length > maxPairs) ctx.report('map.max_pairs', `value must contain at most ${maxPairs} pair(s)`);
      }
      let a = seedA(Tag.map);
      let b = seedB(Tag.map);
      for (const k of keys) {
        const x = v[k] as JsonValue;
        ctx.path.push(k);
        keyCheck(keyJson(k), ctx);
        ctx.fingerprinted = false;
        if (x === null && !nullOk) ctx.report(noSparse ? 'map.no_sparse' : 'encode.type', 'map value must not be null');
        else value(x, ctx);
        ctx.path.pop();
        fingerprintAfterCheck(x, ctx);
        const fa = ctx.fa;
        const fb = ctx.fb;
        fingerprintString(k, ctx);
        a = mixA(mixA(mixA(mixA(a, ctx.fa), ctx.fb), fa), fb);
        b = mixB(mixB(mixB(mixB(b, ctx.fb), ctx.fa), fb), fa);
      }
      ctx.fa = finalA(a ^ keys.length);
      ctx.fb = finalB(b ^ keys.length);
      ctx.fingerprinted = true;
    };
  }

  // -------------------------------------------------------------------------------------------
  // the walk

  private walkMessage(plan: MessagePlan, v: JsonValue, ctx: WalkContext, skipType: boolean): void {
    if (!isObject(v)) {
      ctx.report('encode.type', `expected a ${plan.desc.typeName} object, got ${describe(v)}`);
      return;
    }
    // A frozen value is immutable all the way down, so what it violates is fixed; far below
    // the recursion limit the result does not depend on the depth it is met at either.
    if (!Object.isFrozen(v) || ctx.depth > RECURSION_LIMIT / 2) {
      this.walkFields(plan, v, ctx, skipType);
      return;
    }
    const side = skipType ? 1 : 0;
    if (plan.lastWalked[side] === v) {
      this.replay(plan.lastFound[side], ctx);
      return;
    }
    const walked = plan.walked[side];
    const known = walked.get(v);
    if (known !== undefined) {
      plan.lastWalked[side] = v;
      plan.lastFound[side] = known;
      this.replay(known, ctx);
      return;
    }
    const start = ctx.out.length;
    this.walkFields(plan, v, ctx, skipType);
    let own = NONE;
    if (ctx.out.length > start) {
      // kept with paths relative to the value
      const base = ctx.path.length;
      own = ctx.out.slice(start).map((f) => ({ path: f.path.slice(base), rule: f.rule, message: f.message }));
      if (own.some((f) => f.rule === 'encode.depth')) return;
    }
    const result: Walked = { found: own, fa: ctx.fa, fb: ctx.fb };
    walked.set(v, result);
    plan.lastWalked[side] = v;
    plan.lastFound[side] = result;
  }

  /** Reports again, at the current path, what a frozen value was found to violate, and gives its fingerprint. */
  private replay(walked: Walked, ctx: WalkContext): void {
    const found = walked.found;
    // an indexed loop: for…of made an iterator for each of the (nearly always empty) lists
    for (let i = 0; i < found.length; i++) {
      const f = found[i] as Violation;
      ctx.out.push({ path: f.path.length === 0 ? ctx.path.slice() : [...ctx.path, ...f.path], rule: f.rule, message: f.message });
    }
    ctx.fa = walked.fa;
    ctx.fb = walked.fb;
    ctx.fingerprinted = true;
  }

  private walkFields(plan: MessagePlan, v: JsonObject, ctx: WalkContext, skipType: boolean): void {
    if (++ctx.depth > RECURSION_LIMIT) {
      ctx.report('encode.depth', `nested more than ${RECURSION_LIMIT} messages deep`);
      ctx.depth--;
      ctx.fingerprinted = false;
      return;
    }
    const shapeKeys = plan.shapeKeys;
    const shapeFields = plan.shapeFields;
    let at = 0;
    /** Bits of the oneofs set so far. */
    let oneofs = 0;
    /** Bits of the absent-checked fields present (not null). */
    let present = 0;
    let a = seedA(Tag.message);
    let b = seedB(Tag.message);
    let fields = 0;
    for (const key in v) {
      if (skipType && key === '@type') continue;
      let fp: FieldPlan | undefined;
      if (shapeKeys[at] === key) {
        fp = shapeFields[at] as FieldPlan;
      } else {
        fp = plan.fields.get(key);
        if (fp === undefined) {
          ctx.reportAt(key, 'encode.unknown_field', unknownField(plan.desc, key));
          continue;
        }
        shapeKeys[at] = key;
        shapeFields[at] = fp;
      }
      at++;
      const x = v[key] as JsonValue;
      if (x !== null) present |= fp.absentBit;
      if (key !== fp.key && Object.hasOwn(v, fp.key)) {
        ctx.reportAt(key, 'encode.duplicate_field', `field ${fp.field.name} is set twice (as "${fp.key}" and "${key}")`);
        continue;
      }
      if (x === null && !fp.nullIsValue) continue;
      if (fp.oneofBit !== 0) {
        if ((oneofs & fp.oneofBit) !== 0) {
          ctx.reportAt(key, 'encode.oneof', `oneof ${plan.oneofs[fp.oneofIndex]!.name} is set twice (by "${firstOfOneof(plan, v, fp.oneofIndex, skipType)}" and "${key}")`);
          continue;
        }
        oneofs |= fp.oneofBit;
      }
      const plain = fp.plain;
      if (plain !== undefined && typeof x === plain && (plain === 'boolean' || wellFormed(x as string))) {
        fingerprintScalar(x as string | boolean, ctx);
      } else {
        ctx.path.push(key);
        ctx.fingerprinted = false;
        fp.check(x, ctx);
        ctx.path.pop();
        fingerprintAfterCheck(x, ctx);
      }
      a = mixA(mixA(mixA(a, fp.number), ctx.fa), ctx.fb);
      b = mixB(mixB(mixB(b, fp.number), ctx.fb), ctx.fa);
      fields++;
    }
    if (present !== plan.absentMask) {
      for (const fp of plan.absent) {
        if ((present & fp.absentBit) !== 0) continue;
        ctx.path.push(fp.key);
        fp.absent!(ctx);
        ctx.path.pop();
      }
    }
    if ((oneofs & plan.requiredMask) !== plan.requiredMask) {
      for (const i of plan.requiredOneofs) {
        if ((oneofs & (1 << i)) !== 0) continue;
        const oneof = plan.oneofs[i]!;
        const names = oneof.fields.map((f) => f.jsonName).join(', ');
        ctx.report('oneof.required', `exactly one of ${names} must be set (oneof ${oneof.name})`);
      }
    }
    for (const hook of plan.hooks) hook(v, ctx);
    ctx.depth--;
    ctx.fa = finalA(a ^ fields);
    ctx.fb = finalB(b ^ fields);
    ctx.fingerprinted = true;
  }
}

/** The key that set oneof `index` first in `v` (for the message about setting it twice). */
function firstOfOneof(plan: MessagePlan, v: JsonObject, index: number, skipType: boolean): string | undefined {
  for (const key in v) {
    if (skipType && key === '@type') continue;
    const fp = plan.fields.get(key);
    if (fp === undefined || (key !== fp.key && Object.hasOwn(v, fp.key))) continue;
    if (v[key] === null && !fp.nullIsValue) continue;
    if (fp.oneofIndex === index) return key;
  }
  return undefined;
}

interface ValueKind {
  scalar?: ScalarType;
  enum?: DescEnum;
  message?: DescMessage;
}

function timeCheck(read: (j: JsonValue) => [number, number] | ReadError, rc: RuleCheck<[number, number]> | undefined): ValueCheck {
  return (v, ctx) => {
    const x = read(v);
    if (x instanceof ReadError) ctx.report('encode.type', x.message);
    else rc?.(x, ctx);
  };
}

function unknownField(desc: DescMessage, key: string): string {
  const folded = key.replace(/_/g, '').toLowerCase();
  const near = desc.fields.find((f) => f.jsonName.toLowerCase() === folded);
  const hint = near === undefined ? '' : `; did you mean "${near.jsonName}"?`;
  return `unknown field "${key}" in ${desc.typeName}${hint}`;
}
