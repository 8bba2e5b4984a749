/**
 * `http::config`: the settings every request of a client starts from. Two sets of defaults: the
 * manual's ({@link TCL_HTTP_CONFIG}, behind the module-level `geturl`/`config`) and
 * {@link DEFAULT_HTTP_CONFIG}, what `new HttpClient()` starts from (keep-alive, several
 * connections per origin, finite read timeouts: what fetch and undici users expect). Keys keep
 * the manual's names; keys beyond the manual (pool size, timeouts…) use units in their names.
 */
import { UsageError } from '../errors.js';
import type { ClientTlsOptions } from '../io/dial.js';
import { envProxyFor, readEnvProxies, type EnvProxies, type ProxyEnv } from '../io/proxy/env.js';
import type { ProxyAddress } from '../io/proxy/http-connect.js';
import { DEFAULT_SERVER } from '../channels/channel-table.js';

/** Proxy for a host: `[host, port]`, or undefined for a direct connection (`-proxyfilter`). */
export type ProxyFilter = (host: string) => readonly [string, number] | undefined;

/** Tcl 2.10's `-cookiejar` hook: asked for cookies before a request, told of each Set-Cookie. */
export interface CookieJar {
  /** The Cookie header value for a request, or undefined for none. */
  getCookies(scheme: string, host: string, path: string): string | undefined;
  /** Called with each Set-Cookie value received and the URL it came from. */
  storeCookie(setCookie: string, url: string): void;
}

/** Every `http::config` key, with the manual's names (and 2.10's), plus connchan's additions. */
export interface HttpConfig {
  /** Accept header. Default `*\/*`. */
  accept: string;
  /** Pipeline GET/HEAD on persistent connections. Default true. */
  pipeline: boolean;
  /** POSTs always on a fresh connection of their own. Default false. */
  postfresh: boolean;
  /** Proxy host ('' = direct). */
  proxyhost: string;
  /** Proxy port (0 = 8080 when a proxyhost is set, as Tcl's default filter does not; be explicit). */
  proxyport: number;
  /** Decides the proxy per host; default: proxyhost/proxyport unless the host is in proxynot. */
  proxyfilter: ProxyFilter | undefined;
  /** Retry a POST once when a reused connection turns out dead. Default false. */
  repost: boolean;
  /** Encoding for formatQuery/quoteString: 'utf-8' (default), 'iso8859-1', or '' (bytes). */
  urlencoding: string;
  /** User-Agent header. */
  useragent: string;
  /** Send Accept-Encoding gzip,deflate and decode compressed bodies. Default true. */
  zip: boolean;
  /** (2.10) Proxy-Authorization value sent to the proxy. */
  proxyauth: string;
  /** (2.10) Host globs (`*.example.org`) that bypass the proxy. */
  proxynot: string[];
  /** (2.10) Cookie jar hook. */
  cookiejar: CookieJar | undefined;
  /** Charset of text without a charset parameter (`$::http::defaultCharset`). Default iso8859-1. */
  defaultCharset: string;
  /**
   * (connchan) Proxies from the environment, as undici's `EnvHttpProxyAgent`: `true` reads
   * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (or their lower-case forms) from `process.env` when
   * this is set; an object is read instead of `process.env`. Used for hosts that `proxyfilter`
   * and `proxyhost` leave direct. Default false.
   */
  envProxy: boolean | ProxyEnv;
  /** Default of geturl's `keepalive`: false in the manual's config, true for `new HttpClient()`. */
  keepalive: boolean;
  /**
   * Persistent connections per origin (host:port). 1 in the manual's config (Tcl's one socket
   * per host:port, requests queued and pipelined on it); 16 for `new HttpClient()`.
   */
  maxConnectionsPerOrigin: number;
  /** Requests written ahead on one pipelined connection. Default 64. */
  maxPipelineDepth: number;
  /** DNS + TCP (+ TLS) of one new connection, in ms. Default 10000. */
  connectTimeoutMs: number;
  /** An idle persistent connection is closed after this many ms without a request. Default 30000. */
  idleTimeoutMs: number;
  /**
   * (connchan) A response head not begun within this many ms of its request's turn ends the
   * request with a timeout (undici's `headersTimeout`). 0 = none (the manual's config); 300000
   * for `new HttpClient()`. Checked by one coarse timer per connection: it fires between once
   * and twice this long after the last byte.
   */
  headersTimeoutMs: number;
  /** (connchan) Likewise between two pieces of a response body (undici's `bodyTimeout`). */
  bodyTimeoutMs: number;
  /** Uploads of at least this many bytes send `Expect: 100-continue` (0 = never). Default 0. */
  expectContinueBytes: number;
  /** How long to wait for `100 Continue` before sending the body anyway, in ms. Default 1000. */
  expectContinueTimeoutMs: number;
  /** TLS settings for https (CA, client cert, `insecure`). Certificates are verified by default. */
  tls: ClientTlsOptions | undefined;
  /** Channel table (server name) the connections are listed in. Default 'default'. */
  server: string;
}

