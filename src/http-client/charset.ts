/**
 * Text bodies: charset from Content-Type, binary detection as the 2.9 manual says, conversion
 * to a JS string (latin1 and utf-8 natively, other IANA names through TextDecoder).
 */
import { TextDecoder } from 'node:util';
import { normalizeEncoding } from './config.js';

/**
 * The body is text when its type is `text/*`, or json, xml, `+xml`/`+json`, javascript or
 * form-urlencoded (Tcl 2.9.x decodes those as text too); anything else is binary.
 *
 * @example
 * ```ts
 * isTextType('application/json; charset=utf-8'); // true
 * ```
 */
export function isTextType(type: string): boolean {
  const t = type.split(';', 1)[0].trim().toLowerCase();
  return (
    t.startsWith('text/') ||
    /^application\/(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|[\w.+-]+\+(?:xml|json))$/.test(
      t,
    )
  );
}

/**
 * The `charset` parameter of a Content-Type, lower-cased, or undefined.
 *
 * @example
 * ```ts
 * charsetOf('text/html; charset="UTF-8"'); // 'utf-8'
 * ```
 */
export function charsetOf(type: string): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type);
  return m ? m[1].toLowerCase() : undefined;
}

const decoders = new Map<string, TextDecoder | null>();

/**
 * Converts body bytes in `charset` to a string. Unknown charsets are read as ISO-8859-1 (one
 * char per byte), so nothing is lost.
 *
 * @example
 * ```ts
 * decodeText(Buffer.from([0xe9]), 'iso8859-1'); // 'é'
 * ```
 */
export function decodeText(bytes: Buffer, charset: string): string {
  const enc = normalizeEncoding(charset);
  if (enc === 'utf8') return bytes.toString('utf8');
  if (enc === 'latin1') return bytes.toString('latin1');
  let d = decoders.get(enc);
  if (d === undefined) {
    try {
      d = new TextDecoder(enc);
    } catch {
      d = null;
    }
    decoders.set(enc, d);
  }
  return d === null ? bytes.toString('latin1') : d.decode(bytes);
}
