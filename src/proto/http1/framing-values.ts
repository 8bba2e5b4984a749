/**
 * The values of the two fields that decide how a message body is framed: Content-Length (a
 * number, or a list of the same number) and Transfer-Encoding (a list of codings, `chunked`
 * last).
 */
import { HttpErrorCode, httpError } from './errors.js';

const DIGITS_RE = /^[0-9]+$/;

/**
 * A Content-Length value: digits only, at most 2^53 − 1. With `allowList`, a list of identical
 * values (`5, 5`, as a proxy that merged two fields would send) is accepted, differing ones are
 * not (RFC 9110 §8.6); without it any list is refused.
 *
 * @example
 * ```ts
 * parseContentLength('5, 5', undefined, true); // 5
 * parseContentLength('5, 5', 400, false);      // throws ProtocolError, status 400
 * ```
 */
export function parseContentLength(
  value: string,
  status: number | undefined,
  allowList = true,
): number {
  if (DIGITS_RE.test(value)) {
    const n = +value;
    if (n > Number.MAX_SAFE_INTEGER) {
      throw httpError(
        HttpErrorCode.INVALID_CONTENT_LENGTH,
        `Content-Length ${value} is too large`,
        status,
      );
    }
    return n;
  }
  if (allowList && value.includes(',')) {
    const parts = value.split(',');
    const first = parseContentLength(parts[0].trim(), status);
    for (let i = 1; i < parts.length; i++) {
      if (parseContentLength(parts[i].trim(), status) !== first) {
        throw httpError(
          HttpErrorCode.INVALID_CONTENT_LENGTH,
          `Content-Length lists different values: ${JSON.stringify(value)}`,
          status,
        );
      }
    }
    return first;
  }
  throw httpError(
    HttpErrorCode.INVALID_CONTENT_LENGTH,
    `Content-Length is not a number: ${JSON.stringify(value)}`,
    status,
  );
}

/** The transfer codings we know by name (RFC 9112 §7, IANA registry). */
const KNOWN_CODINGS = new Set(['chunked', 'gzip', 'x-gzip', 'deflate', 'compress', 'x-compress']);

/** What a Transfer-Encoding field list says about framing. */
export interface TransferCodings {
  /** The final coding is `chunked`: the body is chunked. */
  chunkedLast: boolean;
  /** `chunked` appears before the last place, or more than once. */
  chunkedMisplaced: boolean;
  /** The first coding we do not know, if any. */
  unknown: string | undefined;
}

/**
 * Reads the codings of the Transfer-Encoding fields, lower-cased, ignoring parameters and empty
 * list elements.
 *
 * @example
 * ```ts
 * transferCodings(['gzip', 'Chunked']); // { chunkedLast: true, chunkedMisplaced: false, unknown: undefined }
 * ```
 */
export function transferCodings(values: readonly string[]): TransferCodings {
  const codings: string[] = [];
  for (const v of values) {
    for (const part of v.split(',')) {
      const semi = part.indexOf(';');
      const t = (semi < 0 ? part : part.slice(0, semi)).trim().toLowerCase();
      if (t !== '') codings.push(t);
    }
  }
  const last = codings.length - 1;
  let unknown: string | undefined;
  let chunkedMisplaced = false;
  for (let i = 0; i <= last; i++) {
    const t = codings[i];
    if (t === 'chunked' && i !== last) chunkedMisplaced = true;
    if (unknown === undefined && !KNOWN_CODINGS.has(t)) unknown = t;
  }
  return { chunkedLast: last >= 0 && codings[last] === 'chunked', chunkedMisplaced, unknown };
}
