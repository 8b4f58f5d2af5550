/**
 * The client side of the fan-out benchmark, run in a child process (`child_process.fork`) so
 * the server's memory is measured alone. Told over IPC what to open:
 *
 * - `xds`: N raw SotW ADS streams (proxy/testing's SotwClient, autoAck) spread over C
 *   grpc.Clients, each with its own TCP connection; every stream subscribes to the same names
 *   of the four types, CDS → EDS → LDS → RDS, all at once (a real gRPC client discovers them
 *   one after the other; the end state is the same).
 * - `raw`: N streams of a bare bidi method on the lower-bound server, over C connections;
 *   each echoes one byte for every message it receives (the cheapest possible "ACK").
 *
 * Everything it opens is closed on `close`, on disconnect from the parent, or after 150 s.
 */
import * as grpc from '@grpc/grpc-js';
import { SotwClient } from '../../proxy/testing/client.ts';

export interface XdsCommand {
  cmd: 'xds';
  address: string;
  streams: number;
  channels: number;
  names: { typeUrl: string; names: string[] }[];
  node: { namespace: string; labels: Record<string, string> };
}
export interface RawCommand {
  cmd: 'raw';
  address: string;
  method: string;
  streams: number;
  channels: number;
}
export type FanoutCommand = XdsCommand | RawCommand | { cmd: 'close' };
export type FanoutReply = { opened: number } | { ended: number; errors: string[] };

const channelOptions = { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
const grpcClients: grpc.Client[] = [];
const xdsClients: SotwClient[] = [];
const rawCalls: grpc.ClientDuplexStream<Buffer, Buffer>[] = [];
let ended = 0;
const errors = new Set<string>();

function channels(address: string, count: number): grpc.Client[] {
  const out: grpc.Client[] = [];
  for (let i = 0; i < count; i++) out.push(new grpc.Client(address, grpc.credentials.createInsecure(), channelOptions));
  grpcClients.push(...out);
  return out;
}

function openXds(c: XdsCommand): void {
  const shared = channels(c.address, c.channels);
  for (let i = 0; i < c.streams; i++) {
    const client = new SotwClient({
      address: c.address,
      client: shared[i % shared.length],
      autoAck: true,
      node: {
        id: `fanout-${i}`,
        userAgentName: 'grpc-node-fanout-bench',
        metadata: { GENERATOR: 'grpc', NAMESPACE: c.node.namespace, LABELS: c.node.labels },
      },
    });
    client.status.then((s) => {
      ended++;
      if (s.code !== grpc.status.OK) errors.add(`${s.code} ${s.details}`);
    });
    for (const { typeUrl, names } of c.names) client.subscribe(typeUrl, names);
    xdsClients.push(client);
  }
}

function openRaw(c: RawCommand): void {
  const shared = channels(c.address, c.channels);
  const one = Buffer.from([1]);
  for (let i = 0; i < c.streams; i++) {
    const call = (shared[i % shared.length] as grpc.Client).makeBidiStreamRequest(c.method, (b: Buffer) => b, (b: Buffer) => b);
    call.on('data', () => call.write(one));
    call.on('error', (e: Error) => errors.add(e.message));
    call.write(one); // "I am here"
    rawCalls.push(call);
  }
}

function closeAll(): void {
  for (const c of xdsClients) c.end();
  for (const c of rawCalls) c.end();
  for (const c of grpcClients) c.close();
  setTimeout(() => process.exit(0), 200).unref();
}

process.on('message', (m: FanoutCommand) => {
  if (m.cmd === 'xds') {
    openXds(m);
    process.send?.({ opened: xdsClients.length } satisfies FanoutReply);
  } else if (m.cmd === 'raw') {
    openRaw(m);
    process.send?.({ opened: rawCalls.length } satisfies FanoutReply);
  } else {
    process.send?.({ ended, errors: [...errors].slice(0, 5) } satisfies FanoutReply);
    closeAll();
  }
});
process.on('disconnect', closeAll);
setTimeout(() => process.exit(0), 150_000).unref();
