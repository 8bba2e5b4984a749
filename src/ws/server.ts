/**
 * Server side of the tcllib manual on our HTTP server: `server` registers a server as
 * WebSocket-capable, `live` declares endpoints (path glob, handler, protocol glob), `test` checks
 * a request against them and keeps a temporary context, `upgrade` answers `101` and starts the
 * connection, `reject` answers anything else. `live` also routes its path on the server, so the
 * common case needs no handler of one's own.
 */
import type { HttpContext } from '../server/context.js';
import type { HttpServer } from '../server/server.js';
import { findChannel } from '../channels/channel-table.js';
import { ProtocolError, UsageError } from '../errors.js';
import {
  validateClientRequest,
  type ClientRequestInfo,
  type HeaderFields,
} from '../proto/ws/handshake.js';
import { acceptOnChannel, type WsServerEndpointOptions } from './accept.js';
import type { WebSocketConnection } from './connection.js';
import { globMatch } from './glob.js';
import { processState } from '../process-state.js';
import type { WsAnyHandler, WsHandler, WsHandlers, WsShortHandler } from './types.js';
import { upgradeAfterHook } from './upgrade-hook.js';

/**
 * Chooses the subprotocol among those the client offered (in its order), as `ws`'s
 * `handleProtocols`: return one of them, or `false`/`undefined` to speak none (the connection
 * still opens, with no `Sec-WebSocket-Protocol`; refuse in `beforeUpgrade` to turn it away).
 * Called only when the client offered some.
 */
export type WsProtocolChooser = (
  offered: readonly string[],
  ctx: HttpContext,
) => string | false | undefined;

interface LiveEndpoint {
  pathGlob: string;
  protocols: string | WsProtocolChooser;
  handler: WsAnyHandler<never>;
  options: WsServerEndpointOptions<never>;
}

interface WsServerState {
  /** The server this state is for: another server under the same name starts afresh. */
  http: HttpServer;
  options: WsServerEndpointOptions<never>;
  lives: LiveEndpoint[];
  routed: Set<string>;
}

/** What `test` found: the request's handshake facts and the endpoint it goes to, or why not. */
interface PendingUpgrade {
  server: WsServerState;
  info?: ClientRequestInfo;
  live?: LiveEndpoint;
  protocol?: string | undefined;
  path: string;
  error?: ProtocolError;
}

/** The WebSocket servers and the upgrades `test` has checked, one set per process. */
const { servers, pending } = processState('ws/servers@1', () => ({
  servers: new Map<string, WsServerState>(),
  pending: new WeakMap<HttpContext, PendingUpgrade>(),
}));

// The request `test` is validating (validation is synchronous): one header getter for all.
let testedHeaders: HttpContext['headers'] | undefined;
let testedExtra: Readonly<Record<string, string>> | undefined;
function testedHeader(name: string): string | undefined {
  const extra = testedExtra;
  if (extra !== undefined) {
    for (const k of Object.keys(extra)) if (k.toLowerCase() === name) return extra[k];
  }
  return testedHeaders?.get(name);
}

function stateOf(server: HttpServer | string): WsServerState {
  const name = typeof server === 'string' ? server : server.name;
  const st = servers.get(name);
  if (st === undefined) {
    throw new UsageError(
      `server ${JSON.stringify(name)} is not a WebSocket server (call server() first)`,
      {
        code: 'ERR_WS_NOT_A_SERVER',
      },
    );
  }
  return st;
}

/**
 * Registers `http` as a WebSocket server (tcllib `server`), with defaults for its endpoints.
 * Calling it again replaces the defaults and keeps the endpoints; a new server under the name
 * of an old one (a restart) starts with none.
 *
 * @example
 * ```ts
 * const http = createServer({ drivers: [{ port: 8080 }] });
 * server(http, { keepalive: 20 });
 * live(http, '/chat', (sock, type, msg) => { if (type === 'text') send(sock, 'text', msg); });
 * await http.listen();
 * ```
 */
export function server(http: HttpServer, options: WsServerEndpointOptions = {}): HttpServer {
  const st = servers.get(http.name);
  const opts = options as WsServerEndpointOptions<never>;
  if (st !== undefined && st.http === http) st.options = opts;
  else servers.set(http.name, { http, options: opts, lives: [], routed: new Set() });
  return http;
}

