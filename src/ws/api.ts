/**
 * The tcllib commands that take a socket handle: `send`, `close`, `conninfo`, `find`,
 * `configure`, `takeover`, plus a graceful `shutdown`. A handle is the connection's name (its
 * channel's name, e.g. `conn7`) or the {@link WebSocketConnection} itself.
 */
import { Socket } from 'node:net';
import type { Channel } from '../channels/channel.js';
import { ChannelTable, findChannel } from '../channels/channel-table.js';
import { UsageError } from '../errors.js';
import type { PerMessageDeflateAgreement } from '../proto/ws/permessage-deflate-params.js';
import { sendTyped, WebSocketConnection } from './connection.js';
import { globMatch } from './glob.js';
import { connections, lookup } from './registry.js';
import type {
  WsAnyHandler,
  WsConnectionOptions,
  WsHandler,
  WsHandlers,
  WsShortHandler,
} from './types.js';

/** A socket handle: the connection's name or the connection. */
export type WsSocket = string | WebSocketConnection;

/**
 * Sends a message, a fragment or a control frame (tcllib `send`); see
 * {@link WebSocketConnection.send}. Returns the bytes sent, or -1 on an I/O error or when the
 * connection is closing.
 *
 * @throws UsageError `ERR_WS_UNKNOWN_SOCKET` for a handle no live WebSocket has,
 *   `ERR_WS_NOT_CONNECTED` before the handshake completed.
 * @example
 * ```ts
 * send(sock, 'text', 'Testing, testing...');
 * send(sock, 'binary', chunk, false); // a fragment; more follow
 * ```
 */
export function send(
  sock: WsSocket,
  type: string | number,
  msg?: string | Uint8Array,
  final = true,
): number {
  return sendTyped(lookup(sock), type, msg, final);
}

/**
 * Starts the closing handshake (tcllib `close`): code default 1000, reason default the manual's
 * text for the code, cut to 123 bytes; the connection is cut after `closeTimeout` if the peer
 * never answers.
 *
 * @example
 * ```ts
 * close(sock, 1001);
 * ```
 */
export function close(sock: WsSocket, code?: number, reason?: string): void {
  lookup(sock).close(code, reason);
}

/** What {@link conninfo} can tell. */
export type ConninfoWhat =
  | 'peername'
  | 'sockname'
  | 'name'
  | 'closed'
  | 'client'
  | 'server'
  | 'type'
  | 'handler'
  | 'state'
  | 'protocol'
  | 'extensions'
  | 'peerport'
  | 'sockport';

/**
 * Introspection (tcllib `conninfo`): `peername` (the host name a client connected to, else the
 * peer's address), `sockname`/`name` (local address), `closed`/`client`/`server` (1 or 0),
 * `type` (`server` or `client`), `handler`, `state` (`CONNECTING`, `CONNECTED`, `CLOSED`;
 * `CLOSING` while the closing handshake runs), and `protocol`, `extensions`, `peerport`,
 * `sockport` besides.
 *
 * @example
 * ```ts
 * `${conninfo(sock, 'type')} from ${conninfo(sock, 'sockname')} to ${conninfo(sock, 'peername')}`;
 * ```
 */
export function conninfo(
  sock: WsSocket,
  what: ConninfoWhat,
): string | number | WsHandler | undefined {
  const c = lookup(sock);
  const s = c.channel.transport;
  switch (what) {
    case 'peername':
      return c.hostname ?? c.channel.peer ?? s.remoteAddress ?? '';
    case 'sockname':
    case 'name':
      return s.localAddress ?? '';
    case 'closed':
      return c.state === 'CLOSED' ? 1 : 0;
    case 'client':
      return c.role === 'client' ? 1 : 0;
    case 'server':
      return c.role === 'server' ? 1 : 0;
    case 'type':
      return c.role;
    case 'handler':
      return c.handler;
    case 'state':
      return c.state;
    case 'protocol':
      return c.protocol;
    case 'extensions':
      return c.extensions;
    case 'peerport':
      return s.remotePort ?? 0;
    case 'sockport':
      return s.localPort ?? 0;
    default:
      throw new UsageError(`conninfo cannot tell ${JSON.stringify(what)}`, {
        code: 'ERR_INVALID_OPTION',
      });
  }
}

