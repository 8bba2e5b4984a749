/**
 * `HttpClient`: a config (the manual's `http::config`) with its own connection pools, and
 * `geturl`. The module's default client (see `geturl.ts`) is the manual's global one.
 */
import { ConnchanError, UsageError } from '../errors.js';
import { ProxyRefusedError } from '../io/proxy/http-connect.js';
import { AbortError } from '../io/errors.js';
import { applyConfig, DEFAULT_HTTP_CONFIG, envProxiesOf, type HttpConfig } from './config.js';
import type { EnvProxies } from '../io/proxy/env.js';
import { Exchange, type ExchangeHost } from './exchange.js';
import { WireCache, expectsContinue } from './wire.js';
import { checkOptions, type CheckedOptions, type GeturlOptions } from './options.js';
import { Pool, type PoolHost } from './pool.js';
import { formatQueryWith, quoteString } from './query.js';
import { HttpToken } from './token.js';
import { proxyRefusal } from './redirect.js';
import {
  registryGeneration,
  takeRegisteredError,
  transportFor,
  type TransportEntry,
} from './transports.js';
import { requestBodyOf, type RequestBody } from './upload.js';
import { parseRequestUrl, type RequestUrl } from './url.js';

/**
 * An HTTP/1.1 client with its own config and persistent connections: the dispatcher of
 * `request()` and `fetch()`, and the manual's `geturl`. It starts from
 * {@link DEFAULT_HTTP_CONFIG} (keep-alive, up to 16 connections per origin, 300 s read
 * timeouts); `{ maxConnectionsPerOrigin: 1 }` gives Tcl's one persistent connection per origin,
 * and `new HttpClient(TCL_HTTP_CONFIG)` every default of the manual.
 *
 * @example
 * ```ts
 * const client = new HttpClient({ maxConnectionsPerOrigin: 64 });
 * const { statusCode, body } = await request('http://127.0.0.1:8080/', { dispatcher: client });
 * const token = await client.geturl('http://127.0.0.1:8080/');
 * console.log(statusCode, await body.text(), token.ncode);
 * client.close();
 * ```
 */
export class HttpClient implements ExchangeHost {
  readonly config: HttpConfig;
  #envProxies: EnvProxies | undefined;
  readonly #pools = new Map<string, Pool>();
  readonly #wires = new WireCache();
  /** Parsed URLs by the string given, strict and lenient apart (no key built per request). */
  readonly #urls = new Map<string, RequestUrl>();
  readonly #lenientUrls = new Map<string, RequestUrl>();
  #urlsGeneration = -1;
  readonly #poolHost: PoolHost;
  readonly #oneShotHost: PoolHost;

