/**
 * Which proxy `connchan get` uses, as curl decides: `-x URL` if given, else `HTTP_PROXY` for
 * http:// and `HTTPS_PROXY` for https:// (lower-case names first), and never for the hosts of
 * `--noproxy` or `NO_PROXY`. The library reads the environment with `proxyFromEnv`; the choice
 * is made per host, so a redirect to another host is decided again.
 */
import { parseProxyUrl, proxyFromEnv, type ProxyAddress } from 'connchan/io';

export interface ProxyChoice {
  /** For the client's `proxyfilter`: `[host, port]`, or undefined to go direct. */
  filter: (host: string) => readonly [string, number] | undefined;
  /** Proxy-Authorization from the proxy URL's credentials, or ''. */
  authorization: string;
}

/**
 * @returns undefined when no proxy applies to anything.
 * @example
 * ```ts
 * proxyFilter(new URL('http://example.org/'), undefined, undefined, { HTTP_PROXY: 'http://p:3128' });
 * ```
 */
export function proxyFilter(
  target: URL,
  flag: string | undefined,
  noproxy: string | undefined,
  env: NodeJS.ProcessEnv,
): ProxyChoice | undefined {
  // One environment for both: -x stands for both variables, --noproxy for NO_PROXY.
  const effective: NodeJS.ProcessEnv = { ...env };
  if (flag !== undefined) {
    const url = /^[a-z]+:\/\//i.test(flag) ? flag : `http://${flag}`;
    for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) effective[k] = url;
  }
  if (noproxy !== undefined) {
    effective.no_proxy = noproxy;
    effective.NO_PROXY = noproxy;
  }
  const raw =
    target.protocol === 'https:'
      ? (effective.https_proxy ?? effective.HTTPS_PROXY)
      : (effective.http_proxy ?? effective.HTTP_PROXY);
  if (!raw) return undefined;
  const first: ProxyAddress = parseProxyUrl(raw);
  if (first.tls) {
    throw new Error(`a proxy reached over TLS (${raw}) is not supported; use an http:// proxy`);
  }
  const scheme = target.protocol;
  return {
    filter: (host) => {
      const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      const p = proxyFromEnv(new URL(`${scheme}//${h}/`), effective);
      return p === undefined ? undefined : [p.host, p.port];
    },
    authorization: first.authorization ?? '',
  };
}
