// A connected pair of channels over loopback: `client` made by connect, `server` accepted by a
// listener, plain or TLS.
import {
  connectChannel,
  listenChannel,
  type Channel,
  type Listener,
} from '../../src/channels/index.js';
import type { ChannelLimits } from '../../src/channels/channel.js';
import { testCert } from './tls.js';

export { delay, until } from './wait.js';

export interface ChannelPair {
  client: Channel;
  server: Channel;
  listener: Listener;
  close(): Promise<void>;
}

export async function channelPair(
  options: { tls?: boolean; server?: string; limits?: Partial<ChannelLimits> } = {},
): Promise<ChannelPair> {
  const cert = options.tls ? await testCert() : undefined;
  let resolveAccepted!: (c: Channel) => void;
  const accepted = new Promise<Channel>((r) => (resolveAccepted = r));
  const listener = await listenChannel('127.0.0.1', 0, (c) => resolveAccepted(c), {
    tls: cert ? { cert: cert.cert, key: cert.key } : undefined,
    server: options.server,
    limits: options.limits,
  });
  const client = await connectChannel('127.0.0.1', listener.port, {
    tls: cert ? { ca: cert.cert } : undefined,
    server: options.server,
    timeout: '2s',
  });
  const server = await accepted;
  return {
    client,
    server,
    listener,
    async close() {
      client.destroy();
      server.destroy();
      await listener.close();
    },
  };
}

/** Reads from a channel until `n` bytes have come (or EOF). */
export async function readExactly(chan: Channel, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const b = await chan.read({ timeoutMs: 5000 });
    if (b.length === 0) break;
    parts.push(Buffer.from(b));
    got += b.length;
  }
  return Buffer.concat(parts);
}
