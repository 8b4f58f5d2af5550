/**
 * sluice's checks beyond protoc-gen-validate, per message type. Each one guards against
 * something a proxy would reject or crash on that no `validate.rules` annotation catches.
 *
 * - `sluice.regex_re2`: `RegexMatcher.regex` must be valid RE2 (and at most 1024 bytes, Istio's
 *   limit). Envoy NACKs an invalid regex; @grpc/grpc-js-xds ACKs it and then crashes.
 * - `sluice.empty_domain`: a virtual host domain must not be empty. PGV allows it (the rule is
 *   only "no NUL/CR/LF"), Envoy accepts it, and it matches no request: always a compiler bug.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import { checkRegex } from '../analyze/shared/regex.ts';
import type { WalkContext } from './types.ts';

export type MessageHook = (json: JsonObject, ctx: WalkContext) => void;

function regexMatcher(json: JsonObject, ctx: WalkContext): void {
  const regex = json['regex'];
  if (typeof regex !== 'string') return;
  const problem = checkRegex(regex);
  if (problem !== undefined) ctx.reportAt('regex', 'sluice.regex_re2', problem.message);
}

function virtualHost(json: JsonObject, ctx: WalkContext): void {
  const domains = json['domains'];
  if (!Array.isArray(domains)) return;
  for (let i = 0; i < domains.length; i++) {
    if (domains[i] !== '') continue;
    ctx.path.push('domains', i);
    ctx.report('sluice.empty_domain', 'a virtual host domain must not be empty: it matches no request');
    ctx.path.length -= 2;
  }
}

export const messageHooks: ReadonlyMap<string, MessageHook[]> = new Map([
  ['envoy.type.matcher.v3.RegexMatcher', [regexMatcher]],
  ['xds.type.matcher.v3.RegexMatcher', [regexMatcher]],
  ['envoy.config.route.v3.VirtualHost', [virtualHost]],
]);
