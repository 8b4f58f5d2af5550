export type * from './types.ts';
export { buildModel } from './build.ts';
export type { BuildOptions } from './build.ts';
export {
  DEFAULT_DOMAIN_SUFFIX,
  DEFAULT_ROOT_NAMESPACE,
  hostMatches,
  hostsOverlap,
  isWildcardHost,
  kubernetesHostname,
  resolveGatewayReference,
  resolveHostName,
  wildcardCandidates,
} from './hosts.ts';
export { declaredProtocol, isHttpProtocol, kubernetesPortProtocol, parseProtocol } from './protocol.ts';
export { matchesSelector } from './selector.ts';
export { indexOf, isVisible, ModelIndex } from './lookup.ts';
export { convertGrpcMatch, convertHttpMatch } from './gatewayapi.ts';
export { arr, dig, isRecord, labelsOf, num, numStrict, rec, records, str, strings } from './json.ts';
export type { JsonRecord } from './json.ts';
export { child as childPath, pathOf } from './paths.ts';
