/**
 * Client side (tcllib `open`): connect (TCP or TLS, directly or through an HTTP proxy with
 * CONNECT), send the upgrade request, check the `101` answer, and hand the channel to a
 * {@link WebSocketConnection}. One timeout covers the whole opening.
 */
import { ChannelTable } from '../channels/channel-table.js';
import type { Channel } from '../channels/channel.js';
import { readResponseHead } from '../channels/open-url.js';
import { ConnchanError, UsageError } from '../errors.js';
import { dial, type ClientTlsOptions, type Transport } from '../io/dial.js';
import { TimeoutError } from '../io/errors.js';
import { acceptFor, generateKey } from '../io/handshake-keys.js';
import { proxyFromEnv, parseProxyUrl } from '../io/proxy/env.js';
import { connectTunnel, type ProxyAddress } from '../io/proxy/http-connect.js';
import { parseTimeValue, type TimeValue } from '../io/time-value.js';
import { formatExtensions } from '../proto/ws/extension-header.js';
import {
  buildClientRequest,
  validateServerResponse,
  type HeaderFields,
} from '../proto/ws/handshake.js';
import {
  acceptPerMessageDeflateResponse,
  buildPerMessageDeflateOffer,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateAgreement,
  type PerMessageDeflateOptions,
} from '../proto/ws/permessage-deflate-params.js';
import { WebSocketConnection } from './connection.js';
import type {
  WsAnyHandler,
  WsConnectionOptions,
  WsHandler,
  WsHandlers,
  WsShortHandler,
} from './types.js';

/** Options of {@link open} (tcllib `open`'s options, and what Node users need besides). */
export interface WsOpenOptions<D = unknown> extends WsConnectionOptions {
  /** The application's data for the connection (`conn.data`). */
  data?: D | undefined;
  /** Extra request headers (tcllib `-headers`); the handshake's own are added. */
  headers?: HeaderFields | undefined;
  /** Subprotocols offered, in order of preference (tcllib `-protocol`). */
  protocols?: string | readonly string[] | undefined;
  /** `Origin` header to send. */
  origin?: string | undefined;
  /** Time for the whole opening: connect, proxy, TLS and handshake (tcllib `-timeout`). Default 10 s. */
  timeout?: TimeValue | undefined;
  /** TLS settings for `wss://` (CA, client certificate, servername, insecure). */
  tls?: ClientTlsOptions | undefined;
  /** permessage-deflate offer: `true` (default), `false`, or parameters to request. */
  deflate?: boolean | PerMessageDeflateOptions | undefined;
  /**
   * HTTP proxy for a CONNECT tunnel: a URL (`http://user:pw@proxy:3128`), an address, `false`
   * for none. Default: `http_proxy` / `https_proxy` / `no_proxy` from the environment.
   */
  proxy?: string | ProxyAddress | false | undefined;
  /** Local address to connect from (tcllib/http `-myaddr`); direct connections only. */
  localAddress?: string | undefined;
  /** Channel table (server name) the connection's channel goes to. Default `default`. */
  server?: string | undefined;
  signal?: AbortSignal | undefined;
}

const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

/**
 * Opens a WebSocket to a `ws://` or `wss://` URL (tcllib `open`). Resolves with the connection
 * once the handshake succeeded; its `name` is the socket handle. Dispatch begins on the next
 * turn of the event loop with `connect`: the handler, and the listeners and iterator attached
 * after `await open(…)`, all hear every event, frames that came with the `101` included.
 * Rejects (and the handler hears nothing) when the opening fails: connection refused, timeout,
 * a non-101 answer (`ERR_WS_HANDSHAKE_STATUS`, with `status`) or a bad one. The handler is a
 * tcllib handler, its `(sock, type)` form, or Bun-style callbacks.
 *
 * @example
 * ```ts
 * const ws = await open('wss://example.org/chat', (sock, type, msg) => {
 *   if (type === 'text') console.log(msg);
 * }, { protocols: ['chat'], timeout: '5s' });
 * send(ws.name, 'text', 'hello');
 * ```
 */
