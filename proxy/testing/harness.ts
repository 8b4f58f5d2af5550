/**
 * A running xDS server on a loopback port with its cache and registry, and clients that
 * connect to it, for tests. `close()` shuts everything down and returns the server's
 * internal counts afterwards, so a test can check that nothing was left behind.
 */
import { SnapshotCache } from '../cache.ts';
import type { SnapshotCacheOptions } from '../cache.ts';
import { memoryLogger } from '../logger.ts';
import type { Logger, LogRecord } from '../logger.ts';
import { XdsServer } from '../server.ts';
import type { ServerInternals } from '../server.ts';
import type { NodeInit } from '../wire/index.ts';
import { DeltaClient, SotwClient } from './client.ts';
import type { XdsClientOptions } from './client.ts';

export interface Harness {
  server: XdsServer;
  cache: SnapshotCache;
  address: string;
  logs: LogRecord[];
  sotw(node?: Partial<NodeInit>, options?: Partial<XdsClientOptions>): SotwClient;
  delta(node?: Partial<NodeInit>, options?: Partial<XdsClientOptions>): DeltaClient;
  /** Waits until `check` holds (polling), or fails after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<ServerInternals>;
}

export interface HarnessOptions extends SnapshotCacheOptions {
  logger?: Logger;
}

let nodes = 0;

export async function startServer(options: HarnessOptions = {}): Promise<Harness> {
  const recorder = memoryLogger();
  const logger = options.logger ?? recorder;
  const cache = new SnapshotCache({ debounce: { afterMs: 5, maxMs: 50 }, ...options, logger });
  const server = new XdsServer({ cache, logger, controlPlaneId: 'sluice-test' });
  const port = await server.listen('127.0.0.1:0');
  const address = `127.0.0.1:${port}`;
  const clients: { close(): void }[] = [];
  const nodeOf = (node: Partial<NodeInit> = {}): NodeInit => ({ id: node.id ?? `node-${++nodes}`, metadata: { NAMESPACE: 'default' }, ...node });
  return {
    server,
    cache,
    address,
    logs: recorder.records,
    sotw(node, clientOptions) {
      const client = new SotwClient({ address, node: nodeOf(node), ...clientOptions });
      clients.push(client);
      return client;
    },
    delta(node, clientOptions) {
      const client = new DeltaClient({ address, node: nodeOf(node), ...clientOptions });
      clients.push(client);
      return client;
    },
    async until(check, timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      for (const client of clients) client.close();
      await server.close({ timeoutMs: 1_000 });
      return server.internals();
    },
  };
}
