/**
 * `http::formatQuery` and `http::quoteString`: x-www-form-urlencoding as Tcl does it. Every
 * byte outside RFC 3986's unreserved set becomes `%XX`; a newline becomes `%0D%0A`. The text is
 * first encoded with `urlencoding` (utf-8 by default; iso8859-1 refuses characters above U+00FF;
 * '' takes the low byte of each character, as Tcl before 2.5).
 */
import { UsageError } from '../errors.js';
import { normalizeEncoding } from './config.js';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) {
  const c = String.fromCharCode(i);
  HEX.push(/[-._~a-zA-Z0-9]/.test(c) ? c : '%' + i.toString(16).toUpperCase().padStart(2, '0'));
}
const SAFE = /^[-._~a-zA-Z0-9]*$/;

/**
 * x-url-encodes one string.
 *
 * @example
 * ```ts
 * quoteString('a b&c\n'); // 'a%20b%26c%0D%0A'
 * quoteString('é', 'iso8859-1'); // '%E9'
 * ```
 */
export function quoteString(value: string, urlencoding = 'utf-8'): string {
  if (SAFE.test(value)) return value;
  const text = value.replace(/\r?\n/g, '\r\n');
  let bytes: Buffer;
  if (urlencoding === '') {
    bytes = Buffer.from(text, 'latin1');
  } else {
    const enc = normalizeEncoding(urlencoding);
    if (enc === 'latin1' && /[\u0100-\uffff]/.test(text)) {
      throw new UsageError(`cannot encode ${JSON.stringify(value)} in ${urlencoding}`, {
        code: 'ERR_HTTP_CLIENT_ENCODING',
      });
    }
    if (!Buffer.isEncoding(enc)) {
      throw new UsageError(`unknown urlencoding "${urlencoding}"`, {
        code: 'ERR_HTTP_CLIENT_ENCODING',
      });
    }
    bytes = Buffer.from(text, enc);
  }
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

/**
 * x-url-encodes key/value pairs into `k1=v1&k2=v2`: given as alternating arguments (as Tcl),
 * as `[key, value]` pairs, or as a record.
 *
 * @example
 * ```ts
 * formatQuery('q', 'tcl http', 'n', '1'); // 'q=tcl%20http&n=1'
 * formatQuery({ a: 'x y' });              // 'a=x%20y'
 * ```
 */
export function formatQuery(
  ...args: string[] | [Iterable<readonly [string, string]> | Readonly<Record<string, string>>]
): string {
  return formatQueryWith('utf-8', args);
}

/** {@link formatQuery} with an explicit urlencoding (what a client's config uses). */
export function formatQueryWith(urlencoding: string, args: readonly unknown[]): string {
  let pairs: Iterable<readonly [string, string]>;
  if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null) {
    const a = args[0] as Iterable<readonly [string, string]> | Record<string, string>;
    pairs = Symbol.iterator in a ? (a as Iterable<readonly [string, string]>) : Object.entries(a);
  } else {
    if (args.length % 2 !== 0) {
      throw new UsageError('formatQuery needs an even number of arguments (key value ...)', {
        code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
      });
    }
    const list: [string, string][] = [];
    for (let i = 0; i < args.length; i += 2) list.push([String(args[i]), String(args[i + 1])]);
    pairs = list;
  }
  const parts: string[] = [];
  for (const [k, v] of pairs)
    parts.push(`${quoteString(k, urlencoding)}=${quoteString(v, urlencoding)}`);
  return parts.join('&');
}
