/**
 * What a request needs on the wire, worked out per request but cached per client where it does
 * not change: the route to its origin (direct, through a proxy, through a CONNECT tunnel) and
 * the request head. A GET or HEAD without headers of its own to a URL asked for before reuses
 * the route and the very head bytes of the last such request (the hot path of a keep-alive
 * client): no key strings, no head string, no encoding.
 */
import type { HttpConfig } from './config.js';
import { proxyFor } from './config.js';
import type { EnvProxies } from '../io/proxy/env.js';
import type { ProxyAddress } from '../io/proxy/http-connect.js';
import type { CheckedOptions } from './options.js';
import type { HttpToken } from './token.js';
import type { RequestBody } from './upload.js';
import type { RequestUrl } from './url.js';
import { buildHead } from './request-head.js';
import { makeRoute, type CachedRoute } from './route.js';
import type { TransportEntry } from './transports.js';

/** The route and head of one request. */
export interface Wire {
  route: CachedRoute;
  head: Buffer;
}

/** The last plain GET/HEAD to a URL (kept on its parsed URL). */
interface UrlWire {
  generation: number;
  transport: TransportEntry;
  route: CachedRoute;
  method: string;
  keepAlive: boolean;
  acceptEncoding: string;
  head: Buffer;
  text: string;
  line: string;
  connection: string;
}

const wires = new WeakMap<RequestUrl, UrlWire>();

/** Per-client routes and heads; `invalidate()` when the config changes. */
export class WireCache {
  readonly #routes = new Map<string, CachedRoute>();
  #generation = 0;

  /** The config changed: routes and heads are made again. */
  invalidate(): void {
    this.#generation++;
    this.#routes.clear();
  }

  /**
   * The route and head of a request, and the token's request fields filled in.
   *
   * @example
   * ```ts
   * const { route, head } = cache.wire(cfg, env, token, u, o, 'GET', '1.1', true, undefined, transport);
   * ```
   */
  wire(
    cfg: HttpConfig,
    env: EnvProxies | undefined,
    token: HttpToken,
    u: RequestUrl,
    o: CheckedOptions,
    method: string,
    version: '1.0' | '1.1',
    keepAlive: boolean,
    body: RequestBody | undefined,
    transport: TransportEntry,
  ): Wire {
    const proxy = proxyFor(cfg, u.host, env, u.scheme, u.port);
    const secure = transport.secure;
    token.proxyUsed = proxy === undefined ? 'none' : secure ? 'SecureProxy' : 'HttpProxy';
    const acceptEncoding = cfg.zip && !o.handler ? 'gzip,deflate' : '';
    const plain =
      proxy === undefined &&
      body === undefined &&
      version === '1.1' &&
      o.myaddr === undefined &&
      o.headerPairs.length === 0 &&
      cfg.cookiejar === undefined;
    if (plain) {
      const w = wires.get(u);
      if (
        w !== undefined &&
        w.generation === this.#generation &&
        w.transport === transport &&
        w.method === method &&
        w.keepAlive === keepAlive &&
        w.acceptEncoding === acceptEncoding
      ) {
        token.requestHead = w.text;
        token.requestLine = w.line;
        token.connectionRequest = w.connection;
        return w;
      }
    }
    const extra: [string, string][] = [];
    const jar = cfg.cookiejar;
    if (jar) {
      const c = jar.getCookies(u.scheme, u.host, u.target.split('?')[0]);
      if (c) extra.push(['Cookie', c]);
    }
    let target = u.target;
    if (proxy !== undefined && !secure) {
      // Absolute-form through the proxy.
      target = u.href;
      if (proxy.authorization) extra.push(['Proxy-Authorization', proxy.authorization]);
    }
    if (body !== undefined && expectsContinue(cfg, o, body, version)) {
      extra.push(['Expect', '100-continue']);
    }
    const route = this.#route(cfg, u, proxy, transport, o.myaddr);
    const { head: text, connection } = buildHead({
      method,
      target,
      version,
      authority: u.authority,
      useragent: cfg.useragent,
      accept: cfg.accept,
      acceptEncoding,
      keepAlive,
      user: o.headerPairs,
      extra,
      // The manual's default type is for a `query` string (a form); bytes and streams have none.
      contentType:
        o.type ?? (typeof o.query === 'string' ? 'application/x-www-form-urlencoded' : undefined),
      contentLength: body?.length,
    });
    const line = text.slice(0, text.indexOf('\r\n'));
    const head = Buffer.from(text, 'latin1');
    token.requestHead = text;
    token.requestLine = line;
    token.connectionRequest = connection;
    if (plain) {
      wires.set(u, {
        generation: this.#generation,
        transport,
        route,
        method,
        keepAlive,
        acceptEncoding,
        head,
        text,
        line,
        connection,
      });
    }
    return { route, head };
  }

  #route(
    cfg: HttpConfig,
    u: RequestUrl,
    proxy: ProxyAddress | undefined,
    transport: TransportEntry,
    myaddr: string | undefined,
  ): CachedRoute {
    const origin = `${u.scheme}://${u.host}:${u.port}/${myaddr ?? ''}`;
    const key =
      proxy === undefined
        ? origin
        : `${transport.secure ? 'tunnel' : 'proxy'} ${proxy.tls ? 'tls ' : ''}${proxy.host}:${proxy.port} ${proxy.authorization ?? ''} ${origin}`;
    let route = this.#routes.get(key);
    if (route === undefined || route.transport !== transport) {
      route = makeRoute(key, u, proxy, transport, myaddr, cfg);
      if (this.#routes.size > 1000) this.#routes.clear();
      this.#routes.set(key, route);
    }
    return route;
  }
}

/**
 * Does this upload wait for `100 Continue` (the option, else the config's size threshold)?
 *
 * @example
 * ```ts
 * expectsContinue({ ...DEFAULT_HTTP_CONFIG, expectContinueBytes: 1024 }, o, body, '1.1');
 * ```
 */
export function expectsContinue(
  cfg: HttpConfig,
  o: CheckedOptions,
  body: RequestBody,
  version: '1.0' | '1.1',
): boolean {
  return (
    version === '1.1' &&
    (o.expectContinue ??
      (cfg.expectContinueBytes > 0 && (body.length < 0 || body.length >= cfg.expectContinueBytes)))
  );
}
