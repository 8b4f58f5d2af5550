/**
 * A minimal xDS client for tests and benchmarks: one raw @grpc/grpc-js bidi stream, SotW or
 * delta, on any discovery service. It speaks the protocol only as far as it is told (tests
 * send each request explicitly, to check the server's every reaction); `autoAck` makes it ACK
 * every response by itself, which is what a fan-out benchmark needs.
 */
import * as grpc from '@grpc/grpc-js';
import { decodeResource, RESOURCE_TYPE_URLS } from '../../compiler/xds/index.ts';
import type { JsonObject } from '../../compiler/xds/index.ts';
import {
  decodeDeltaDiscoveryResponse,
  decodeDiscoveryResponse,
  discoveryMethod,
  encodeDeltaDiscoveryRequest,
  encodeDiscoveryRequest,
} from '../wire/index.ts';
import type {
  AnyResource,
  DeltaDiscoveryRequestInit,
  DeltaDiscoveryResponse,
  DiscoveryRequestInit,
  DiscoveryResponse,
  ErrorDetail,
  NodeInit,
  Protocol,
} from '../wire/index.ts';

export interface XdsClientOptions {
  /** `host:port` of the server. */
  address: string;
  node: NodeInit;
  /** `ads` (default) or a per-type service (`lds`, `rds`, `cds`, `eds`, `sds`). */
  service?: string;
  /** A client to open the stream on (many streams can share one connection). */
  client?: grpc.Client;
  /** ACK every response as it arrives. */
  autoAck?: boolean;
  /** Leave the node out of the first request too (to test that the server refuses it). */
  omitNode?: boolean;
}

/** The resource's name, read from its decoded JSON (SotW responses do not carry names). */
export function resourceName(resource: AnyResource): string {
  const json = decodeResource(resource.typeUrl, resource.value);
  const name = resource.typeUrl === RESOURCE_TYPE_URLS.clusterLoadAssignment ? json.clusterName : json.name;
  return typeof name === 'string' ? name : '';
}

export function resourceJson(resource: AnyResource): JsonObject {
  return decodeResource(resource.typeUrl, resource.value);
}

/** A queue of what the server sent, for tests to await in order. */
class Inbox<T> {
  readonly received: T[] = [];
  private read = 0;
  private readonly waiting: { resolve(value: T): void; reject(error: Error): void; timer: NodeJS.Timeout }[] = [];
  private ended: Error | undefined;

