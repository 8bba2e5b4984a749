/**
 * Channel write throughput: a detached channel (plain and TLS) writing 64 KiB chunks to a
 * client that reads and drops them, against the same loop on the raw net.Socket / TLSSocket.
 * Both sides run in this process, so the reader's cost is the same for both. The raw socket
 * gets the options every HTTP server gives its sockets (node:http's default too): noDelay, so
 * that the figure is the channel's cost, not Nagle's (about 7 % on this loop).
 */
import {
  connect as netConnect,
  createServer as createNetServer,
  type Socket,
  type AddressInfo,
} from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { BenchCaseFactory, BatchResult } from '../harness.js';
import { createServer } from '../../src/server/index.js';
import { channel } from '../../src/channels/index.js';
import type { Channel } from '../../src/channels/channel.js';
import { testCert } from '../../test/helpers/tls.js';

const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
const BATCH_BYTES = 32 * 1024 * 1024;

/** A reading client; resolves `received` waits as bytes arrive. */
function sink(socket: Socket): (bytes: number) => Promise<void> {
  let got = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    got += d.length;
    if (wake && got >= want) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  return (bytes) => {
    want += bytes;
    if (got >= want) return Promise.resolve();
    return new Promise((r) => (wake = r));
  };
}

async function writeLoop(
  write: (b: Buffer) => boolean,
  drained: () => Promise<void>,
  received: (n: number) => Promise<void>,
): Promise<BatchResult> {
  for (let sent = 0; sent < BATCH_BYTES; sent += CHUNK.length) {
    if (!write(CHUNK)) await drained();
  }
  await received(BATCH_BYTES);
  return { ops: BATCH_BYTES / CHUNK.length, bytes: BATCH_BYTES };
}

function ours(tls: boolean): BenchCaseFactory {
  return async () => {
    const cert = tls ? await testCert() : undefined;
    const server = createServer({ drivers: [{ port: 0, tls: cert }] });
    let resolveChan!: (c: Channel) => void;
    const detached = new Promise<Channel>((r) => (resolveChan = r));
    server.get('/', (ctx) => resolveChan(channel(ctx.detach())));
    const [d] = await server.listen();
    const client: Socket = tls
      ? tlsConnect({ port: d.port, host: '127.0.0.1', ca: cert!.cert })
      : netConnect(d.port, '127.0.0.1');
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const received = sink(client);
    const chan = await detached;
    // The same backpressure signal as the raw loop: stop above the socket's high-water mark.
    const write = (b: Buffer) => {
      chan.write(b, { buffered: true });
      return !chan.socket.writableNeedDrain;
    };
    const drained = () => chan.flush(60_000);
    return () => writeLoop(write, drained, received);
  };
}

function raw(tls: boolean): BenchCaseFactory {
  return async () => {
    const cert = tls ? await testCert() : undefined;
    let resolveSock!: (s: Socket) => void;
    const accepted = new Promise<Socket>((r) => (resolveSock = r));
    const server = tls
      ? createTlsServer({ cert: cert!.cert, key: cert!.key, noDelay: true }, resolveSock)
      : createNetServer({ noDelay: true }, resolveSock);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const client: Socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', ca: cert!.cert })
      : netConnect(port, '127.0.0.1');
    const received = sink(client);
    const sock = await accepted;
    const drained = () => new Promise<void>((r) => sock.once('drain', r));
    return () => writeLoop((b) => sock.write(b), drained, received);
  };
}

export const channelWriteCases: Record<string, BenchCaseFactory> = {
  'chanwrite-ours-plain': ours(false),
  'chanwrite-raw-plain': raw(false),
  'chanwrite-ours-tls': ours(true),
  'chanwrite-raw-tls': raw(true),
};
