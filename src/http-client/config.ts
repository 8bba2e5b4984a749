/**
 * `http::config`: the settings every request of a client starts from. One default config
 * (the manual's global one) and one per {@link HttpClient} instance. Keys keep the manual's
 * names; keys beyond the manual (pool size, connect/idle timeouts…) use units in their names.
 */
import { UsageError } from '../errors.js';
import type { ClientTlsOptions } from '../io/dial.js';
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
  /** Default of geturl's `keepalive` (the manual's default is false). */
  keepalive: boolean;
  /** Persistent connections per origin (host:port). Default 1, as in Tcl. */
  maxConnectionsPerOrigin: number;
  /** Requests written ahead on one pipelined connection. Default 64. */
  maxPipelineDepth: number;
  /** DNS + TCP (+ TLS) of one new connection, in ms. Default 10000. */
  connectTimeoutMs: number;
  /** An idle persistent connection is closed after this many ms without a request. Default 30000. */
  idleTimeoutMs: number;
  /** Uploads of at least this many bytes send `Expect: 100-continue` (0 = never). Default 0. */
  expectContinueBytes: number;
  /** How long to wait for `100 Continue` before sending the body anyway, in ms. Default 1000. */
  expectContinueTimeoutMs: number;
  /** TLS settings for https (CA, client cert, `insecure`). Certificates are verified by default. */
  tls: ClientTlsOptions | undefined;
  /** Channel table (server name) the connections are listed in. Default 'default'. */
  server: string;
}

/** The defaults of {@link HttpConfig}. */
export const DEFAULT_HTTP_CONFIG: Readonly<HttpConfig> = Object.freeze({
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
  keepalive: false,
  maxConnectionsPerOrigin: 1,
  maxPipelineDepth: 64,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  expectContinueBytes: 0,
  expectContinueTimeoutMs: 1000,
  tls: undefined,
  server: DEFAULT_SERVER,
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
 * The proxy for `host` under `config`: the filter's answer if one is set, else proxyhost and
 * proxyport unless the host matches a proxynot glob.
 *
 * @example
 * ```ts
 * proxyFor({ ...DEFAULT_HTTP_CONFIG, proxyhost: 'p', proxyport: 3128 }, 'example.org'); // ['p', 3128]
 * ```
 */
export function proxyFor(config: HttpConfig, host: string): readonly [string, number] | undefined {
  if (config.proxyfilter) return config.proxyfilter(host) ?? undefined;
  if (!config.proxyhost) return undefined;
  for (const glob of config.proxynot) if (globMatch(glob, host)) return undefined;
  return [config.proxyhost, config.proxyport || 8080];
}
