/**
 * What a finished response leads to: the next hop of an opt-in redirect (`followRedirects`),
 * and a proxy's refusal of CONNECT turned into the caller's response (Tcl 2.10).
 */
import type { ProxyRefusedError } from '../io/proxy/http-connect.js';
import { responseHeaderValue } from './accessors.js';
import { transportFor } from './transports.js';
import type { Exchange } from './exchange.js';
import type { HttpToken } from './token.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Where a redirect leads. */
export interface Hop {
  url: string;
  method: string;
  /** The next request has no body (303; 301/302 after a POST). */
  dropBody: boolean;
  /** Another origin: Authorization, Cookie and Proxy-Authorization are not sent there. */
  crossOrigin: boolean;
}

/**
 * The redirect a response with `status` and `location` leads to, if it is one to follow: 303
 * (and 301/302 after a POST) become GET without a body; 307/308 keep the method and a bytes
 * body (a streamed body cannot be sent again, so that one is not followed).
 *
 * @example
 * ```ts
 * redirectAt(ex, 303, '/new'); // { url: 'http://h/new', method: 'GET', dropBody: true, crossOrigin: false }
 * ```
 */
export function redirectAt(
  ex: Exchange,
  status: number,
  location: string | undefined,
): Hop | undefined {
  if (!REDIRECTS.has(status) || !location) return undefined;
  const toGet = status === 303 || ((status === 301 || status === 302) && ex.method === 'POST');
  if (!toGet && ex.body !== undefined && ex.body.kind === 'stream') return undefined;
  let next: URL;
  try {
    next = new URL(location, ex.url.href);
  } catch {
    return undefined;
  }
  if (transportFor(next.protocol.slice(0, -1)) === undefined) return undefined;
  const method = toGet ? (ex.method === 'HEAD' ? 'HEAD' : 'GET') : ex.method;
  const crossOrigin = next.origin !== new URL(ex.url.href).origin;
  return { url: next.href, method, dropBody: toGet, crossOrigin };
}

/**
 * Fills `t` with a proxy's refusal of CONNECT, as Tcl 2.10 hands it back (`SecureProxyFailed`).
 *
 * @example
 * ```ts
 * proxyRefusal(token, err); // token.ncode === 407
 * ```
 */
export function proxyRefusal(t: HttpToken, err: ProxyRefusedError): void {
  t.proxyUsed = 'SecureProxyFailed';
  t.ncode = err.status;
  t.reason = err.reason;
  t.http = `HTTP/1.1 ${err.status} ${err.reason}`;
  t.meta = err.headers;
  t.type = responseHeaderValue(t, 'content-type') || 'text/html';
}
