/**
 * The HTTP/1.1 server: drivers (plain TCP and TLS listeners with one code path above them),
 * routing, limits and timeouts, reverse-proxy mode, and a graceful shutdown that fires the `x`
 * callbacks of its channels. Each server has its own channel table, named after the server.
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { HeaderList } from '../proto/http1/headers.js';
import {
  DEFAULT_REQUEST_PARSER_OPTIONS,
  type RequestParserOptions,
} from '../proto/http1/request-parser.js';
import type { ClientTlsOptions } from '../io/dial.js';
import { ChannelTable } from '../channels/channel-table.js';
import { setDriverClientTls } from '../channels/driver-defaults.js';
import type { ChannelLimits } from '../channels/channel.js';
import { UsageError } from '../errors.js';
import { ServerConnection } from './connection.js';
import { onLentRead } from '../channels/channel-socket.js';
import { lendReads } from '../io/lent-reads.js';
import { hookAccept } from '../io/handle-accept.js';
import { SlotSet } from '../io/slot-registry.js';
import type { ConnSocket } from '../io/conn-socket.js';
import { HttpContext } from './context.js';
import { Router } from './router.js';
import { TrustedProxies } from './reverse-proxy.js';
import { TlsDriver, type ServerTlsOptions } from './tls-driver.js';

import {
  DEFAULT_SERVER_LIMITS,
  type BoundDriver,
  type DriverOptions,
  type Handler,
  type ServerCore,
  type ServerLimits,
  type ServerOptions,
} from './server-options.js';

export type { CertificatePair, ServerTlsOptions } from './tls-driver.js';
export { DEFAULT_SERVER_LIMITS } from './server-options.js';
export type {
  BoundDriver,
  DriverOptions,
  Handler,
  ServerCore,
  ServerLimits,
  ServerOptions,
} from './server-options.js';

/**
 * @example
 * ```ts
 * const server = createServer({ drivers: [{ port: 0 }] });
 * server.route('GET', '/', (ctx) => ctx.send('hello'));
 * const [http] = await server.listen();
 * console.log(http.url);
 * ```
 */
export class HttpServer implements ServerCore {
  readonly name: string;
  readonly limits: ServerLimits;
  readonly parserOptions: RequestParserOptions;
  readonly channelLimits: Partial<ChannelLimits> | undefined;
  readonly maxBufferedBytes: number;
  readonly #router = new Router<Handler>();
  /** Methods the parsers accept besides the known ones: the routes' (shared, grows with them). */
  readonly #methods: Set<string>;
  readonly #drivers: DriverOptions[];
  readonly #listeners: NetServer[] = [];
  readonly #tlsDrivers = new Map<string, TlsDriver>();
  readonly #connections = new SlotSet<ServerConnection>();
  readonly #proxies: TrustedProxies;
  readonly #notFound: Handler;
  readonly #onError: (err: unknown, ctx: HttpContext) => void;
  #bound: BoundDriver[] = [];
  #closing = false;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ServerOptions = {}) {
    this.name = options.name ?? 'default';
    this.limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
    this.#methods = new Set(options.parser?.methods);
    this.parserOptions = { ...options.parser, methods: this.#methods };
    this.channelLimits = options.channelLimits;
    this.maxBufferedBytes =
      64 * 1024 + (options.parser?.maxHeaderBytes ?? DEFAULT_REQUEST_PARSER_OPTIONS.maxHeaderBytes);
    this.#drivers = options.drivers ?? [{}];
    for (const d of this.#drivers) {
      if (d.client) setDriverClientTls(this.name, d.name ?? (d.tls ? 'https' : 'http'), d.client);
    }
    this.#proxies = new TrustedProxies(options.trustedProxies ?? []);
    this.#notFound = options.notFound ?? ((ctx) => this.#defaultNotFound(ctx));
    this.#onError =
      options.onError ??
      ((err, ctx) => console.error(`connchan: handler for ${ctx.method} ${ctx.path} failed:`, err));
  }