/**
 * The handles of live WebSockets whose remote end matches `hostGlob` (against the host name
 * when known and the IP address) and `portGlob` (tcllib `find`; both default to `*`).
 *
 * @example
 * ```ts
 * for (const sock of find('127.0.0.*')) send(sock, 'text', 'hello, neighbour');
 * ```
 */
export function find(hostGlob = '*', portGlob = '*'): string[] {
  const out: string[] = [];
  for (const c of connections()) {
    const s = c.channel.transport;
    const ip = s.remoteAddress ?? c.channel.peer;
    const hostOk =
      globMatch(hostGlob, ip) ||
      (c.hostname !== undefined && globMatch(hostGlob, c.hostname)) ||
      (c.channel.peer !== ip && globMatch(hostGlob, c.channel.peer));
    if (hostOk && globMatch(portGlob, String(s.remotePort ?? ''))) out.push(c.name);
  }
  return out;
}

/**
 * Changes a connection's keep-alive (tcllib `configure -keepalive secs -ping text`); returns
 * the settings in force. With no options it only reports them.
 *
 * @example
 * ```ts
 * configure(sock, { keepalive: 10, ping: 'hb' });
 * ```
 */
export function configure(
  sock: WsSocket,
  options: { keepalive?: number | string; ping?: string | Uint8Array } = {},
): { keepalive: number; ping: string } {
  const c = lookup(sock);
  c.configure(options);
  const k = c.keepalive;
  return { keepalive: k.intervalMs / 1000, ping: k.ping.toString() };
}

/** Options of {@link takeover}. */
export interface TakeoverOptions extends WsConnectionOptions {
  /** Server role (masked frames in, keep-alive pings by default), as tcllib's `server` argument. Default false. */
  server?: boolean | undefined;
  /** The agreed subprotocol and extensions, when a handshake was done elsewhere. */
  protocol?: string | undefined;
  extensions?: string | undefined;
  deflate?: PerMessageDeflateAgreement | undefined;
  /** Channel table for a raw socket. Default `default`. */
  table?: string | undefined;
}

/**
 * Turns an open channel (its name or the Channel) or a raw socket into a WebSocket, with no
 * handshake of its own (tcllib `takeover`): the caller has done the opening. Bytes already
 * buffered on the channel are the first frames.
 *
 * @example
 * ```ts
 * const conn = takeover(channelName, handler, { server: true });
 * ```
 */
export function takeover(
  channelOrSocket: string | Channel | Socket,
  handler?: WsHandler | WsHandlers,
  options?: TakeoverOptions,
): WebSocketConnection;
export function takeover(
  channelOrSocket: string | Channel | Socket,
  handler: WsShortHandler,
  options?: TakeoverOptions,
): WebSocketConnection;
export function takeover(
  channelOrSocket: string | Channel | Socket,
  handler?: WsAnyHandler,
  options: TakeoverOptions = {},
): WebSocketConnection {
  const role = options.server ? 'server' : 'client';
  let channel: Channel;
  if (typeof channelOrSocket === 'string') channel = findChannel(channelOrSocket);
  // A socket is told apart from a channel by Node's class: a channel may come from another
  // copy of connchan in the process, whose Channel class is not this one.
  else if (channelOrSocket instanceof Socket) {
    channel = ChannelTable.of(options.table).create({
      socket: channelOrSocket,
      kind: 'adopted',
      driver: 'ws',
      role,
    });
  } else channel = channelOrSocket;
  const conn = new WebSocketConnection({ ...options, channel, role, handler });
  conn.start();
  return conn;
}

/**
 * Graceful shutdown: closes every live WebSocket (of one channel table, or all) with `code`
 * (default 1001, "going away") and waits for their closing handshakes up to `deadlineMs`
 * (default 5 s); what is left then is cut.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => { await shutdown({ server: http.name }); await http.close(); });
 * ```
 */
export async function shutdown(
  options: { server?: string; code?: number; reason?: string; deadlineMs?: number } = {},
): Promise<void> {
  const targets = [...connections()].filter(
    (c) => options.server === undefined || c.channel.server === options.server,
  );
  for (const c of targets) c.close(options.code ?? 1001, options.reason);
  const deadline = options.deadlineMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(targets.map((c) => c.closed())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadline);
    }),
  ]);
  clearTimeout(timer);
  for (const c of targets) c.terminate();
}
