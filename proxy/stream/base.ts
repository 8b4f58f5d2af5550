/**
 * What every discovery stream does, whatever its protocol: identify the proxy from the node
 * of its first request, watch its class's snapshot, and push what changed, in order, without
 * piling responses onto a client that does not read them.
 *
 * The protocol (what a request means, what to send) is the subclass's: SotwStream, DeltaStream.
 * Streams know nothing of gRPC; they write encoded responses to a StreamTransport.
 */
import type { Snapshot } from '../../compiler/index.ts';
import { classifyNode } from '../../compiler/index.ts';
import type { SnapshotCache, SnapshotWatch } from '../cache.ts';
import type { Logger } from '../logger.ts';
import type { ProxyRecord, ProxyRegistry, SentResponse } from '../registry.ts';
import { shortTypeName } from '../resource-types.ts';
import type { DiscoveryMethod, ErrorDetail, XdsNode } from '../wire/index.ts';

/** gRPC status codes used here (the numbers are gRPC's). */
export const GRPC_INVALID_ARGUMENT = 3;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;

/** The call a stream writes to. */
export interface StreamTransport {
  readonly peer: string;
  /** Queues a response; false when the client is not reading fast enough (wait for drained()). */
  write(message: Buffer): boolean;
  /** Ends the call with an error status. */
  fail(code: number, message: string): void;
}

export interface StreamContext {
  cache: SnapshotCache;
  registry: ProxyRegistry;
  logger: Logger;
  controlPlaneId: string | undefined;
  /** Namespace of proxies whose node does not say (classifyNode). */
  fallbackNamespace: string | undefined;
}

/** A response ready to go: encoded, and described for the registry. */
export interface Outgoing {
  message: Buffer;
  sent: SentResponse;
}

/** The request fields every protocol shares. */
export interface RequestBase {
  node: XdsNode | undefined;
  typeUrl: string;
  responseNonce: string;
  errorDetail: ErrorDetail | undefined;
}

export abstract class DiscoveryStream<Request extends RequestBase> {
  protected record: ProxyRecord | undefined;
  protected snapshot: Snapshot | undefined;
  private watch: SnapshotWatch | undefined;
  private closed = false;
  /** The transport asked us to wait for `drained()`. */
  private blocked = false;
  /** Something changed while blocked. */
  private dirty = false;
  private nonces = 0;

  constructor(
    readonly streamId: string,
    protected readonly context: StreamContext,
    protected readonly transport: StreamTransport,
    protected readonly method: DiscoveryMethod,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Waiting for the client to read what was already written. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** A request arrived. */
  receive(request: Request): void {
    if (this.closed) return;
    try {
      if (!this.record && !this.identify(request)) return;
      const typeUrl = this.typeOf(request);
      if (typeUrl === undefined) return;
      // A plain ACK changes nothing to send: no need to compare the snapshot again.
      if (this.handle(request, typeUrl)) this.flush();
    } catch (e) {
      this.context.logger.error('xDS stream failed', { streamId: this.streamId, error: e });
      this.fail(GRPC_INTERNAL, 'internal error in the xDS server');
    }
  }

  /** The transport can take more. */
  drained(): void {
    this.blocked = false;
    if (this.dirty) this.flush();
  }

  /** The call ended (either side, any reason). Idempotent; leaves nothing behind. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.cancel();
    this.watch = undefined;
    if (this.record) this.context.registry.disconnect(this.record);
    this.snapshot = undefined;
    this.release();
  }

  /** Ends the stream with an error status. */
  fail(code: number, message: string): void {
    if (this.closed) return;
    this.close();
    this.transport.fail(code, message);
  }

  /** Applies one request of `typeUrl` to the protocol state; true when it may call for a response. */
  protected abstract handle(request: Request, typeUrl: string): boolean;

  /** What the snapshot requires sending now, in push order; commits it to the protocol state. */
  protected abstract plan(snapshot: Snapshot, nonce: () => string): Outgoing[];

  /** Drop per-type state (on close). */
  protected abstract release(): void;

  protected get logger(): Logger {
    return this.context.logger;
  }

  /** Sends what the current snapshot and subscriptions call for. */
  protected flush(): void {
    if (this.closed || !this.snapshot || !this.record) return;
    if (this.blocked) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const snapshot = this.snapshot;
    const record = this.record;
    for (const out of this.plan(snapshot, () => String(++this.nonces))) {
      if (this.closed) return;
      record.sent(out.sent);
      this.logger.debug('push', {
        streamId: this.streamId,
        nodeId: record.nodeId,
        type: shortTypeName(out.sent.typeUrl),
        version: out.sent.versionInfo,
        nonce: out.sent.nonce,
        resources: out.sent.resources.length,
        removed: out.sent.removed.length,
      });
      // A full buffer does not stop this plan (its order matters); it stops the next one,
      // which is then computed from the newest snapshot when the client catches up.
      if (!this.transport.write(out.message)) this.blocked = true;
    }
    record.appliedSnapshot(snapshot);
  }

  private identify(request: Request): boolean {
    const node = request.node;
    if (!node) {
      this.fail(GRPC_INVALID_ARGUMENT, 'the first request of a stream must carry the node');
      return false;
    }
    const proxy = classifyNode({ id: node.id, userAgentName: node.userAgentName, metadata: node.metadata }, this.context.fallbackNamespace);
    this.record = this.context.registry.connect({ streamId: this.streamId, node, proxy, protocol: this.method.protocol, service: this.method.service, peer: this.transport.peer });
    this.watch = this.context.cache.watch(proxy, (snapshot) => {
      if (this.closed) return;
      this.snapshot = snapshot;
      this.flush();
    });
    this.snapshot = this.watch.snapshot;
    return true;
  }

  /** The request's type: per-type services imply it, ADS requests must say it. */
  private typeOf(request: Request): string | undefined {
    const bound = this.method.typeUrl;
    const typeUrl = request.typeUrl || bound;
    if (!typeUrl) {
      this.logger.warn('ignoring a discovery request without type_url', { streamId: this.streamId, nodeId: this.record?.nodeId });
      return undefined;
    }
    if (bound && typeUrl !== bound) {
      this.logger.warn('ignoring a request for another type on a per-type discovery service', { streamId: this.streamId, service: this.method.service, typeUrl });
      return undefined;
    }
    return typeUrl;
  }
}
