/**
 * URLs as `http::geturl` reads them (RFC 3986 with Tcl's leniencies): the scheme may be left
 * out (`example.org/x` is http), the path may be empty or start with `?`, userinfo is parsed
 * but not used, the fragment is dropped. With `strict` (the default) a path or query holding
 * characters RFC 3986 does not allow is an error; without it they are percent-encoded.
 */
import { UsageError } from '../errors.js';

/** A URL taken apart for a request. */
export interface RequestUrl {
  /** Lower-case scheme without ':' (`http`, `https`, or a registered one). */
  scheme: string;
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  /** Port, explicit or the scheme's default. */
  port: number;
  /** Path and query: the origin-form request target (`/` when empty). */
  target: string;
  /** The Host header value (`host` or `host:port` when not the default port). */
  authority: string;
  /** userinfo, if any (not sent: as in Tcl, credentials go in a header you set). */
  userinfo: string | undefined;
  /** The normalised URL, without fragment. */
  href: string;
}

const URL_RE =
  /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/)?(?:([^@/#?]+)@)?([^/:#?[\]]+|\[[^/#?]+\])(?::(\d*))?([/?][^#]*)?(?:#(.*))?$/s;
const PATH_OK = /^(?:[-\w.~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
const USER_OK = /^(?:[-\w.~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$/;
const HOST_OK = /^(?:[-\w.~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$|^\[[0-9A-Fa-f:.]+\]$/;

/**
 * Parses a URL for geturl. `defaultPort(scheme)` gives the registered port, or undefined for an
 * unknown scheme (an error). Throws `UsageError` (`ERR_HTTP_CLIENT_INVALID_URL`).
 *
 * @example
 * ```ts
 * parseRequestUrl('example.org:8080/a?b', true, () => 80).target; // '/a?b'
 * ```
 */
export function parseRequestUrl(
  url: string,
  strict: boolean,
  defaultPort: (scheme: string) => number | undefined,
): RequestUrl {
  const m = URL_RE.exec(url);
  if (m === null || (m[1] !== undefined && !url.slice(m[1].length + 1).startsWith('//'))) {
    // "host:port/path" without a scheme also lands here: retry as http.
    if (m !== null && m[1] !== undefined && /^\d+(?:[/?#]|$)/.test(url.slice(m[1].length + 1))) {
      return parseRequestUrl(`http://${url}`, strict, defaultPort);
    }
    throw invalid(url, 'it is not of the form [scheme://][user@]host[:port][/path][?query]');
  }
  if (m[1] === undefined && /^[^/?#]*:\/\//.test(url)) throw invalid(url, 'no host');
  const scheme = (m[1] ?? 'http').toLowerCase();
  const userinfo = m[2];
  let host = m[3];
  const portText = m[4];
  let path = m[5] ?? '';
  const port0 = defaultPort(scheme);
  if (port0 === undefined) {
    throw new UsageError(
      `unsupported URL scheme "${scheme}" in ${url}: register a transport for it`,
      {
        code: 'ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME',
      },
    );
  }
  if (!HOST_OK.test(host)) throw invalid(url, `bad host "${host}"`);
  if (userinfo !== undefined && strict && !USER_OK.test(userinfo)) {
    throw invalid(url, `bad userinfo "${userinfo}"`);
  }
  let port = port0;
  if (portText !== undefined && portText !== '') {
    port = Number(portText);
    if (port < 1 || port > 65535) throw invalid(url, `port ${portText} out of range`);
  }
  if (!PATH_OK.test(path)) {
    if (strict) throw invalid(url, `the path or query holds characters RFC 3986 does not allow`);
    path = encodePath(path);
  }
  if (path === '') path = '/';
  else if (path[0] === '?') path = '/' + path;
  if (host[0] === '[') host = host.slice(1, -1);
  host = host.toLowerCase();
  const hostText = host.includes(':') ? `[${host}]` : host;
  const authority = port === port0 ? hostText : `${hostText}:${port}`;
  return {
    scheme,
    host,
    port,
    target: path,
    authority,
    userinfo,
    href: `${scheme}://${authority}${path}`,
  };
}

function encodePath(path: string): string {
  return Buffer.from(path, 'utf8')
    .toString('latin1')
    .replace(
      /%(?![0-9A-Fa-f]{2})|[^-\w.~!$&'()*+,;=:@/?%]/g,
      (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
    );
}

function invalid(url: string, why: string): UsageError {
  return new UsageError(`invalid URL ${JSON.stringify(url)}: ${why}`, {
    code: 'ERR_HTTP_CLIENT_INVALID_URL',
  });
}