/**
 * Declares an endpoint (tcllib `live`): requests for a path matching `pathGlob` become
 * WebSockets whose events go to `handler`: a tcllib handler `(sock, type, msg)`, its short form
 * `(sock, type)`, or Bun-style callbacks `{ open, message, close }` given the connection. Also
 * routes `GET pathGlob` on the server to an automatic test/upgrade, answering a failed
 * handshake with 400, 404, 405 or 426.
 *
 * `protocols` is a Tcl glob (default `*`): a client that offers protocols needs one the glob
 * matches (the first, in its order), one that offers none matches any endpoint of its path; or
 * a {@link WsProtocolChooser} function (as `ws`'s `handleProtocols`), which may decline all.
 * `options.beforeUpgrade` sees the request before the `101` and may refuse it or give the
 * connection its `data`.
 *
 * @example
 * ```ts
 * live(http, '/chat/*', chatHandler, 'chat.v[12]');
 * live(http, '/feed', {
 *   open(ws) { ws.send(`hello ${ws.data.user}`); },
 *   message(ws, data) { ws.send(data); },
 * }, (offered) => offered.find((p) => p.startsWith('feed.')), {
 *   beforeUpgrade: async (req) => {
 *     const user = await sessions.get(req.cookies.sid ?? '');
 *     return user ? { data: { user } } : { status: 401, body: 'log in first\n' };
 *   },
 * });
 * ```
 */
