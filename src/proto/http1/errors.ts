/**
 * The HTTP/1.1 codec's error codes, in one place. A parser throws a {@link ProtocolError} whose
 * `status` is the answer a server must send (400, 413, 414, 431, 501, 505); the response parser
 * (client side) throws the same codes with `status` left undefined, because a client answers a
 * broken response by closing, not by sending a status.
 */
import { ProtocolError } from '../../errors.js';

/** Stable `code`s of the errors thrown by `proto/http1`. */
export const HttpErrorCode = {
  /** Request line is not `method SP target SP HTTP/x.y CRLF`. */
  INVALID_REQUEST_LINE: 'ERR_HTTP_INVALID_REQUEST_LINE',
  /** Status line is not `HTTP/x.y SP 3DIGIT [SP reason] CRLF`, or the status is out of range. */
  INVALID_STATUS_LINE: 'ERR_HTTP_INVALID_STATUS_LINE',
  INVALID_METHOD: 'ERR_HTTP_INVALID_METHOD',
  /** A well-formed method the server does not know (501). */
  UNKNOWN_METHOD: 'ERR_HTTP_UNKNOWN_METHOD',
  INVALID_TARGET: 'ERR_HTTP_INVALID_TARGET',
  /** `HTTP/2.0`, `HTTP/0.9`…: well-formed but not 1.x. */
  UNSUPPORTED_VERSION: 'ERR_HTTP_UNSUPPORTED_VERSION',
  URI_TOO_LONG: 'ERR_HTTP_URI_TOO_LONG',
  HEADERS_TOO_LARGE: 'ERR_HTTP_HEADERS_TOO_LARGE',
  TOO_MANY_HEADERS: 'ERR_HTTP_TOO_MANY_HEADERS',
  INVALID_HEADER_NAME: 'ERR_HTTP_INVALID_HEADER_NAME',
  INVALID_HEADER_VALUE: 'ERR_HTTP_INVALID_HEADER_VALUE',
  /** A line continuing the previous field (starts with SP/HTAB), RFC 9112 §5.2. */
  OBS_FOLD: 'ERR_HTTP_OBS_FOLD',
  /** A bare LF or bare CR where CRLF is required. */
  INVALID_LINE_ENDING: 'ERR_HTTP_INVALID_LINE_ENDING',
  INVALID_CONTENT_LENGTH: 'ERR_HTTP_INVALID_CONTENT_LENGTH',
  /** Both Content-Length and Transfer-Encoding: the request-smuggling shape. */
  CONFLICTING_FRAMING: 'ERR_HTTP_CONFLICTING_FRAMING',
  INVALID_TRANSFER_ENCODING: 'ERR_HTTP_INVALID_TRANSFER_ENCODING',
  UNSUPPORTED_TRANSFER_CODING: 'ERR_HTTP_UNSUPPORTED_TRANSFER_CODING',
  MISSING_HOST: 'ERR_HTTP_MISSING_HOST',
  MULTIPLE_HOST: 'ERR_HTTP_MULTIPLE_HOST',
  /** A Host value that is not `uri-host [":" port]` (RFC 9112 §3.2). */
  INVALID_HOST: 'ERR_HTTP_INVALID_HOST',
  INVALID_CHUNK: 'ERR_HTTP_INVALID_CHUNK',
  CHUNK_EXTENSIONS_TOO_LARGE: 'ERR_HTTP_CHUNK_EXTENSIONS_TOO_LARGE',
  TRAILERS_TOO_LARGE: 'ERR_HTTP_TRAILERS_TOO_LARGE',
  /** The connection ended inside a head. */
  INCOMPLETE_HEAD: 'ERR_HTTP_INCOMPLETE_HEAD',
  /** The connection ended before a Content-Length or chunked body was complete. */
  INCOMPLETE_BODY: 'ERR_HTTP_INCOMPLETE_BODY',
  /** Response bytes arrived while no request was waiting for one. */
  UNSOLICITED_RESPONSE: 'ERR_HTTP_UNSOLICITED_RESPONSE',
} as const;

/** One of the {@link HttpErrorCode} values. */
export type HttpErrorCodeValue = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * Builds the error a parser throws. Internal: parsers call it, users catch `ProtocolError`.
 *
 * @example
 * ```ts
 * throw httpError(HttpErrorCode.MISSING_HOST, 'HTTP/1.1 request without Host', 400);
 * ```
 */
export function httpError(
  code: HttpErrorCodeValue,
  message: string,
  status: number | undefined,
): ProtocolError {
  return new ProtocolError(message, status === undefined ? { code } : { code, status });
}

/**
 * The same error without its HTTP status: what the response parser rethrows, since the readers
 * it shares with the request parser speak the server's language.
 *
 * @example
 * ```ts
 * catch (err) { throw err instanceof ProtocolError ? withoutStatus(err) : err; }
 * ```
 */
export function withoutStatus(err: ProtocolError): ProtocolError {
  if (err.status === undefined) return err;
  const copy = new ProtocolError(err.message, { code: err.code });
  copy.stack = err.stack;
  return copy;
}

/**
 * Printable form of a character code for error messages.
 *
 * @example
 * ```ts
 * describeChar(0x0d); // '0x0d'
 * describeChar(0x78); // "'x'"
 * ```
 */
export function describeChar(code: number): string {
  return code > 0x20 && code < 0x7f
    ? `'${String.fromCharCode(code)}'`
    : `0x${code.toString(16).padStart(2, '0')}`;
}
