/**
 * What request heads and response heads share: running a head's sticky regex, reading the HTTP
 * version of the first line, explaining a bare LF in that line, and deciding keep-alive from the
 * Connection options. `status` is the server's answer for a request, undefined for a response.
 */
import { HttpErrorCode, httpError } from './errors.js';
import { CONN_CLOSE, CONN_KEEP_ALIVE } from './field-lines.js';

/**
 * If the sticky `re` matches at `start` in `s`, the index just past the match; else -1.
 *
 * @example
 * ```ts
 * matchAt(/a+/y, 'baab', 1); // 3
 * ```
 */
export function matchAt(re: RegExp, s: string, start: number): number {
  re.lastIndex = start;
  return re.test(s) ? re.lastIndex : -1;
}

/**
 * The version of `HTTP/major.minor`: 1.0, or 1.1 for any later 1.x (RFC 9110 §2.5). Throws
 * `ERR_HTTP_UNSUPPORTED_VERSION` for any other major version.
 *
 * @example
 * ```ts
 * httpVersion(1, 2, 505); // '1.1'
 * ```
 */
export function httpVersion(
  major: number,
  minor: number,
  status: number | undefined,
): '1.0' | '1.1' {
  if (major !== 1) {
    throw httpError(
      HttpErrorCode.UNSUPPORTED_VERSION,
      `HTTP version ${major}.${minor} is not supported`,
      status,
    );
  }
  return minor === 0 ? '1.0' : '1.1';
}

/**
 * Throws if the head `s` has a LF before or at the end of its first line (which `lineEnd`, the
 * index of its first CRLF, does not reach): `line` names that line in the message.
 *
 * @example
 * ```ts
 * refuseBareLfInFirstLine('GET / HTTP/1.1\nHost: a\r\n\r\n', 22, 'request', 400); // throws
 * ```
 */
export function refuseBareLfInFirstLine(
  s: string,
  lineEnd: number,
  line: string,
  status: number | undefined,
): void {
  const lf = s.indexOf('\n');
  if (lf >= 0 && lf < lineEnd + 1) {
    throw httpError(
      HttpErrorCode.INVALID_LINE_ENDING,
      `${line} line ends with a bare LF (CRLF required)`,
      status,
    );
  }
}

/**
 * Whether the connection persists, from the Connection options `conn` (RFC 9112 §9.3): 1.1
 * unless `close`; 1.0 only with `keep-alive`.
 *
 * @example
 * ```ts
 * persists(CONN_KEEP_ALIVE, '1.0'); // true
 * ```
 */
export function persists(conn: number, version: '1.0' | '1.1'): boolean {
  return (conn & CONN_CLOSE) === 0 && (version === '1.1' || (conn & CONN_KEEP_ALIVE) !== 0);
}