  get maxBodyBytes(): number {
    return this.limits.maxBodyBytes;
  }
  get headerTimeoutMs(): number {
    return this.limits.headerTimeoutMs;
  }
  get keepAliveTimeoutMs(): number {
    return this.limits.keepAliveTimeoutMs;
  }
  get maxUnsentBytes(): number {
    return this.limits.maxUnsentBytes;
  }
  get sendTimeoutMs(): number {
    return this.limits.sendTimeoutMs;
  }
  get closing(): boolean {
    return this.#closing;
  }
  /** The server's channel table (detached connections). */
  get channels(): ChannelTable {
    return ChannelTable.of(this.name);
  }
  /** Listening drivers, after `listen()`. */
  get drivers(): readonly BoundDriver[] {
    return this.#bound;
  }
  /** Connections currently served over HTTP (detached ones are channels, not counted). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Adds a route. `method` is an HTTP method or `*`; `pattern` an exact path, a prefix
   * (`/static/*`) or a glob (`/files/*.txt`).
   */
  route(method: string, pattern: string, handler: Handler): this {
    this.#router.add(method, pattern, handler);
    // A route's method is implemented: the parser accepts it (others get 501).
    if (method !== '*') this.#methods.add(method);
    return this;
  }

  get(pattern: string, handler: Handler): this {
    return this.route('GET', pattern, handler);
  }

  post(pattern: string, handler: Handler): this {
    return this.route('POST', pattern, handler);
  }

  /**
   * Replaces a TLS driver's certificates (and any other TLS option given) without a restart:
   * handshakes from now on use them, established connections keep theirs. Without `driver`,
   * every listening TLS driver is updated. Bad PEM throws and changes nothing.
   *
   * @example
   * ```ts
   * process.on('SIGHUP', () => {
   *   server.setSecureContext({ cert: readFileSync('cert.pem'), key: readFileSync('key.pem') });
   * });
   * ```
   */
  setSecureContext(tls: Partial<ServerTlsOptions>, options: { driver?: string } = {}): void {
    const targets =
      options.driver === undefined
        ? [...this.#tlsDrivers.values()]
        : [this.#tlsDrivers.get(options.driver)].filter((d) => d !== undefined);
    if (targets.length === 0) {
      throw new UsageError(
        options.driver === undefined
          ? 'setSecureContext: no TLS driver is listening'
          : `setSecureContext: no listening TLS driver named ${JSON.stringify(options.driver)}`,
        { code: 'ERR_SERVER_NO_TLS_DRIVER' },
      );
    }
    for (const d of targets) d.setSecureContext(tls);
  }

  /** Client TLS settings of the driver named `name` (for outgoing channels). */
  clientTls(name: string): ClientTlsOptions | undefined {
    return this.#drivers.find((d) => (d.name ?? (d.tls ? 'https' : 'http')) === name)?.client;
  }

  /** Starts every listening driver; resolves with their bound addresses. */
  async listen(): Promise<BoundDriver[]> {
    this.#startSweeper();
    for (const d of this.#drivers) {
      if (d.listen === false) continue;
      this.#bound.push(await this.#listenDriver(d));
    }
    return this.#bound;
  }

  async #listenDriver(d: DriverOptions): Promise<BoundDriver> {
    const scheme = d.tls ? 'https' : 'http';
    const name = d.name ?? scheme;
    const host = d.host ?? '127.0.0.1';
    const port = d.port ?? (d.tls ? 8443 : 8080);
    let server: NetServer;
    if (d.tls) {
      const tls = new TlsDriver(d.tls, (socket: TLSSocket, acceptedAt: number) =>
        this.#accept(socket, name, scheme, acceptedAt),
      );
      this.#tlsDrivers.set(name, tls);
      server = tls.server;
    } else {
      // Paused at accept: its connection moves to a socket that reads into the lent buffer.
      const options = { allowHalfOpen: true, noDelay: true, pauseOnConnect: true };
      server = createNetServer(options, (accepted: Socket) =>
        this.#accept(lentReadSocket(accepted), name, scheme, Date.now()),
      );
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const where = d.path !== undefined ? { path: d.path } : { host, port };
      server.listen({ ...where, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#listeners.push(server);
    // Plain TCP runs on the bare libuv handles (io/handle-socket.ts) where this Node allows;
    // else the net.Server's connection callback above stays in charge.
    if (!d.tls && d.path === undefined) {
      hookAccept(server, true, onLentRead, (socket) =>
        this.#accept(socket, name, scheme, Date.now()),
      );
    }
    if (d.path !== undefined)
      return {
        name,
        scheme,
        host: d.path,
        port: 0,
        url: `${scheme}+unix://${encodeURIComponent(d.path)}/`,
      };
    const bound = (server.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return { name, scheme, host, port: bound, url: `${scheme}://${urlHost}:${bound}/` };
  }

  /**
   * One interval checks every connection's idle and header deadline and send stall, at a quarter
   * of the shortest timeout (10 ms to 1 s): cheaper than a timer per connection re-armed per request.
   */
  #startSweeper(): void {
    if (this.#sweeper) return;
    const every = Math.max(
      10,
      Math.min(
        1000,
        this.limits.headerTimeoutMs / 4,
        this.limits.keepAliveTimeoutMs / 4,
        this.limits.sendTimeoutMs / 4,
      ),
    );
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const conn of this.#connections) conn.checkDeadline(now);
      for (const tls of this.#tlsDrivers.values()) tls.sweep(now, this.limits.headerTimeoutMs);
    }, every);
    this.#sweeper.unref();
  }

  #accept(
    socket: ConnSocket,
    driver: string,
    scheme: 'http' | 'https',
    acceptedAt: number,
  ): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.limits.maxConnections) {
      socket.on('error', () => {});
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    this.#connections.add(new ServerConnection(this, socket, driver, scheme, acceptedAt));
  }

  get forwardsPeers(): boolean {
    return this.#proxies.size > 0;
  }

  clientAddress(peer: string, headers: HeaderList): string {
    if (this.#proxies.size === 0) return peer;
    return this.#proxies.clientAddress(peer, headers.get('x-forwarded-for'));
  }

  dispatch(ctx: HttpContext, conn: ServerConnection): void {
    const router = this.#router;
    // HEAD is GET without the body (RFC 9110 §9.3.2): GET routes answer it unless HEAD has its own.
    const handler =
      router.match(ctx.method, ctx.path) ??
      (ctx.method === 'HEAD' ? router.match('GET', ctx.path) : undefined) ??
      this.#notFound;
    try {
      const r = handler(ctx);
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(
          () => conn.handlerReturned(ctx),
          (err: unknown) => this.#failed(conn, ctx, err),
        );
        return;
      }
      conn.handlerReturned(ctx);
    } catch (err) {
      this.#failed(conn, ctx, err);
    }
  }

  #failed(conn: ServerConnection, ctx: HttpContext, err: unknown): void {
    const status = (err as { status?: unknown }).status;
    // A client that went away is no failure of the handler's.
    const gone = (err as { code?: unknown }).code === 'ERR_HTTP_CONNECTION_CLOSED';
    if (!gone && (typeof status !== 'number' || status >= 500)) this.#onError(err, ctx);
    conn.handlerFailed(ctx, err);
  }

  forget(conn: ServerConnection): void {
    this.#connections.delete(conn);
  }

  #defaultNotFound(ctx: HttpContext): void {
    const allowed = this.#router.allowedMethods(ctx.path);
    if (allowed.length > 0 && !allowed.includes('*')) {
      ctx
        .status(405)
        .header('Allow', allowed.join(', '))
        .header('Content-Type', 'text/plain')
        .end('method not allowed\n');
      return;
    }
    ctx.status(404).header('Content-Type', 'text/plain').end('not found\n');
  }

