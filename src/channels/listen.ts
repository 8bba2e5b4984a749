/**
 * `listen`: a listening socket whose every accepted connection becomes a channel handed to a
 * function. Unlike NaviServer, the socket is bound exactly where asked, accepted sockets stay
 * non-blocking, and a rejecting accept function closes only that one connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { ChannelTable } from './channel-table.js';
import type { Channel, ChannelLimits } from './channel.js';

/** Called with each accepted channel. Return `false` to close that connection. */
export type AcceptFn = (channel: Channel) => boolean | void | Promise<boolean | void>;

export interface ListenOptions {
  /** Serve TLS with these settings (cert, key, …). Default: plain TCP. */
  tls?: TlsOptions;
  server?: string;
  /** Driver name shown in `list`. Default `http` or `https`. */
  driver?: string;
  limits?: Partial<ChannelLimits>;
  backlog?: number;
  /**
   * Keep the channel after the peer finished sending (TCP half-close), so that it can still be
   * written to; it leaves the table only once the connection is closed. Default false.
   */
  halfOpen?: boolean;
}

/** What `listen` returns: ns_connchan's dict, plus a way to stop listening. */
export interface Listener {
  /** The channel standing for the listening socket itself. */
  channel: string;
  /** The port bound (the kernel's choice when 0 was asked). */
  port: number;
  /** The listening socket's file descriptor, or -1 where the platform does not expose it. */
  sock: number;
  address: string;
  /** Stops accepting; accepted channels stay open. */
  close(): Promise<void>;
}

/**
 * Listens on host:port and calls `accept` with a channel for each connection.
 *
 * @example
 * ```ts
 * const l = await listenChannel('127.0.0.1', 0, (chan) => {
 *   chan.setCallback(async () => { chan.write(await chan.read()); return 1; }, 'r');
 * });
 * console.log(l.port);
 * ```
 */
export async function listenChannel(
  host: string,
  port: number,
  accept: AcceptFn,
  options: ListenOptions = {},
): Promise<Listener> {
  const table = ChannelTable.of(options.server);
  const driver = options.driver ?? (options.tls ? 'https' : 'http');
  const onSocket = (socket: Socket) => {
    const channel = table.create({
      socket,
      kind: 'accepted',
      driver,
      role: 'server',
      limits: options.limits,
      halfOpen: options.halfOpen,
    });
    Promise.resolve()
      .then(() => accept(channel))
      .then(
        (keep) => {
          if (keep === false) channel.close();
        },
        (err: unknown) => {
          console.warn(
            `connchan: accept function of listener ${host}:${port} failed: ${String(err)}`,
          );
          channel.close();
        },
      );
  };
  const server: Server = options.tls
    ? createTlsServer({ ...options.tls, allowHalfOpen: true }, onSocket)
    : createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: options.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr : { port, address: host };
  const handle = (server as unknown as { _handle?: { fd?: number } })._handle;
  const entry = table.createListener(
    `${bound.address}:${bound.port}`,
    driver,
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  return {
    channel: entry.name,
    port: bound.port,
    sock: handle?.fd ?? -1,
    address: bound.address,
    close: () => entry.close(),
  };
}