/**
 * The manual's defaults (`http::config` of a fresh interpreter): no keep-alive unless asked, one
 * persistent connection per host:port, no timeouts. The module-level `geturl` and `config` use
 * them; `new HttpClient(TCL_HTTP_CONFIG)` gives a client that behaves exactly like Tcl's.
 */
export const TCL_HTTP_CONFIG: Readonly<HttpConfig> = Object.freeze({
  accept: '*/*',
  pipeline: true,
  postfresh: false,
  proxyhost: '',
  proxyport: 0,
  proxyfilter: undefined,
  repost: false,
  urlencoding: 'utf-8',
  useragent: `connchan-http/1.0 Node.js/${process.versions.node}`,
  zip: true,
  proxyauth: '',
  proxynot: [],
  cookiejar: undefined,
  defaultCharset: 'iso8859-1',
  envProxy: false,
  keepalive: false,
  maxConnectionsPerOrigin: 1,
  maxPipelineDepth: 64,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  headersTimeoutMs: 0,
  bodyTimeoutMs: 0,
  expectContinueBytes: 0,
  expectContinueTimeoutMs: 1000,
  tls: undefined,
  server: DEFAULT_SERVER,
});

/**
 * What `new HttpClient()` starts from: the manual's config with keep-alive on, several
 * connections per origin (a slow response does not hold up the others: a request goes to an
 * idle connection, else a new one, and is pipelined only when all 16 are busy) and undici's
 * 300 s read timeouts. `{ maxConnectionsPerOrigin: 1 }` gives back Tcl's one persistent
 * connection per origin with its queue and pipelining rules.
 */
export const DEFAULT_HTTP_CONFIG: Readonly<HttpConfig> = Object.freeze({
  ...TCL_HTTP_CONFIG,
  proxynot: [],
  keepalive: true,
  maxConnectionsPerOrigin: 16,
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 300_000,
});

