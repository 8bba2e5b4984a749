/**
 * A final response head as the token's fields (`ncode`, `http`, `meta`, `type`, `charset`,
 * `coding`, `binary`, …), by the manual's rules: the type defaults to text/html, text is decoded
 * by its charset (else the config's default), json/xml count as text, a body left compressed is
 * binary. The cookie jar hook hears each Set-Cookie here.
 */
import type { ResponseHead } from '../proto/http1/response-head.js';
import { charsetOf, isTextType } from './charset.js';
import type { HttpConfig } from './config.js';
import type { CheckedOptions } from './options.js';
import type { HttpToken } from './token.js';

/** Content-Type → text or binary, and charset: servers send few distinct values. */
const typeInfo = new Map<string, { text: boolean; charset: string | undefined }>();

/**
 * Fills `t` from `head`; returns the content coding connchan will decode (`gzip`, `deflate`,
 * `br`) or '' when the body is kept as received.
 *
 * @example
 * ```ts
 * const decode = takeResponseHead(token, ev.head, client.config, options); // 'gzip' or ''
 * ```
 */
export function takeResponseHead(
  t: HttpToken,
  head: ResponseHead,
  cfg: HttpConfig,
  o: CheckedOptions,
): string {
  t.stage = 'body';
  t.ncode = head.status;
  t.reason = head.reason;
  t.http = `HTTP/${head.version} ${head.status}${head.reason ? ' ' + head.reason : ''}`;
  t.setResponseHeaders(head.headers);
  const h = head.headers;
  t.type = h.get('content-type') ?? 'text/html';
  let info = typeInfo.get(t.type);
  if (info === undefined) {
    info = { text: isTextType(t.type), charset: charsetOf(t.type) };
    if (typeInfo.size > 200) typeInfo.clear();
    typeInfo.set(t.type, info);
  }
  t.charset = info.charset ?? cfg.defaultCharset;
  t.coding = h.get('content-encoding') ?? '';
  t.transferEncoding = h.get('transfer-encoding') ?? '';
  t.connectionResponse = h.get('connection') ?? '';
  t.totalsize = head.contentLength ?? 0;
  const coding = t.coding.toLowerCase();
  // br is never asked for (the manual's Accept-Encoding is gzip,deflate) but some servers send
  // it anyway; Node's zlib decodes it, so the body is not left compressed.
  const zipped = coding !== '' && /^(x-)?gzip$|^deflate$|^br$/.test(coding);
  const decode = zipped && cfg.zip && !o.handler ? coding.replace('x-', '') : '';
  t.binary =
    o.binary === true || !info.text || (coding !== '' && coding !== 'identity' && decode === '');
  const jar = cfg.cookiejar;
  if (jar) for (const v of h.getAll('set-cookie')) jar.storeCookie(v, t.url);
  return decode;
}

/**
 * Tcl 2.10 `-guesstype`: an `application/octet-stream` body that is an XML document is read as
 * XML text, in the encoding its declaration names (else UTF-8).
 *
 * @example
 * ```ts
 * guessType(token, body, options); // token.type === 'application/xml' for '<?xml …?>…'
 * ```
 */
export function guessType(t: HttpToken, bytes: Buffer, o: CheckedOptions): void {
  if (!/^application\/octet-stream\b/i.test(t.type)) return;
  const m = /^<\?xml[^>]*?(?:encoding\s*=\s*["']([-\w.:]+)["'])?[^>]*\?>/.exec(
    bytes.subarray(0, 200).toString('latin1'),
  );
  if (m) {
    t.type = 'application/xml';
    t.charset = (m[1] ?? 'utf-8').toLowerCase();
    t.binary = o.binary === true;
  }
}