  /**
   * Graceful shutdown: stop accepting, close idle connections, let running requests finish,
   * tell every channel with a callback (`x`), then after the grace period close what is left.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const graceMs = options.graceMs ?? this.limits.shutdownGraceMs;
    // Stops accepting at once. Not awaited: net.Server's close callback waits for every
    // connection it ever accepted, detached channels included, which we close ourselves below.
    for (const listener of this.#listeners) listener.close();
    for (const tls of this.#tlsDrivers.values()) tls.destroyHandshakes();
    for (const conn of [...this.#connections]) conn.shutdown();
    const table = this.channels;
    await Promise.all([...table.channels()].map((c) => c.notifyShutdown()));
    const deadline = Date.now() + graceMs;
    while ((this.#connections.size > 0 || table.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const conn of [...this.#connections]) conn.destroy();
    for (const entry of [...table.entries()]) entry.close();
    clearInterval(this.#sweeper);
  }
}

/**
 * A plain socket just accepted (paused) as one that reads into the lent buffer, for the
 * connection's parser to parse in place (io/lent-reads.ts), resumed; where Node cannot, the
 * accepted socket itself, resumed, with `'data'` events.
 */
function lentReadSocket(accepted: Socket): Socket {
  const socket = lendReads(accepted, true, onLentRead);
  // The accepted socket itself (lent in place, or not lent at all) was paused at accept.
  if (socket !== undefined && socket !== accepted) return socket;
  accepted.resume();
  return accepted;
}

/** Creates an HTTP/1.1 server (not yet listening: call `listen()`). */
export function createServer(options: ServerOptions = {}): HttpServer {
  if (options.drivers?.length === 0) {
    throw new UsageError('a server needs at least one driver', { code: 'ERR_SERVER_NO_DRIVER' });
  }
  return new HttpServer(options);
}
