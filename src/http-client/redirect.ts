/**
 * What a finished response leads to: the next hop of an opt-in redirect (`followRedirects`),
 * and a proxy's refusal of CONNECT turned into the caller's response (Tcl 2.10).
 */
import type { ProxyRefusedError } from '../io/proxy/http-connect.js';
import { responseHeaderValue } from './accessors.js';
import type { Exchange } from './exchange.js';
import type { HttpToken } from './token.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The redirect to follow after `ex`, if any: 303 (and 301/302 after a POST) become GET without
 * a body; 307/308 keep the method and a bytes body (a streamed body cannot be sent again).
 *
 * @example
 * ```ts
 * const hop = nextHop(ex); // { url: 'http://h/new', method: 'GET', dropBody: true }
 * ```
 */
export function nextHop(
  ex: Exchange,
): { url: string; method: string; dropBody: boolean } | undefined {
  const t = ex.token;
  if (t.status !== 'ok' || !REDIRECTS.has(t.ncode) || t.redirects.length >= ex.o.maxRedirects) {
    return undefined;
  }
  const loc = responseHeaderValue(t, 'location');
  if (!loc) return undefined;
  const toGet = t.ncode === 303 || ((t.ncode === 301 || t.ncode === 302) && ex.method === 'POST');
  if (!toGet && ex.body !== undefined && ex.body.kind === 'stream') return undefined;
  let url: string;
  try {
    url = new URL(loc, ex.url.href).href;
  } catch {
    return undefined;
  }
  const method = toGet ? (ex.method === 'HEAD' ? 'HEAD' : 'GET') : ex.method;
  return { url, method, dropBody: toGet };
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
