/**
 * The xDS management server: @grpc/grpc-js serving ADS (SotW and delta) and the per-type
 * discovery services from a SnapshotCache, reporting to a ProxyRegistry.
 *
 * `close()` is graceful: no new streams, every open stream ends with UNAVAILABLE (so proxies
 * reconnect, to another replica if there is one), and the gRPC server is forced down only if
 * connections linger past the timeout.
 */
import * as grpc from '@grpc/grpc-js';
import type { SnapshotCache } from './cache.ts';
import { silentLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { ProxyRegistry } from './registry.ts';
import { DeltaStream } from './stream/delta.ts';
import { GRPC_UNAVAILABLE } from './stream/base.ts';
import type { DiscoveryStream, RequestBase, StreamContext, StreamTransport } from './stream/base.ts';
import { SotwStream } from './stream/sotw.ts';
import { serverServiceDefinitions } from './wire/index.ts';
import type { DiscoveryMethod } from './wire/index.ts';

export interface XdsServerOptions {
  cache: SnapshotCache;
  /** Created if not given. */
  registry?: ProxyRegistry;
  logger?: Logger;
  /** Sent as `control_plane.identifier` in every response (e.g. `sluice@host`). */
  controlPlaneId?: string;
  /** Namespace for proxies whose node says none (default `default`). */
  fallbackNamespace?: string;
  /** Options for the gRPC server (message sizes, keepalive…). */
  grpcOptions?: grpc.ServerOptions;
}

export interface CloseOptions {
  /** How long streams and connections get to end before they are cut (default 5 s). */
  timeoutMs?: number;
}

export interface CloseResult {
  /** The timeout passed and connections were cut. */
  forced: boolean;
  /** Streams that were open when close() began. */
  streams: number;
}

export interface ServerInternals {
  streams: number;
  /** Streams waiting for their client to read (pushes to them are coalesced meanwhile). */
  blockedStreams: number;
  cache: ReturnType<SnapshotCache['internals']>;
  registry: ReturnType<ProxyRegistry['internals']>;
}

interface OpenStream {
  stream: DiscoveryStream<RequestBase>;
  call: grpc.ServerDuplexStream<RequestBase, Buffer>;
}

export class XdsServer {
  readonly cache: SnapshotCache;
  readonly registry: ProxyRegistry;
  /** The gRPC server, to host other services next to xDS (health, CSDS). */
  readonly grpcServer: grpc.Server;
  private readonly logger: Logger;
  private readonly context: StreamContext;
  private readonly open = new Set<OpenStream>();
  private readonly unsubscribePublish: () => void;
  private streamSeq = 0;
  private closing: Promise<CloseResult> | undefined;

  constructor(options: XdsServerOptions) {
    this.cache = options.cache;
    this.logger = options.logger ?? silentLogger;
    this.registry = options.registry ?? new ProxyRegistry({ logger: this.logger });
    this.context = {
      cache: this.cache,
      registry: this.registry,
      logger: this.logger,
      controlPlaneId: options.controlPlaneId,
      fallbackNamespace: options.fallbackNamespace,
    };
    this.unsubscribePublish = this.cache.events.on('publish', (p) => this.registry.published(p.classKey, p.snapshot.version, p.at));
    this.grpcServer = new grpc.Server(options.grpcOptions);
    for (const { methods, definition } of serverServiceDefinitions().values()) {
      const implementation: grpc.UntypedServiceImplementation = {};
      for (const method of methods) implementation[method.method] = (call: grpc.ServerDuplexStream<RequestBase, Buffer>) => this.accept(method, call);
      this.grpcServer.addService(definition, implementation);
    }
  }

  /** Binds `address` (default 127.0.0.1:0) and returns the port. */
  listen(address = '127.0.0.1:0', credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    return new Promise((resolve, reject) => {
      this.grpcServer.bindAsync(address, credentials, (error, port) => {
        if (error) reject(error);
        else {
          this.logger.info('xDS server listening', { address, port });
          resolve(port);
        }
      });
    });
  }

  /** Ends every stream and stops the server; see the module comment. Idempotent. */
  close(options: CloseOptions = {}): Promise<CloseResult> {
    this.closing ??= this.shutdown(options.timeoutMs ?? 5_000);
    return this.closing;
  }

  internals(): ServerInternals {
    let blockedStreams = 0;
    for (const open of this.open) if (open.stream.isBlocked) blockedStreams++;
    return { streams: this.open.size, blockedStreams, cache: this.cache.internals(), registry: this.registry.internals() };
  }

  private async shutdown(timeoutMs: number): Promise<CloseResult> {
    const streams = this.open.size;
    this.logger.info('xDS server shutting down', { streams });
    const stopped = new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    for (const open of [...this.open]) {
      open.stream.fail(GRPC_UNAVAILABLE, 'xDS server shutting down');
      this.open.delete(open);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const forced = await Promise.race([stopped.then(() => false), timedOut]);
    clearTimeout(timer);
    if (forced) {
      this.logger.warn('xDS server shutdown timed out; closing connections', { timeoutMs });
      this.grpcServer.forceShutdown();
    }
    this.unsubscribePublish();
    this.cache.close();
    this.registry.close();
    return { forced, streams };
  }

  private accept(method: DiscoveryMethod, call: grpc.ServerDuplexStream<RequestBase, Buffer>): void {
    if (this.closing) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xDS server shutting down' });
      return;
    }
    const streamId = `${method.service}-${++this.streamSeq}`;
    const transport: StreamTransport = {
      peer: safePeer(call),
      write: (message) => call.write(message),
      fail: (code, details) => {
        if (!call.destroyed && !call.writableEnded) call.emit('error', { code, details });
      },
    };
    const stream: DiscoveryStream<RequestBase> =
      method.protocol === 'sotw'
        ? (new SotwStream(streamId, this.context, transport, method) as unknown as DiscoveryStream<RequestBase>)
        : (new DeltaStream(streamId, this.context, transport, method) as unknown as DiscoveryStream<RequestBase>);
    const open: OpenStream = { stream, call };
    this.open.add(open);
    const end = () => {
      stream.close();
      this.open.delete(open);
    };
    call.on('data', (request: RequestBase) => stream.receive(request));
    call.on('drain', () => stream.drained());
    // The client half-closed: it wants no more; finish our side too.
    call.on('end', () => {
      end();
      if (!call.writableEnded) call.end();
    });
    call.on('cancelled', end);
    call.on('error', end);
    call.on('finish', end);
    call.on('close', end);
  }
}

function safePeer(call: grpc.ServerDuplexStream<RequestBase, Buffer>): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
