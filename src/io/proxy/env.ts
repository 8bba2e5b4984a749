/**
 * Proxies from the environment, as curl and most tools read them: `http_proxy` for http/ws,
 * `https_proxy` for https/wss (upper-case variants too), and `no_proxy` listing hosts, domain
 * suffixes (`.example.org` or `example.org`), host:port, or `*`.
 */
import type { ProxyAddress } from './http-connect.js';

/** An environment to read proxies from (`process.env` or a record of the same names). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** The proxies an environment names, parsed once (see {@link readEnvProxies}). */
export interface EnvProxies {
  http: ProxyAddress | undefined;
  https: ProxyAddress | undefined;
  /** NO_PROXY entries: lower-case host or domain (no leading dot), and a port or ''. */
  noProxy: readonly (readonly [host: string, port: string])[];
  /** NO_PROXY is `*`. */
  noProxyAll: boolean;
}

/**
 * Reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (lower-case names first, as curl) from `env`.
 * A malformed proxy URL throws a `TypeError` (from `URL`) naming it.
 *
 * @example
 * ```ts
 * const p = readEnvProxies({ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,.internal' });
 * envProxyFor(p, 'https', 'example.org', 443); // { host: 'proxy', port: 3128, tls: false }
 * ```
 */
export function readEnvProxies(env: ProxyEnv = process.env): EnvProxies {
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const https = env.https_proxy ?? env.HTTPS_PROXY;
  const noProxy: [string, string][] = [];
  let noProxyAll = false;
  for (let entry of (env.no_proxy ?? env.NO_PROXY ?? '').split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') noProxyAll = true;
    let port = '';
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.includes(']') && entry.split(':').length === 2) {
      entry = m[1];
      port = m[2];
    }
    noProxy.push([entry.startsWith('.') ? entry.slice(1) : entry.replace(/^\[|\]$/g, ''), port]);
  }
  return {
    http: http ? parseProxyUrl(http) : undefined,
    https: https ? parseProxyUrl(https) : undefined,
    noProxy,
    noProxyAll,
  };
}

/**
 * The proxy for `scheme://host:port` under proxies read by {@link readEnvProxies}, or undefined
 * for a direct connection (no proxy for the scheme, or NO_PROXY matches).
 *
 * @example
 * ```ts
 * envProxyFor(readEnvProxies(process.env), 'http', 'example.org', 80);
 * ```
 */
export function envProxyFor(
  proxies: EnvProxies,
  scheme: string,
  host: string,
  port: number,
): ProxyAddress | undefined {
  const secure = scheme === 'https' || scheme === 'wss';
  const proxy = secure ? proxies.https : proxies.http;
  if (proxy === undefined || proxies.noProxyAll) return undefined;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const p = String(port);
  for (const [bare, entryPort] of proxies.noProxy) {
    if (entryPort !== '' && entryPort !== p) continue;
    if (h === bare || h.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}

/**
 * The environment's proxy for `target`, or undefined for a direct connection.
 *
 * @example
 * ```ts
 * proxyFromEnv(new URL('wss://example.org/chat')); // from HTTPS_PROXY, unless NO_PROXY says no
 * ```
 */
export function proxyFromEnv(
  target: URL,
  env: NodeJS.ProcessEnv = process.env,
): ProxyAddress | undefined {
  const secure = target.protocol === 'https:' || target.protocol === 'wss:';
  const port = target.port ? Number(target.port) : secure ? 443 : 80;
  return envProxyFor(readEnvProxies(env), target.protocol.slice(0, -1), target.hostname, port);
}

/** `http://user:pass@host:port` → ProxyAddress (Basic authorization from the credentials). */
export function parseProxyUrl(raw: string): ProxyAddress {
  const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  const tls = url.protocol === 'https:';
  const proxy: ProxyAddress = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : tls ? 443 : 80,
    tls,
  };
  if (url.username) {
    const cred = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    proxy.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
  }
  return proxy;
}