export function live<D = unknown>(
  http: HttpServer,
  pathGlob: string,
  handler: WsHandler | WsHandlers<D>,
  protocols?: string | WsProtocolChooser,
  options?: WsServerEndpointOptions<D>,
): void;
export function live<D = unknown>(
  http: HttpServer,
  pathGlob: string,
  handler: WsShortHandler,
  protocols?: string | WsProtocolChooser,
  options?: WsServerEndpointOptions<D>,
): void;
export function live<D = unknown>(
  http: HttpServer,
  pathGlob: string,
  handler: WsAnyHandler<D>,
  protocols: string | WsProtocolChooser = '*',
  options: WsServerEndpointOptions<D> = {},
): void {
  if (servers.get(http.name)?.http !== http) server(http);
  const st = stateOf(http);
  st.lives.push({
    pathGlob,
    protocols,
    handler: handler as WsAnyHandler<never>,
    options: options as WsServerEndpointOptions<never>,
  });
  // The router knows `*` and `?` only: a glob with a set (`[12]`) or an escape is routed by
  // its literal prefix, and `test` does the exact matching (404 for what no endpoint takes).
  const special = pathGlob.search(/[[\\]/);
  const route = special < 0 ? pathGlob : `${pathGlob.slice(0, special)}*`;
  if (!st.routed.has(route)) {
    st.routed.add(route);
    http.route('GET', route, (ctx) => {
      if (!test(http, ctx)) return reject(ctx);
      const p = pending.get(ctx) as PendingUpgrade;
      const l = p.live as LiveEndpoint;
      const hook = l.options.beforeUpgrade ?? p.server.options.beforeUpgrade;
      if (hook === undefined) {
        upgrade(ctx);
        return;
      }
      pending.delete(ctx);
      return upgradeAfterHook(ctx, hook, {
        ...p.server.options,
        ...l.options,
        info: p.info as ClientRequestInfo,
        handler: l.handler,
        protocol: p.protocol,
        path: p.path,
      });
    });
  }
}

/** The endpoints declared with {@link live} on a server. */
export function lives(
  http: HttpServer | string,
): { pathGlob: string; protocolGlob: string | WsProtocolChooser }[] {
  return stateOf(http).lives.map(({ pathGlob, protocols }) => ({
    pathGlob,
    protocolGlob: protocols,
  }));
}

/**
 * Tells whether a request is a WebSocket opening for a live endpoint of `http` (tcllib
 * `test`), and keeps what it found with the request (the temporary context) for
 * {@link upgrade} or {@link reject}. `path` defaults to the request's path; `headers` (a
 * record of extra or replacing header values) lets a caller test what it rewrote.
 *
 * @example
 * ```ts
 * http.get('/ws', (ctx) => {
 *   if (!test(http, ctx) || ctx.headers.get('origin') !== 'https://app.example') return reject(ctx, 403);
 *   upgrade(ctx);
 * });
 * ```
 */
export function test(
  http: HttpServer | string,
  ctx: HttpContext,
  options: { path?: string; headers?: Readonly<Record<string, string>> } = {},
): boolean {
  const st = stateOf(http);
  const path = options.path ?? ctx.path;
  const extra = options.headers;
  let info: ClientRequestInfo;
  try {
    testedHeaders = ctx.headers;
    testedExtra = extra;
    info = validateClientRequest({
      method: ctx.method,
      httpVersion: ctx.version,
      getHeader: testedHeader,
    });
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    pending.set(ctx, { server: st, path, error: err });
    return false;
  }
  let pathMatched = false;
  for (const l of st.lives) {
    if (!globMatch(l.pathGlob, path)) continue;
    pathMatched = true;
    let protocol: string | undefined;
    // As tcllib: a client that offers no subprotocol matches any endpoint of the path.
    if (info.protocols.length > 0) {
      const chooser = l.protocols;
      if (typeof chooser === 'function') {
        protocol = chosenProtocol(chooser, info.protocols, ctx);
      } else {
        protocol = info.protocols.find((p) => globMatch(chooser, p));
        if (protocol === undefined) continue;
      }
    }
    pending.set(ctx, { server: st, info, live: l, protocol, path });
    return true;
  }
  const error = pathMatched
    ? new ProtocolError(
        `WebSocket upgrade refused: no endpoint at ${path} speaks ${info.protocols.length ? info.protocols.join(', ') : 'without a subprotocol'}`,
        { code: 'ERR_WS_HANDSHAKE_PROTOCOL', status: 400 },
      )
    : new ProtocolError(`WebSocket upgrade refused: no live endpoint at ${path}`, {
        code: 'ERR_WS_NO_LIVE_PATH',
        status: 404,
      });
  pending.set(ctx, { server: st, path, error });
  return false;
}

/**
 * Completes an opening that {@link test} accepted (tcllib `upgrade`): detaches the connection
 * into a channel of the server's table, answers `101` (with the chosen subprotocol, the agreed
 * permessage-deflate parameters and `options.headers`) and starts the WebSocket, whose events
 * go to the endpoint's handler (or `options.handler`) and to whatever is attached to the returned
 * connection before the next turn of the event loop, `connect` first. `options.data` becomes
 * the connection's `data`.
 *
 * @throws UsageError `ERR_WS_NOT_TESTED` without a successful `test`; the `ProtocolError` that
 *   made `test` fail (with its `status`) when it failed.
 * @example
 * ```ts
 * if (test(http, ctx)) upgrade(ctx, { headers: { 'Set-Cookie': 'session=1' } });
 * ```
 */
export function upgrade<D = unknown>(
  ctx: HttpContext,
  options?: WsServerEndpointOptions<D> & { handler?: WsHandler | WsHandlers<D>; data?: D },
): WebSocketConnection<D>;
export function upgrade<D = unknown>(
  ctx: HttpContext,
  options: WsServerEndpointOptions<D> & { handler: WsShortHandler; data?: D },
): WebSocketConnection<D>;
export function upgrade<D = unknown>(
  ctx: HttpContext,
  options: WsServerEndpointOptions<D> & { handler?: WsAnyHandler<D>; data?: D } = {},
): WebSocketConnection<D> {
  const p = pending.get(ctx);
  if (p === undefined) {
    throw new UsageError('upgrade() needs a request that test() accepted', {
      code: 'ERR_WS_NOT_TESTED',
    });
  }
  if (p.error !== undefined) throw p.error;
  pending.delete(ctx);
  const live = p.live as LiveEndpoint;
  const channel = findChannel(ctx.detach());
  return acceptOnChannel<D>({
    ...(p.server.options as WsServerEndpointOptions<D>),
    ...(live.options as WsServerEndpointOptions<D>),
    ...options,
    channel,
    info: p.info as ClientRequestInfo,
    handler: options.handler ?? (live.handler as WsAnyHandler<D>),
    protocol: p.protocol,
    path: p.path,
    target: ctx.target,
    requestHeaders: ctx.headers,
  });
}

/** The chooser's pick, checked: one of the offered protocols, or undefined for none. */
function chosenProtocol(
  chooser: WsProtocolChooser,
  offered: readonly string[],
  ctx: HttpContext,
): string | undefined {
  const picked = chooser(offered, ctx);
  if (picked === false || picked === undefined) return undefined;
  if (!offered.includes(picked)) {
    throw new UsageError(`subprotocol ${JSON.stringify(picked)} was not offered by the client`, {
      code: 'ERR_WS_INVALID_PROTOCOL',
    });
  }
  return picked;
}

/**
 * Refuses an opening with any status, headers and body. Without a status it answers what made
 * {@link test} fail (400, 404, 405 or 426 with `Sec-WebSocket-Version: 13`), else 403.
 *
 * @example
 * ```ts
 * reject(ctx, 401, { headers: { 'WWW-Authenticate': 'Bearer' }, body: 'token required\n' });
 * ```
 */
export function reject(
  ctx: HttpContext,
  status?: number,
  options: { headers?: HeaderFields; body?: string | Uint8Array } = {},
): void {
  const p = pending.get(ctx);
  pending.delete(ctx);
  const err = p?.error;
  const code = status ?? err?.status ?? 403;
  ctx.status(code);
  const fields: Record<string, string | readonly string[]> = {
    ...err?.headers,
    ...options.headers,
  };
  let typed = false;
  for (const [name, value] of Object.entries(fields)) {
    if (name.toLowerCase() === 'content-type') typed = true;
    for (const v of typeof value === 'string' ? [value] : value) ctx.header(name, v);
  }
  if (!typed) ctx.header('Content-Type', 'text/plain; charset=utf-8');
  const body =
    options.body ?? (status === undefined && err !== undefined ? `${err.message}\n` : `${code}\n`);
  ctx.end(body);
}
