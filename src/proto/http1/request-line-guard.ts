/**
 * Refusing bytes that cannot be HTTP as soon as they are seen, not when the head limit or the
 * header timeout is reached: a TLS ClientHello on the plain port (its first byte, 0x16, is no
 * method character), binary garbage, a stray protocol. The guard walks the request line of a
 * head still incomplete, once per byte however the bytes drip in, and stops at its CRLF; the
 * complete head is then checked whole by the head parser.
 *
 * ```
 *   METHOD ──SP──▶ TARGET ──SP──▶ VERSION ("HTTP/d.d") ──CR──▶ LF ──▶ DONE
 * ```
 */
import { HttpErrorCode, describeChar, httpError } from './errors.js';
import type { InputBuffer } from './input-buffer.js';

const G_METHOD = 0;
const G_TARGET = 1;
const G_VERSION = 2;
const G_LF = 3;
const G_DONE = 4;

/** 1 for RFC 9110 `tchar`. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

/** `HTTP/d.d`, a digit standing for `0`. */
const VERSION_SHAPE = 'HTTP/0.0';

/**
 * Internal to `proto/http1`: the request line of the head being received, checked so far.
 *
 * @example
 * ```ts
 * const guard = new RequestLineGuard();
 * guard.check(input); // throws ProtocolError 400 at the first byte that cannot be HTTP
 * ```
 */
export class RequestLineGuard {
  #state = G_METHOD;
  /** Bytes of the window already checked. */
  #pos = 0;
  /** Bytes in the current part (method, target, version). */
  #part = 0;

  /** A new head starts at the window's first byte. */
  reset(): void {
    this.#state = G_METHOD;
    this.#pos = 0;
    this.#part = 0;
  }

  /** Checks the bytes of `input`'s window not checked yet; throws at the first impossible one. */
  check(input: InputBuffer): void {
    const n = input.length;
    let state = this.#state;
    let pos = this.#pos;
    let part = this.#part;
    while (pos < n && state !== G_DONE) {
      const c = input.byteAt(pos);
      if (state === G_METHOD) {
        if (c < 128 && TCHAR[c] === 1) part++;
        else if (c === 0x20 && part > 0) {
          state = G_TARGET;
          part = 0;
        } else if (c === 0x0d && pos === 0 && n === 1) {
          break; // maybe the CR of an empty line before the request: wait for its LF
        } else {
          throw httpError(
            HttpErrorCode.INVALID_METHOD,
            `not an HTTP request: ${describeChar(c)} where a method was expected`,
            400,
          );
        }
      } else if (state === G_TARGET) {
        if (c > 0x20 && c < 0x7f) part++;
        else if (c === 0x20 && part > 0) {
          state = G_VERSION;
          part = 0;
        } else {
          throw httpError(
            HttpErrorCode.INVALID_TARGET,
            `invalid character ${describeChar(c)} in the request target`,
            400,
          );
        }
      } else if (state === G_VERSION) {
        if (part === VERSION_SHAPE.length) {
          if (c !== 0x0d) throw badVersion(c);
          state = G_LF;
        } else {
          const want = VERSION_SHAPE.charCodeAt(part);
          if (want === 0x30 ? c < 0x30 || c > 0x39 : c !== want) throw badVersion(c);
          part++;
        }
      } else if (c === 0x0a) {
        state = G_DONE;
      } else {
        throw httpError(
          HttpErrorCode.INVALID_LINE_ENDING,
          'bare CR at the end of the request line (CRLF required)',
          400,
        );
      }
      pos++;
    }
    this.#state = state;
    this.#pos = pos;
    this.#part = part;
  }
}

function badVersion(c: number): Error {
  return httpError(
    c === 0x0a ? HttpErrorCode.INVALID_LINE_ENDING : HttpErrorCode.INVALID_REQUEST_LINE,
    c === 0x0a
      ? 'request line ends with a bare LF (CRLF required)'
      : `malformed HTTP version in the request line (${describeChar(c)})`,
    400,
  );
}