  constructor(config: Partial<HttpConfig> = {}) {
    this.config = { ...DEFAULT_HTTP_CONFIG, proxynot: [] };
    applyConfig(this.config, config);
    this.#envProxies = envProxiesOf(this.config);
    const cfg = this.config;
    const pools = this.#pools;
    const connectFailed = (ex: Exchange, err: Error) => this.#connectFailed(ex, err);
    this.#poolHost = {
      get pipeline() {
        return cfg.pipeline;
      },
      get maxConnections() {
        return cfg.maxConnectionsPerOrigin;
      },
      get maxPipelineDepth() {
        return cfg.maxPipelineDepth;
      },
      get idleTimeoutMs() {
        return cfg.idleTimeoutMs;
      },
      get server() {
        return cfg.server;
      },
      connectFailed,
      empty: () => {},
    };
    this.#oneShotHost = {
      pipeline: false,
      maxConnections: 1,
      maxPipelineDepth: 1,
      get idleTimeoutMs() {
        return cfg.idleTimeoutMs;
      },
      get server() {
        return cfg.server;
      },
      connectFailed,
      empty: (key) => pools.delete(key),
    };
  }

  /**
   * `http::config`: with no argument the whole config, with a key its value, with an object
   * the changes to apply (checked first; unknown keys throw).
   *
   * @example
   * ```ts
   * client.configure({ pipeline: false });
   * client.configure('useragent'); // 'connchan-http/1.0 …'
   * ```
   */
  configure(): HttpConfig;
  configure<K extends keyof HttpConfig>(key: K): HttpConfig[K];
  configure(changes: Partial<HttpConfig>): HttpConfig;
  configure(arg?: keyof HttpConfig | Partial<HttpConfig>): unknown {
    if (arg === undefined) return { ...this.config, proxynot: [...this.config.proxynot] };
    if (typeof arg === 'string') {
      if (!(arg in this.config)) {
        throw new UsageError(`unknown config option "${arg}"`, {
          code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
        });
      }
      return this.config[arg];
    }
    applyConfig(this.config, arg);
    this.#wires.invalidate();
    if ('envProxy' in arg) this.#envProxies = envProxiesOf(this.config);
    return this.configure();
  }

  /**
   * `http::geturl`. Without `command`: a promise of the finished token (rejected when the
   * status is `error`: connect errors, protocol errors). With `command`: the token at once, and
   * `command(token)` when done (errors then show as status `error`). Invalid options or URL
   * throw at once in both forms.
   *
   * @example
   * ```ts
   * const t = await client.geturl('http://example.org/', { timeout: 5000 });
   * client.geturl('http://example.org/', { command: (t) => console.log(t.status) });
   * ```
   */
  geturl(url: string, options: GeturlOptions & { command: (token: HttpToken) => void }): HttpToken;
  geturl(url: string, options?: GeturlOptions): Promise<HttpToken>;
  geturl(url: string, options: GeturlOptions = {}): HttpToken | Promise<HttpToken> {
    const o = checkOptions(options);
    const token = this.start(url, o);
    if (o.command) return token;
    return new Promise((resolve, reject) =>
      token.onSettled((t) => (t.status === 'error' ? reject(t.errorObject) : resolve(t))),
    );
  }

  /**
   * `http::formatQuery` with this client's urlencoding.
   *
   * @example
   * ```ts
   * client.formatQuery('a', '1', 'b', 'x y'); // 'a=1&b=x%20y'
   * ```
   */
  formatQuery(
    ...args: string[] | [Iterable<readonly [string, string]> | Readonly<Record<string, string>>]
  ): string {
    return formatQueryWith(this.config.urlencoding, args);
  }

  /**
   * `http::quoteString` with this client's urlencoding.
   *
   * @example
   * ```ts
   * client.quoteString('a b'); // 'a%20b'
   * ```
   */
  quoteString(value: string): string {
    return quoteString(value, this.config.urlencoding);
  }

  /**
   * Closes every connection of this client; queued requests end with status `reset`.
   *
   * @example
   * ```ts
   * client.close();
   * ```
   */
  close(): void {
    for (const pool of [...this.#pools.values()]) {
      for (const ex of pool.queue.splice(0)) ex.finish('reset');
      for (const c of [...pool.conns]) {
        // Finished first, so that closing the connection replays nothing.
        for (const ex of c.inflight) ex.finish('reset');
        c.channel.destroy();
      }
    }
    this.#pools.clear();
  }

  /** Open persistent connections (for tests and status pages). */
  get connectionCount(): number {
    let n = 0;
    for (const p of this.#pools.values()) n += p.conns.length;
    return n;
  }

  /** @internal starts a transaction with checked options (geturl, request, fetch) */
  start(url: string, o: CheckedOptions): HttpToken {
    const token = new HttpToken(url);
    this.#start(token, url, o, undefined, false);
    return token;
  }

  #start(
    token: HttpToken,
    url: string,
    o: CheckedOptions,
    method0: string | undefined,
    dropBody: boolean,
  ): void {
    const cfg = this.config;
    const urls = o.strict ? this.#urls : this.#lenientUrls;
    if (this.#urlsGeneration !== registryGeneration()) {
      this.#urls.clear();
      this.#lenientUrls.clear();
      this.#urlsGeneration = registryGeneration();
    }
    let u = urls.get(url);
    if (u === undefined) {
      u = parseRequestUrl(url, o.strict, defaultPort);
      if (urls.size > 1000) urls.clear();
      urls.set(url, u);
    }
    const transport = transportFor(u.scheme);
    if (transport === undefined) {
      throw new UsageError(`no transport for ${u.scheme}`, {
        code: 'ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME',
      });
    }
    const hasBody =
      !dropBody && (o.query !== undefined || o.querychannel !== undefined || o.body !== undefined);
    const method = method0 ?? o.method ?? (o.validate ? 'HEAD' : hasBody ? 'POST' : 'GET');
    const version = o.protocol ?? '1.1';
    let userConn = '';
    let givenLength: string | undefined;
    for (const [k, v] of o.headerPairs) {
      const name = k.toLowerCase();
      if (name === 'connection') userConn ||= v;
      else if (name === 'content-length') givenLength ??= v;
    }
    const persistent =
      (o.keepalive ?? cfg.keepalive) &&
      version === '1.1' &&
      !(cfg.postfresh && method === 'POST') &&
      (userConn === '' || !/upgrade/i.test(userConn));
    if (!hasBody) {
      token.exchange = this.#exchange(
        token,
        u,
        o,
        method,
        version,
        persistent,
        undefined,
        transport,
      );
      return;
    }
    const body = requestBodyOf(o, givenLength, version);
    if (!(body instanceof Promise)) {
      token.exchange = this.#exchange(token, u, o, method, version, persistent, body, transport);
      return;
    }
    body.then(
      (b) => {
        token.exchange = this.#exchange(token, u, o, method, version, persistent, b, transport);
      },
      (err: Error) => {
        token.status = 'error';
        token.error = err.message;
        token.errorObject = err;
        this.#settle(token, o);
      },
    );
  }

  #exchange(
    token: HttpToken,
    u: RequestUrl,
    o: CheckedOptions,
    method: string,
    version: '1.0' | '1.1',
    persistent: boolean,
    body: RequestBody | undefined,
    transport: TransportEntry,
  ): Exchange {
    const cfg = this.config;
    const { route, head } = this.#wires.wire(
      cfg,
      this.#envProxies,
      token,
      u,
      o,
      method,
      version,
      persistent,
      body,
      transport,
    );
    token.method = method;
    token.url = u.href;
    token.querylength = body !== undefined && body.length > 0 ? body.length : 0;
    const ex = new Exchange({
      token,
      host: this,
      options: o,
      url: u,
      method,
      route,
      head,
      body,
      persistent,
      expectContinue: body !== undefined && expectsContinue(cfg, o, body, version),
    });
    const key = persistent ? route.key : `${route.key} #${token.id}.${token.redirects.length}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new Pool(key, persistent ? this.#poolHost : this.#oneShotHost);
      this.#pools.set(key, pool);
    }
    pool.enqueue(ex);
    if (o.signal?.aborted) ex.abort('reset', new AbortError('aborted by signal'));
    return ex;
  }

  #connectFailed(ex: Exchange, err: Error): void {
    const t = ex.token;
    if (err instanceof ProxyRefusedError) {
      proxyRefusal(t, err);
      ex.finish('ok');
      return;
    }
    const msg = takeRegisteredError(`${ex.url.host}:${ex.url.port}`);
    ex.finish(
      'error',
      msg ? new ConnchanError(msg, { code: 'ERR_HTTP_CLIENT_TRANSPORT', cause: err }) : err,
    );
  }

  /** @internal */
  finished(ex: Exchange): void {
    const t = ex.token;
    let o = ex.o;
    if (t.exchange === ex) t.exchange = undefined;
    const next = t.status === 'ok' ? ex.redirect : undefined;
    if (next !== undefined) {
      t.redirects.push(next.url);
      t.resetResponse();
      if (next.crossOrigin) {
        // Credentials meant for one origin are not sent to another (as fetch and curl).
        o = {
          ...o,
          headerPairs: o.headerPairs.filter(
            ([k]) => !/^(authorization|cookie|proxy-authorization)$/i.test(k),
          ),
        };
      }
      try {
        this.#start(t, next.url, o, next.method, next.dropBody);
      } catch (err) {
        t.status = 'error';
        t.errorObject = err as Error;
        t.error = (err as Error).message;
        this.#settle(t, o);
      }
      return;
    }
    this.#settle(t, o);
  }

  /** @internal */
  unqueue(ex: Exchange): void {
    for (const pool of this.#pools.values()) if (pool.remove(ex)) return;
  }

  #settle(t: HttpToken, o: CheckedOptions): void {
    t.resolveDone();
    const cmd = o.command;
    if (cmd) {
      try {
        cmd(t);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

function defaultPort(scheme: string): number | undefined {
  return transportFor(scheme)?.port;
}
