/**
 * Building the request head of a geturl: one latin1 string, written with one write. Fields in
 * Tcl's order: Host, User-Agent, Connection, Accept, Accept-Encoding, the caller's headers,
 * Content-Type, Content-Length. A caller's Host, User-Agent, Accept, Accept-Encoding,
 * Content-Type or Content-Length replaces ours; a caller's Connection values are merged with
 * keep-alive/close into one field (Tcl 2.10). CR and LF are stripped from values, as the manual
 * says ("so the header cannot be corrupted").
 */
import { UsageError } from '../errors.js';
import { isToken } from '../proto/http1/headers.js';

/** What the head needs. */
export interface HeadSpec {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  authority: string;
  useragent: string;
  accept: string;
  /** Accept-Encoding value, or '' for none. */
  acceptEncoding: string;
  keepAlive: boolean;
  user: readonly (readonly [string, string])[];
  /** Extra fields we add (Cookie, Proxy-Authorization, Expect). */
  extra: readonly (readonly [string, string])[];
  /** Content-Type of a body, or undefined when there is none. */
  contentType: string | undefined;
  /** Content-Length of a body; -1 = chunked; undefined = no body. */
  contentLength: number | undefined;
}

const OVERRIDES = new Set([
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'content-type',
  'content-length',
  'connection',
  'transfer-encoding',
]);

/**
 * The head as a latin1 string, and the Connection value sent.
 *
 * @example
 * ```ts
 * buildHead({ method: 'GET', target: '/', version: '1.1', authority: 'a', useragent: 'x',
 *   accept: '*\/*', acceptEncoding: '', keepAlive: true, user: [], extra: [],
 *   contentType: undefined, contentLength: undefined }).head;
 * ```
 */
export function buildHead(spec: HeadSpec): { head: string; connection: string } {
  let host = spec.authority;
  let ua = spec.useragent;
  let accept = spec.accept;
  let ae = spec.acceptEncoding;
  let ctype = spec.contentType;
  let clen: string | undefined =
    spec.contentLength === undefined || spec.contentLength < 0
      ? undefined
      : String(spec.contentLength);
  let te = spec.contentLength === -1 ? 'chunked' : undefined;
  let conn = spec.keepAlive ? 'keep-alive' : 'close';
  let rest = '';
  const user = spec.user;
  for (let i = 0; i < user.length; i++) {
    const name = user[i][0];
    if (!isToken(name)) {
      throw new UsageError(`header name ${JSON.stringify(name)} is not a token`, {
        code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
      });
    }
    const value = clean(user[i][1]);
    const lower = name.toLowerCase();
    if (!OVERRIDES.has(lower)) {
      rest += `${name}: ${value}\r\n`;
      continue;
    }
    if (lower === 'host') host = value;
    else if (lower === 'user-agent') ua = value;
    else if (lower === 'accept') accept = value;
    else if (lower === 'accept-encoding') ae = value;
    else if (lower === 'content-type') ctype = value;
    else if (lower === 'content-length') {
      clen = value;
      te = undefined;
    } else if (lower === 'transfer-encoding') te = value;
    else {
      const own = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && !/^(keep-alive|close)$/i.test(s));
      conn = [...own, conn].join(', ');
    }
  }
  for (const [n, v] of spec.extra) rest += `${n}: ${clean(v)}\r\n`;
  let head = `${spec.method} ${spec.target} HTTP/${spec.version}\r\nHost: ${host}\r\n`;
  if (ua) head += `User-Agent: ${ua}\r\n`;
  head += `Connection: ${conn}\r\n`;
  if (accept) head += `Accept: ${accept}\r\n`;
  if (ae) head += `Accept-Encoding: ${ae}\r\n`;
  head += rest;
  if (ctype !== undefined && spec.contentLength !== undefined) head += `Content-Type: ${ctype}\r\n`;
  if (clen !== undefined) head += `Content-Length: ${clen}\r\n`;
  else if (te !== undefined) head += `Transfer-Encoding: ${te}\r\n`;
  return { head: head + '\r\n', connection: conn };
}

function clean(v: string): string {
  return /[\r\n\0]/.test(v) ? v.replace(/[\r\n\0]/g, '') : v;
}

/**
 * Header fields of a head built by {@link buildHead}, as pairs (for `requestHeaders`).
 *
 * @example
 * ```ts
 * parseHeadFields('GET / HTTP/1.1\r\nHost: a\r\n\r\n'); // [['Host', 'a']]
 * ```
 */
export function parseHeadFields(head: string): [string, string][] {
  const lines = head.split('\r\n');
  const out: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') break;
    const c = l.indexOf(':');
    out.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  return out;
}