export function open<D = unknown>(
  url: string | URL,
  handler?: WsHandler | WsHandlers<D>,
  options?: WsOpenOptions<D>,
): Promise<WebSocketConnection<D>>;
export function open<D = unknown>(
  url: string | URL,
  handler: WsShortHandler,
  options?: WsOpenOptions<D>,
): Promise<WebSocketConnection<D>>;
export async function open<D = unknown>(
  url: string | URL,
  handler?: WsAnyHandler<D>,
  options: WsOpenOptions<D> = {},
): Promise<WebSocketConnection<D>> {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new UsageError(`cannot open ${u.href}: only ws:// and wss:// URLs`, {
      code: 'ERR_WS_INVALID_URL',
    });
  }
  if (u.hash) u.hash = '';
  const secure = u.protocol === 'wss:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : secure ? 443 : 80;
  const timeoutMs =
    options.timeout === undefined
      ? DEFAULT_OPEN_TIMEOUT_MS
      : parseTimeValue(options.timeout, 'timeout');
  const protocols =
    options.protocols === undefined
      ? []
      : typeof options.protocols === 'string'
        ? [options.protocols]
        : [...options.protocols];
  const deflateOpt = options.deflate ?? true;
  const pmdOptions = deflateOpt === false ? undefined : deflateOpt === true ? {} : deflateOpt;
  const key = generateKey();
  // Built before connecting, so that a bad header fails without a connection.
  const request = buildClientRequest({
    host: u.host,
    path: `${u.pathname || '/'}${u.search}`,
    key,
    protocols,
    extensions: pmdOptions && formatExtensions([buildPerMessageDeflateOffer(pmdOptions)]),
    origin: options.origin,
    headers: options.headers,
  });

  const deadline = Date.now() + timeoutMs;
  const tls = secure ? (options.tls ?? {}) : undefined;
  const proxy =
    options.proxy === false
      ? undefined
      : typeof options.proxy === 'string'
        ? parseProxyUrl(options.proxy)
        : (options.proxy ?? proxyFromEnv(u));
  let socket: Transport;
  try {
    socket = proxy
      ? await connectTunnel({ proxy, host, port, tls, timeoutMs, signal: options.signal })
      : await dial({
          host,
          port,
          tls,
          timeoutMs,
          signal: options.signal,
          localAddress: options.localAddress,
        });
  } catch (err) {
    if (err instanceof TimeoutError) throw openTimeout(u, timeoutMs, err);
    throw err;
  }
  const channel = ChannelTable.of(options.server).create({
    socket,
    kind: 'open',
    driver: secure ? 'wss' : 'ws',
    role: 'client',
  });
  const timer = setTimeout(() => channel.destroy(), Math.max(0, deadline - Date.now()));
  try {
    channel.write(request);
    const head = await readResponseHead(channel, { timeoutMs: Math.max(1, deadline - Date.now()) });
    let info;
    try {
      info = validateServerResponse(
        { status: head.status, getHeader: (n) => head.headers.get(n) },
        {
          expectedAccept: acceptFor(key),
          offeredProtocols: protocols,
          offeredExtensions: pmdOptions ? [PERMESSAGE_DEFLATE] : [],
        },
      );
    } catch (err) {
      if (head.status !== 101) {
        throw Object.assign(err as Error, {
          status: head.status,
          headers: head.headers.toObject(),
        });
      }
      throw err;
    }
    let agreement: PerMessageDeflateAgreement | undefined;
    const pmd = info.extensions.find((e) => e.name === PERMESSAGE_DEFLATE);
    if (pmd !== undefined) agreement = acceptPerMessageDeflateResponse(pmd, pmdOptions);
    clearTimeout(timer);
    const conn = new WebSocketConnection<D>({
      ...options,
      channel,
      role: 'client',
      handler,
      protocol: info.protocol,
      extensions: info.extensions.length > 0 ? formatExtensions(info.extensions) : '',
      deflate: agreement,
      hostname: host,
      path: u.pathname,
      query: u.search === '' ? undefined : u.search.slice(1),
      requestHeaders: head.headers,
    });
    conn.start();
    return conn;
  } catch (err) {
    clearTimeout(timer);
    failChannel(channel);
    if (Date.now() >= deadline) throw openTimeout(u, timeoutMs, err);
    throw err;
  }
}

function failChannel(channel: Channel): void {
  if (!channel.closed) channel.destroy();
}

function openTimeout(u: URL, timeoutMs: number, cause: unknown): ConnchanError {
  return new TimeoutError(`opening ${u.href} timed out after ${timeoutMs} ms`, {
    code: 'ERR_WS_OPEN_TIMEOUT',
    timeoutMs,
    cause,
  });
}
