/**
 * connchan WebSockets on an existing `node:http` / `https` server (and so Express, Fastify, Koa
 * …): hand over the `'upgrade'` event's request, socket and head, and the connection becomes a
 * channel in a connchan table and a {@link WebSocketConnection}.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ChannelTable } from '../channels/channel-table.js';
import { ProtocolError } from '../errors.js';
import {
  buildRejectResponse,
  headerGetter,
  selectSubprotocol,
  validateClientRequest,
  type ClientRequestInfo,
  type HeaderFields,
} from '../proto/ws/handshake.js';
import { acceptOnChannel, type WsServerEndpointOptions } from './accept.js';
import type { WebSocketConnection } from './connection.js';
import { globMatch } from './glob.js';
import type { WsAnyHandler } from './types.js';

/** What to do with an opening that was refused. */
export interface NodeUpgradeRejection {
  status: number;
  headers?: HeaderFields;
  body?: string;
}

/** Options of {@link handleNodeUpgrade} (`verify` is its synchronous `beforeUpgrade`). */
export interface NodeUpgradeOptions<D = unknown> extends Omit<
  WsServerEndpointOptions<D>,
  'beforeUpgrade'
> {
  /** A tcllib handler, its `(sock, type)` form, or Bun-style callbacks. */
  handler?: WsAnyHandler<D> | undefined;
  /** The application's data for the connection (`conn.data`). */
  data?: D | undefined;
  /** Subprotocols we speak, in our order, or a chooser; or a Tcl glob. Default: accept none. */
  protocols?:
    readonly string[] | ((offered: readonly string[]) => string | undefined) | string | undefined;
  /** Only these paths (Tcl glob, e.g. `/ws/*`); others get 404. Default `*`. */
  path?: string | undefined;
  /**
   * Application check before the `101` (origin, cookie, token): return `true` to accept, or a
   * rejection (any status, headers and body).
   */
  verify?:
    ((req: IncomingMessage, info: ClientRequestInfo) => true | NodeUpgradeRejection) | undefined;
  /** Channel table the connection goes into. Default `default`. */
  table?: string | undefined;
}

/**
 * Takes over a `node:http` upgrade. Returns the connection, or `undefined` when the opening was
 * refused (the socket then got the HTTP answer: 400/405/426 for a bad handshake, 404 for another
 * path, or what `verify` returned) and was closed.
 *
 * @example
 * ```ts
 * const server = http.createServer(app);
 * server.on('upgrade', (req, socket, head) => {
 *   handleNodeUpgrade(req, socket, head, { path: '/ws', handler: (sock, type, msg) => {
 *     if (type === 'text') send(sock, 'text', msg);
 *   } });
 * });
 * ```
 */
export function handleNodeUpgrade<D = unknown>(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: NodeUpgradeOptions<D> = {},
): WebSocketConnection<D> | undefined {
  const refuse = (r: NodeUpgradeRejection): undefined => {
    socket.on('error', () => {});
    socket.end(buildRejectResponse(r.status, { headers: r.headers, body: r.body }));
    return undefined;
  };
  const path = (req.url ?? '/').split('?')[0];
  if (options.path !== undefined && !globMatch(options.path, path)) {
    return refuse({ status: 404, body: `no WebSocket endpoint at ${path}\n` });
  }
  let info: ClientRequestInfo;
  try {
    info = validateClientRequest({
      method: req.method ?? '',
      httpVersion: req.httpVersion,
      getHeader: headerGetter(req.headers),
    });
  } catch (err) {
    if (err instanceof ProtocolError && err.status !== undefined) {
      return refuse({ status: err.status, headers: err.headers, body: `${err.message}\n` });
    }
    throw err;
  }
  if (options.verify !== undefined) {
    const verdict = options.verify(req, info);
    if (verdict !== true) return refuse(verdict);
  }
  const p = options.protocols;
  const protocol =
    p === undefined
      ? undefined
      : typeof p === 'string'
        ? info.protocols.find((x) => globMatch(p, x))
        : selectSubprotocol(info.protocols, p);
  const sock = socket as Socket;
  const channel = ChannelTable.of(options.table).create({
    socket: sock,
    kind: 'adopted',
    driver: 'node-http',
    role: 'server',
    initialData: head.length > 0 ? [Buffer.from(head)] : [],
    peer: sock.remoteAddress,
  });
  return acceptOnChannel<D>({
    ...options,
    channel,
    info,
    protocol,
    path,
    target: req.url,
    requestHeaders: req.rawHeaders,
  });
}