  push(value: T): void {
    this.received.push(value);
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      this.read++;
      waiter.resolve(value);
    }
  }

  end(error: Error): void {
    this.ended = error;
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  next(timeoutMs: number): Promise<T> {
    if (this.read < this.received.length) return Promise.resolve(this.received[this.read++] as T);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new Error(`no response within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Resolves if nothing arrives for `ms`; rejects with what did arrive otherwise. */
  async none(ms: number, describe: (value: T) => string): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.read < this.received.length) {
      const extra = this.received.slice(this.read).map(describe);
      throw new Error(`unexpected response(s): ${extra.join('; ')}`);
    }
  }

  get unread(): number {
    return this.received.length - this.read;
  }
}

abstract class StreamClient<Request, Response> {
  readonly inbox = new Inbox<Response>();
  /** The call's final status, once it ends. */
  readonly status: Promise<grpc.StatusObject>;
  protected readonly call: grpc.ClientDuplexStream<Request, Response>;
  protected readonly node: NodeInit;
  private sentNode = false;
  private readonly ownClient: grpc.Client | undefined;

  constructor(options: XdsClientOptions, protocol: Protocol, serialize: (r: Request) => Buffer, deserialize: (b: Buffer) => Response) {
    this.node = options.node;
    this.sentNode = options.omitNode === true;
    const method = discoveryMethod(options.service ?? 'ads', protocol);
    this.ownClient = options.client ? undefined : new grpc.Client(options.address, grpc.credentials.createInsecure());
    const client = options.client ?? (this.ownClient as grpc.Client);
    this.call = client.makeBidiStreamRequest(method.path, serialize, deserialize);
    this.status = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('data', (response: Response) => {
      this.inbox.push(response);
      if (options.autoAck) this.ack(response);
    });
    this.call.on('error', (error: Error) => this.inbox.end(error));
    this.call.on('end', () => this.inbox.end(new Error('stream ended')));
  }

  /** Waits for the next response. */
  next(timeoutMs = 2_000): Promise<Response> {
    return this.inbox.next(timeoutMs);
  }

  /** Asserts no response arrives within `ms`. */
  expectNone(ms = 150): Promise<void> {
    return this.inbox.none(ms, (r) => this.describe(r));
  }

  abstract ack(response: Response): void;

  /** Half-closes the stream (the polite way to leave). */
  end(): void {
    this.call.end();
  }

  /** Drops the stream and its connection, as a crashing proxy would. */
  cancel(): void {
    this.call.cancel();
    this.ownClient?.close();
  }

  close(): void {
    this.call.end();
    this.ownClient?.close();
  }

  /** The node goes on the first request only, as real clients do. */
  protected nodeOnce(): NodeInit | undefined {
    if (this.sentNode) return undefined;
    this.sentNode = true;
    return this.node;
  }

  protected abstract describe(response: Response): string;
}

export class SotwClient extends StreamClient<Buffer, DiscoveryResponse> {
  /** The names last subscribed per type, repeated in ACKs as real clients do. */
  private readonly lastNames = new Map<string, readonly string[]>();

  constructor(options: XdsClientOptions) {
    super(options, 'sotw', (b) => b, (b) => decodeDiscoveryResponse(b));
  }

  request(init: Omit<DiscoveryRequestInit, 'node'> & { node?: DiscoveryRequestInit['node'] }): void {
    this.call.write(encodeDiscoveryRequest({ ...init, node: init.node ?? this.nodeOnce() }));
  }

  /** ACKs a response, keeping `resourceNames` as the subscription. */
  ack(response: DiscoveryResponse, resourceNames: readonly string[] = this.lastNames.get(response.typeUrl) ?? []): void {
    this.request({ typeUrl: response.typeUrl, versionInfo: response.versionInfo, responseNonce: response.nonce, resourceNames });
  }

  /** NACKs a response (by `error_detail`; the version is whatever the caller says). */
  nack(response: DiscoveryResponse, error: ErrorDetail, options: { versionInfo?: string; resourceNames?: readonly string[] } = {}): void {
    this.request({
      typeUrl: response.typeUrl,
      versionInfo: options.versionInfo ?? '',
      responseNonce: response.nonce,
      resourceNames: options.resourceNames ?? this.lastNames.get(response.typeUrl) ?? [],
      errorDetail: error,
    });
  }

  /** Subscribes (first request of a type, or a new name list). */
  subscribe(typeUrl: string, resourceNames: readonly string[] = [], previous?: DiscoveryResponse): void {
    this.lastNames.set(typeUrl, resourceNames);
    this.request({ typeUrl, resourceNames, responseNonce: previous?.nonce ?? '', versionInfo: previous?.versionInfo ?? '' });
  }

  /** Waits for the next response and checks its type. */
  async nextOf(typeUrl: string, timeoutMs?: number): Promise<DiscoveryResponse> {
    const response = await this.next(timeoutMs);
    if (response.typeUrl !== typeUrl) throw new Error(`expected a ${typeUrl} response, got ${this.describe(response)}`);
    return response;
  }

  protected describe(r: DiscoveryResponse): string {
    return `${shortType(r.typeUrl)} v=${r.versionInfo} nonce=${r.nonce} [${r.resources.map(resourceName).join(', ')}]`;
  }
}

export class DeltaClient extends StreamClient<Buffer, DeltaDiscoveryResponse> {
  constructor(options: XdsClientOptions) {
    super(options, 'delta', (b) => b, (b) => decodeDeltaDiscoveryResponse(b));
  }

  request(init: Omit<DeltaDiscoveryRequestInit, 'node'> & { node?: DeltaDiscoveryRequestInit['node'] }): void {
    this.call.write(encodeDeltaDiscoveryRequest({ ...init, node: init.node ?? this.nodeOnce() }));
  }

  ack(response: DeltaDiscoveryResponse): void {
    this.request({ typeUrl: response.typeUrl, responseNonce: response.nonce });
  }

  nack(response: DeltaDiscoveryResponse, error: ErrorDetail): void {
    this.request({ typeUrl: response.typeUrl, responseNonce: response.nonce, errorDetail: error });
  }

  async nextOf(typeUrl: string, timeoutMs?: number): Promise<DeltaDiscoveryResponse> {
    const response = await this.next(timeoutMs);
    if (response.typeUrl !== typeUrl) throw new Error(`expected a ${typeUrl} response, got ${this.describe(response)}`);
    return response;
  }

  protected describe(r: DeltaDiscoveryResponse): string {
    return `${shortType(r.typeUrl)} nonce=${r.nonce} +[${r.resources.map((x) => x.name).join(', ')}] -[${r.removedResources.join(', ')}]`;
  }
}

function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}
