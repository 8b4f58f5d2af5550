import type { JsonPath, JsonValue } from '../xds/index.ts';
import type { FingerprintOut } from './fingerprint.ts';

/** Which resource a violation is about (set by verifySnapshot). */
export interface ResourceRef {
  typeUrl: string;
  name: string;
}

export interface Violation {
  /** JSON path inside the resource: object keys as written in the JSON, array indexes. */
  path: JsonPath;
  /**
   * What was broken. protoc-gen-validate rules are named `<type>.<rule>` as in the proto
   * (`uint32.lte`, `string.min_len`, `repeated.min_items`, `message.required`,
   * `oneof.required`, `duration.gt`, ...); encoding problems `encode.*`; sluice's own checks
   * `sluice.*`; snapshot consistency `snapshot.*`.
   */
  rule: string;
  message: string;
  resource?: ResourceRef;
}

export interface SnapshotResource {
  typeUrl: string;
  name: string;
  json: JsonValue;
}

/** Accumulates violations while the walker keeps the current path on a stack. */
export class WalkContext implements FingerprintOut {
  readonly out: Violation[] = [];
  readonly path: (string | number)[] = [];
  depth = 0;
  /** The fingerprint of the value last checked (fingerprint.ts). */
  fa = 0;
  fb = 0;
  fingerprinted = false;

  report(rule: string, message: string): void {
    this.out.push({ path: this.path.slice(), rule, message });
  }

  reportAt(segment: string | number, rule: string, message: string): void {
    const path = this.path.slice();
    path.push(segment);
    this.out.push({ path, rule, message });
  }
}

/** Checks one present (non-null) JSON value; reports into the context at ctx.path. */
export type ValueCheck = (value: JsonValue, ctx: WalkContext) => void;
