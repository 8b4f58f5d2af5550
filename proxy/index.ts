/**
 * proxy/ — the xDS management server: ADS (state of the world and delta) and the per-type
 * discovery services, the snapshot cache per proxy class, the proxy registry and its status.
 *
 *   const cache = new SnapshotCache({ snapshotFor: (proxy) => compileFor(proxy) });
 *   const server = new XdsServer({ cache, logger: jsonLogger() });
 *   await server.listen('0.0.0.0:15010');
 *   cache.setSnapshot(key, snapshot);          // or: await cache.refresh() after a policy change
 *   await server.registry.waitForConvergence({ classKey: key, snapshotVersion: snapshot.version });
 *   await server.close();
 */
export { SnapshotCache } from './cache.ts';
export type { SnapshotCacheEvents, SnapshotCacheOptions, SnapshotListener, SnapshotProvider, SnapshotPublished, SnapshotsDelivered, SnapshotWatch } from './cache.ts';
export { DEFAULT_DEBOUNCE_AFTER_MS, DEFAULT_DEBOUNCE_MAX_MS } from './debounce.ts';
export type { DebounceOptions } from './debounce.ts';
export { Emitter } from './events.ts';
export { jsonLogger, memoryLogger, silentLogger } from './logger.ts';
export type { JsonLoggerOptions, LogFields, Logger, LogLevel, LogRecord } from './logger.ts';
export { ProxyRegistry } from './registry.ts';
export type {
  AckEvent,
  ClassConvergedEvent,
  ClassStatus,
  ConvergenceReport,
  ConvergenceTarget,
  NackEvent,
  NackStatus,
  ProxyConvergedEvent,
  ProxyRef,
  ProxyRegistryOptions,
  ProxyState,
  ProxyStatus,
  PushEvent,
  RegistryEvents,
  RegistryStatus,
  TypeStatus,
  WaitOptions,
} from './registry.ts';
export { isFullStateType } from './resource-types.ts';
export { XdsServer } from './server.ts';
export type { CloseOptions, CloseResult, ServerInternals, XdsServerOptions } from './server.ts';
export { DISCOVERY_METHODS } from './wire/index.ts';
export type { DiscoveryMethod, ErrorDetail, Protocol, XdsNode } from './wire/index.ts';