type Check = (v: unknown) => boolean;
const isBool: Check = (v) => typeof v === 'boolean';
const isStr: Check = (v) => typeof v === 'string';
const isCount =
  (min: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min;
const isOptFn: Check = (v) => v === undefined || typeof v === 'function';

const CHECKS: Record<keyof HttpConfig, [Check, string]> = {
  accept: [isStr, 'a string'],
  pipeline: [isBool, 'a boolean'],
  postfresh: [isBool, 'a boolean'],
  proxyhost: [isStr, 'a string'],
  proxyport: [(v) => isCount(0)(v) && (v as number) < 65536, 'a port number'],
  proxyfilter: [isOptFn, 'a function or undefined'],
  repost: [isBool, 'a boolean'],
  urlencoding: [
    (v) => v === '' || (isStr(v) && Buffer.isEncoding(normalizeEncoding(v as string))),
    "'utf-8', 'iso8859-1' or ''",
  ],
  useragent: [isStr, 'a string'],
  zip: [isBool, 'a boolean'],
  proxyauth: [isStr, 'a string'],
  proxynot: [(v) => Array.isArray(v) && v.every(isStr), 'an array of host globs'],
  cookiejar: [
    (v) =>
      v === undefined ||
      (typeof v === 'object' &&
        v !== null &&
        typeof (v as CookieJar).getCookies === 'function' &&
        typeof (v as CookieJar).storeCookie === 'function'),
    'an object with getCookies and storeCookie',
  ],
  defaultCharset: [isStr, 'a charset name'],
  keepalive: [isBool, 'a boolean'],
  maxConnectionsPerOrigin: [isCount(1), 'an integer ≥ 1'],
  maxPipelineDepth: [isCount(1), 'an integer ≥ 1'],
  connectTimeoutMs: [isCount(1), 'a number of ms ≥ 1'],
  idleTimeoutMs: [isCount(1), 'a number of ms ≥ 1'],
  headersTimeoutMs: [isCount(0), 'a number of ms ≥ 0 (0 = none)'],
  bodyTimeoutMs: [isCount(0), 'a number of ms ≥ 0 (0 = none)'],
  envProxy: [
    (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null),
    'a boolean or an environment object',
  ],
  expectContinueBytes: [isCount(0), 'a number of bytes ≥ 0'],
  expectContinueTimeoutMs: [isCount(0), 'a number of ms ≥ 0'],
  tls: [
    (v) => v === undefined || (typeof v === 'object' && v !== null),
    'TLS options or undefined',
  ],
  server: [isStr, 'a server name'],
};

/**
 * Maps Tcl encoding names (`iso8859-1`, `utf-8`) to Node's Buffer encodings.
 *
 * @example
 * ```ts
 * normalizeEncoding('iso8859-1'); // 'latin1'
 * ```
 */
export function normalizeEncoding(name: string): string {
  const n = name.toLowerCase().replace(/[_\s]/g, '-');
  if (n === 'utf-8' || n === 'utf8') return 'utf8';
  if (/^(iso-?8859-1|latin-?1|l1|us-ascii|ascii|binary)$/.test(n)) return 'latin1';
  return n;
}

/**
 * Checks and applies `changes` to `target` (throws `UsageError` for unknown keys or bad values,
 * before changing anything).
 *
 * @example
 * ```ts
 * const cfg = { ...DEFAULT_HTTP_CONFIG };
 * applyConfig(cfg, { pipeline: false, useragent: 'me/1.0' });
 * ```
 */
export function applyConfig(target: HttpConfig, changes: Partial<HttpConfig>): void {
  for (const [key, value] of Object.entries(changes)) {
    const check = CHECKS[key as keyof HttpConfig];
    if (check === undefined) {
      throw new UsageError(
        `unknown config option "${key}": must be one of ${Object.keys(CHECKS).join(', ')}`,
        { code: 'ERR_HTTP_CLIENT_INVALID_OPTION' },
      );
    }
    if (!check[0](value)) {
      throw new UsageError(`config option ${key} must be ${check[1]}, got ${String(value)}`, {
        code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
      });
    }
  }
  Object.assign(target, changes);
  if (changes.proxynot) target.proxynot = [...changes.proxynot];
}

/**
 * Glob match as Tcl's `string match` for host names (`*`, `?`), case-insensitive.
 *
 * @example
 * ```ts
 * globMatch('*.example.org', 'www.Example.org'); // true
 * ```
 */
export function globMatch(glob: string, s: string): boolean {
  const re = new RegExp(
    '^' +
      glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  );
  return re.test(s);
}

/**
 * The environment's proxies for a config whose `envProxy` is set, read now (undefined if not).
 *
 * @example
 * ```ts
 * envProxiesOf({ ...DEFAULT_HTTP_CONFIG, envProxy: { HTTP_PROXY: 'http://p:3128' } })?.http?.port; // 3128
 * ```
 */
export function envProxiesOf(config: HttpConfig): EnvProxies | undefined {
  const e = config.envProxy;
  if (e === false) return undefined;
  return readEnvProxies(e === true ? process.env : e);
}

/**
 * The proxy for a request to `host:port` over `scheme` under `config`: the filter's answer if
 * one is set, else proxyhost and proxyport unless the host matches a proxynot glob, else the
 * environment's (`env`, from {@link envProxiesOf}) unless NO_PROXY or proxynot exempts the host.
 *
 * @example
 * ```ts
 * proxyFor({ ...DEFAULT_HTTP_CONFIG, proxyhost: 'p', proxyport: 3128 }, 'example.org'); // { host: 'p', port: 3128 }
 * ```
 */
export function proxyFor(
  config: HttpConfig,
  host: string,
  env?: EnvProxies,
  scheme = 'http',
  port = 80,
): ProxyAddress | undefined {
  const auth = config.proxyauth || undefined;
  if (config.proxyfilter) {
    const p = config.proxyfilter(host);
    return p ? { host: p[0], port: p[1], authorization: auth } : undefined;
  }
  if (!config.proxyhost && env === undefined) return undefined;
  for (const glob of config.proxynot) if (globMatch(glob, host)) return undefined;
  if (config.proxyhost) {
    return { host: config.proxyhost, port: config.proxyport || 8080, authorization: auth };
  }
  const p = env && envProxyFor(env, scheme, host, port);
  return p && auth ? { ...p, authorization: auth } : p;
}
