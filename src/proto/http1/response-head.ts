/**
 * A response head (RFC 9112 §4, §6.3): the status line and header section, and how the body that
 * follows is delimited given the method of the request it answers. Parsed like a request head:
 * one regex for the syntax, one walk for the fields, a slow pass only to explain failures.
 * Errors carry no `status`: a client answers a broken response by closing.
 */
import { HeaderList, FIELD_VALUE_CLASS } from './headers.js';
import { HttpErrorCode, httpError } from './errors.js';
import type { BodyKind } from './body-readers.js';
import { httpVersion, matchAt, persists, refuseBareLfInFirstLine } from './head-parts.js';
import { FIELD_LINES_SRC, FieldScan, scanFieldLines } from './field-lines.js';
import { diagnoseFieldLines } from './field-diagnosis.js';
import { transferCodings } from './framing-values.js';

/** A parsed status line and header section, with how the body is delimited. */
export interface ResponseHead {
  status: number;
  /** The reason phrase as received (may be empty; carries no meaning). */
  reason: string;
  /** `HTTP/1.2`… is read as 1.1. */
  version: '1.0' | '1.1';
  headers: HeaderList;
  /** The connection may carry another response after this one. */
  keepAlive: boolean;
  /** The Content-Length field, or undefined when absent. Given even when there is no body (HEAD, 304). */
  contentLength: number | undefined;
  /** The body is chunked. */
  chunked: boolean;
  /**
   * `none`: no body (HEAD, 1xx, 204, 304, 2xx to CONNECT); `length`: `contentLength` bytes;
   * `chunked`; `close`: everything until the connection closes.
   */
  bodyKind: BodyKind;
}

/** The whole head's syntax, sticky so it can run at any offset of a chunk's text. */
const RESPONSE_HEAD_RE = new RegExp(
  `HTTP/\\d\\.\\d \\d{3}(?: [${FIELD_VALUE_CLASS}]*)?\\r\\n${FIELD_LINES_SRC}`,
  'y',
);
const STATUS_LINE_RE = new RegExp(`^HTTP/\\d\\.\\d \\d{3}(?: [${FIELD_VALUE_CLASS}]*)?$`);

/**
 * If a complete, well-formed response head starts at `start` in `s`, the index just past its
 * blank line; else -1 (incomplete, or malformed: {@link parseResponseHead} tells which).
 *
 * @example
 * ```ts
 * matchResponseHead('HTTP/1.1 204 No Content\r\n\r\n', 0); // 27
 * ```
 */
export function matchResponseHead(s: string, start: number): number {
  return matchAt(RESPONSE_HEAD_RE, s, start);
}

/**
 * Parses a complete response head: `s` holds the status line through the final CRLFCRLF, one
 * char per byte; `method` is that of the request it answers (it decides whether a body
 * follows). Throws `ProtocolError` (without `status`).
 *
 * @example
 * ```ts
 * const head = parseResponseHead('HTTP/1.1 204 No Content\r\n\r\n', new FieldScan(), 100, 'GET');
 * head.bodyKind; // 'none'
 * ```
 */
export function parseResponseHead(
  s: string,
  scan: FieldScan,
  maxHeaderCount: number,
  method: string,
): ResponseHead {
  if (matchResponseHead(s, 0) !== s.length) diagnoseResponseHead(s, s.indexOf('\r\n'));
  return buildResponseHead(s, 0, s.length, scan, maxHeaderCount, method);
}

/**
 * Builds the head found by {@link matchResponseHead} at `s[start, end)`.
 *
 * @example
 * ```ts
 * const end = matchResponseHead(text, at);
 * if (end >= 0) head = buildResponseHead(text, at, end, scan, 100, 'GET');
 * ```
 */
export function buildResponseHead(
  s: string,
  start: number,
  end: number,
  scan: FieldScan,
  maxHeaderCount: number,
  method: string,
): ResponseHead {
  const lineEnd = s.indexOf('\r', start);
  const version = httpVersion(
    s.charCodeAt(start + 5) - 0x30,
    s.charCodeAt(start + 7) - 0x30,
    undefined,
  );
  const status =
    (s.charCodeAt(start + 9) - 0x30) * 100 +
    (s.charCodeAt(start + 10) - 0x30) * 10 +
    s.charCodeAt(start + 11) -
    0x30;
  if (status < 100 || status > 599) {
    throw httpError(
      HttpErrorCode.INVALID_STATUS_LINE,
      `status ${s.slice(start + 9, start + 12)} is outside 100–599`,
      undefined,
    );
  }
  const reason = lineEnd > start + 13 ? s.slice(start + 13, lineEnd) : '';

  const offs: number[] = [];
  scan.reset();
  scanFieldLines(s, lineEnd + 2, end, offs, scan, maxHeaderCount, undefined);

  const cl = scan.contentLength;
  let bodyKind: BodyKind;
  let forceClose = false;
  if (scan.transferEncoding !== undefined && cl >= 0) {
    throw httpError(
      HttpErrorCode.CONFLICTING_FRAMING,
      'both Content-Length and Transfer-Encoding (response smuggling shape)',
      undefined,
    );
  }
  if (
    status < 200 ||
    status === 204 ||
    status === 304 ||
    method === 'HEAD' ||
    (method === 'CONNECT' && status < 300)
  ) {
    bodyKind = 'none';
  } else if (scan.transferEncoding !== undefined) {
    const te = transferCodings(scan.transferEncoding);
    if (te.chunkedMisplaced) {
      throw httpError(
        HttpErrorCode.INVALID_TRANSFER_ENCODING,
        'chunked must be the final transfer coding, applied once',
        undefined,
      );
    }
    // RFC 9112 §6.3: not chunked last means "read until close". A 1.0 message with
    // Transfer-Encoding has faulty framing (§6.1): process it, then close.
    bodyKind = te.chunkedLast ? 'chunked' : 'close';
    forceClose = version === '1.0';
  } else {
    bodyKind = cl >= 0 ? 'length' : 'close';
  }
  const conn = scan.connection;
  return {
    status,
    reason,
    version,
    headers: HeaderList.fromOffsets(s, offs),
    keepAlive: !forceClose && bodyKind !== 'close' && persists(conn, version),
    contentLength: cl < 0 ? undefined : cl,
    chunked: bodyKind === 'chunked',
    bodyKind,
  };
}

/** Throws the precise error for a head that failed {@link RESPONSE_HEAD_RE}. */
function diagnoseResponseHead(s: string, lineEnd: number): never {
  refuseBareLfInFirstLine(s, lineEnd, 'status', undefined);
  const line = s.slice(0, lineEnd);
  if (!STATUS_LINE_RE.test(line)) {
    throw httpError(
      HttpErrorCode.INVALID_STATUS_LINE,
      `malformed status line ${JSON.stringify(line.slice(0, 60))}`,
      undefined,
    );
  }
  diagnoseFieldLines(s, lineEnd + 2, undefined);
  throw httpError(HttpErrorCode.INVALID_STATUS_LINE, 'malformed response head', undefined);
}
