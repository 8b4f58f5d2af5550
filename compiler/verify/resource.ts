import type { DescMessage } from '@bufbuild/protobuf';
import type { JsonValue } from '../xds/index.ts';
import { findMessage, xdsRegistry } from '../xds/index.ts';
import { fingerprintJson, versionOf } from './fingerprint.ts';
import type { FingerprintOut } from './fingerprint.ts';
import type { Violation } from './types.ts';
import { Verifier } from './walker.ts';

let verifier: Verifier | undefined;
/** Resource types by type URL (a snapshot has a handful, each on thousands of resources). */
const types = new Map<string, DescMessage>();

function defaultVerifier(): Verifier {
  verifier ??= new Verifier(xdsRegistry());
  return verifier;
}

/**
 * Verifies one resource (or any message type in the xDS descriptor set) given as Envoy
 * proto3 JSON: that it encodes, its protoc-gen-validate rules, and sluice's extra checks.
 * Returns every violation found, with its JSON path inside the resource; [] when it is fine.
 */
export function verifyResource(typeUrl: string, json: JsonValue): Violation[] {
  return walkResource(typeUrl, json).violations;
}

/** What one walk over a resource finds. */
export interface ResourceWalk {
  readonly typeUrl: string;
  readonly violations: Violation[];
  /** The content version: 16 hex digits of the resource's fingerprint (fingerprint.ts). */
  readonly version: string;
}

const fingerprint: FingerprintOut = { fa: 0, fb: 0, fingerprinted: false };

/** Verifies one resource, and fingerprints it in the same pass. */
export function walkResource(typeUrl: string, json: JsonValue): ResourceWalk {
  let desc = types.get(typeUrl);
  if (desc === undefined) {
    desc = findMessage(typeUrl);
    if (desc !== undefined) types.set(typeUrl, desc);
  }
  if (desc === undefined) {
    const violations = [{ path: [], rule: 'encode.type_url', message: `unknown resource type ${typeUrl}` }];
    fingerprintJson(json, fingerprint);
    return { typeUrl, violations, version: versionOf(typeUrl, fingerprint.fa, fingerprint.fb) };
  }
  const violations = defaultVerifier().verify(desc, json, fingerprint);
  return { typeUrl, violations, version: versionOf(typeUrl, fingerprint.fa, fingerprint.fb) };
}
