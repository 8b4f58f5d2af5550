/**
 * proxy/ — the xDS management server: ADS (state of the world and delta) and the per-type
 * discovery services, the snapshot cache per proxy class, the proxy registry and its status.
 *
 *   const cache = new SnapshotCache({ snapshotFor: (proxy) => compileFor(proxy) }); // lazy, per class
 *   const server = new XdsServer({ cache, logger: jsonLogger(), controlPlaneId: 'sluice' });
 *   await server.listen('0.0.0.0:15010');
 *   cache.setSnapshot(classKey, snapshot);     // one class (a rollout step), or after a policy
 *   await cache.refresh();                     // change: recompile every class with proxies
 *   await server.registry.waitForConvergence({ classKey, snapshotVersion: snapshot.version });
 *   server.registry.events.on('nack', (e) => …); // also connect, disconnect, push, ack,
 *                                                // converged, classConverged
 *   server.registry.status();                  // plain JSON: every stream, every class
 *   await server.close();                      // streams end with UNAVAILABLE, then the server
 *
 * Pushes are debounced (100 ms after the last change, at most 10 s) and carry only the types
 * and resources that changed, clusters → endpoints → listeners → routes, removals last. A NACK
 * is logged as a warning and recorded; the rejected version is never sent again, only a newer
 * one. Test clients and fixtures are in proxy/testing/.
 *
 * `sluice serve` as a whole is the ControlPlane (proxy/admin/control-plane.ts): a PolicySource
 * (files, or the Git sync the cli adapts) publishes validated models through its sink;
 * `setOverlays` recompiles with rollout weights and returns the versions to wait on;
 * `admin.route()` mounts extra HTTP endpoints.
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
  SentResponse,
  TypeStatus,
  VersionedName,
  WaitOptions,
} from './registry.ts';
export { isFullStateType } from './resource-types.ts';
export { XdsServer } from './server.ts';
export type { CloseOptions, CloseResult, ServerInternals, XdsServerOptions } from './server.ts';
export { DISCOVERY_METHODS } from './wire/index.ts';
export type { DiscoveryMethod, ErrorDetail, Protocol, XdsNode } from './wire/index.ts';
export { ControlPlane } from './admin/control-plane.ts';
export type { AckReport, ControlPlaneOptions, PolicyState, StartResult } from './admin/control-plane.ts';
export { FilePolicySource } from './admin/file-source.ts';
export type { PolicyAttempt, PolicySink, PolicySource, PolicyUpdate, PublishOutcome, SourceStart } from './admin/policy-source.ts';
export { AdminHttpError } from './admin/server.ts';
export type { AdminHandler, AdminMethod, AdminRequest, AdminResponse, AdminRoute } from './admin/server.ts';
