/**
 * A request head (RFC 9112 §3, §5): parsed from one latin1 string that runs from the request
 * line to the blank line. One regex checks the whole head's syntax; a walk then slices out the
 * fields and the framing facts. Only when the regex fails does a slow pass find out what exactly
 * is wrong, for the error message.
 */
import { HeaderList, TCHAR_CLASS, isToken } from './headers.js';
import { HttpErrorCode, describeChar, httpError } from './errors.js';
import { httpVersion, matchAt, persists, refuseBareLfInFirstLine } from './head-parts.js';
import { checkTargetForm, isValidHost } from './authority.js';
import { KNOWN_METHODS } from './methods.js';
import { CONN_UPGRADE, FIELD_LINES_SRC, FieldScan, scanFieldLineBounds } from './field-lines.js';
import { diagnoseFieldLines } from './field-diagnosis.js';
import { transferCodings } from './framing-values.js';

/** A parsed request line and header section, with what they say about the connection. */
export interface RequestHead {
  /** As received (methods are case-sensitive: `get` is not `GET`). */
  method: string;
  /**
   * The request target as received: origin-form `/a?b`, absolute-form, authority-form or `*`.
   * Visible ASCII only (a URI): raw bytes ≥ 0x80 are refused, as llhttp does.
   */
  target: string;
  /** `HTTP/1.2`… is read as 1.1 (RFC 9110 §2.5). */
  version: '1.0' | '1.1';
  headers: HeaderList;
  /** 1.1: unless `Connection: close`; 1.0: only with `Connection: keep-alive`. */
  keepAlive: boolean;
  /** The Content-Length, or undefined when absent (then the body is empty unless chunked). */
  contentLength: number | undefined;
  chunked: boolean;
  /**
   * `Expect: 100-continue` came with an HTTP/1.1 request: answer `100 Continue` before reading
   * the body. (An HTTP/1.0 request's 100-continue is ignored, RFC 9110 §10.1.1.)
   */
  expectContinue: boolean;
  /**
   * The Expect value when it asks for anything but 100-continue: an expectation the server
   * cannot meet, to be answered 417 (RFC 9110 §10.1.1). Undefined otherwise.
   */
  expectation: string | undefined;
  /**
   * The host named by an absolute-form target (`GET http://host/path`): the request's host,
   * ahead of the Host field (RFC 9112 §3.2.2). Undefined for the other forms.
   */
  authority: string | undefined;
  /** The Upgrade field, when Connection lists `upgrade`; else undefined. */
  upgrade: string | undefined;
}

/** Limits checked while parsing a request head, and the methods accepted besides the known ones. */
export interface RequestHeadLimits {
  maxRequestLineBytes: number;
  maxHeaderCount: number;
  methods?: ReadonlySet<string> | undefined;
}

/** The whole head's syntax, sticky so it can run at any offset of a chunk's text. */
const REQUEST_HEAD_RE = new RegExp(
  `[${TCHAR_CLASS}]+ [\\x21-\\x7e]+ HTTP/\\d\\.\\d\\r\\n${FIELD_LINES_SRC}`,
  'y',
);
const VERSION_RE = /^HTTP\/(\d)\.(\d)$/;
/**
 * Scratch for the field line bounds of the head being built (heads are built synchronously, one
 * at a time): it grows to the largest head seen (at most 2 × maxHeaderCount numbers), once.
 */
const LINES: number[] = [];

/**
 * If a complete, well-formed request head starts at `start` in `s`, the index just past its
 * blank line; else -1 (incomplete, or malformed: {@link parseRequestHead} tells which).
 *
 * @example
 * ```ts
 * matchRequestHead('GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2…', 0); // 27
 * ```
 */
export function matchRequestHead(s: string, start: number): number {
  return matchAt(REQUEST_HEAD_RE, s, start);
}

/**
 * Parses a complete request head: `s` holds the request line through the final CRLFCRLF, one
 * char per byte. `scan` is the caller's reusable scratch. Throws `ProtocolError` with the status
 * to send.
 *
 * @example
 * ```ts
 * const head = parseRequestHead('GET / HTTP/1.1\r\nHost: a\r\n\r\n', new FieldScan(), limits);
 * head.method; // 'GET'
 * ```
 */
export function parseRequestHead(
  s: string,
  scan: FieldScan,
  limits: RequestHeadLimits,
): RequestHead {
  const lineEnd = s.indexOf('\r\n');
  if (lineEnd > limits.maxRequestLineBytes) throw uriTooLong(limits.maxRequestLineBytes);
  if (matchRequestHead(s, 0) !== s.length) diagnoseRequestHead(s, lineEnd);
  return buildRequestHead(s, 0, s.length, scan, limits);
}

/**
 * Builds the head found by {@link matchRequestHead} at `s[start, end)`. Field values are not
 * sliced here: the {@link HeaderList} keeps `s` and where its lines start and end.
 *
 * @example
 * ```ts
 * const end = matchRequestHead(text, at);
 * if (end >= 0) head = buildRequestHead(text, at, end, scan, limits);
 * ```
 */
export function buildRequestHead(
  s: string,
  start: number,
  end: number,
  scan: FieldScan,
  limits: RequestHeadLimits,
): RequestHead {
  const lineEnd = s.indexOf('\r', start);
  if (lineEnd - start > limits.maxRequestLineBytes) throw uriTooLong(limits.maxRequestLineBytes);
  const sp = s.indexOf(' ', start);
  const method = methodAt(s, start, sp, limits.methods);
  const target = s.slice(sp + 1, lineEnd - 9);
  const minor = s.charCodeAt(lineEnd - 1) - 0x30;
  const version = httpVersion(s.charCodeAt(lineEnd - 3) - 0x30, minor, 505);
  if (minor > 1) {
    // llhttp refuses 1.2 and later; RFC 9110 §2.5 lets a server answer 505 to what it cannot serve.
    throw httpError(
      HttpErrorCode.UNSUPPORTED_VERSION,
      `HTTP version 1.${minor} is not supported`,
      505,
    );
  }
  const authority = target.charCodeAt(0) === 0x2f ? undefined : checkTargetForm(method, target);

  scan.reset();
  const count = scanFieldLineBounds(s, lineEnd + 2, end, LINES, scan, limits.maxHeaderCount, 400);
  // An exact copy for the head: pushing into a fresh array would allocate 17 slots for one field.
  const lines = LINES.slice(0, count);

  if (scan.hostCount !== 1 && (scan.hostCount > 1 || version === '1.1')) {
    throw scan.hostCount > 1
      ? httpError(HttpErrorCode.MULTIPLE_HOST, 'more than one Host field', 400)
      : httpError(HttpErrorCode.MISSING_HOST, 'HTTP/1.1 request without a Host field', 400);
  }
  if (scan.hostCount === 1 && !knownValidHost(s, scan)) {
    throw httpError(
      HttpErrorCode.INVALID_HOST,
      `invalid Host ${JSON.stringify(s.slice(scan.hostStart, Math.min(scan.hostEnd, scan.hostStart + 80)))}`,
      400,
    );
  }
  let chunked = false;
  if (scan.transferEncoding !== undefined) chunked = requestIsChunked(scan, version);

  const conn = scan.connection;
  const expect = scan.expect === undefined ? NO_EXPECTATION : expectations(scan.expect, version);
  return {
    method,
    target,
    version,
    headers: HeaderList.fromLines(s, lines),
    keepAlive: persists(conn, version),
    contentLength: scan.contentLength < 0 ? undefined : scan.contentLength,
    chunked,
    expectContinue: expect.expectContinue,
    expectation: expect.expectation,
    authority,
    upgrade: (conn & CONN_UPGRADE) !== 0 ? scan.upgrade : undefined,
  };
}

const NO_EXPECTATION = { expectContinue: false, expectation: undefined };
const CONTINUE = { expectContinue: true, expectation: undefined };

/** What an Expect value asks (RFC 9110 §10.1.1): 100-continue, or something to answer 417. */
function expectations(
  value: string,
  version: '1.0' | '1.1',
): { expectContinue: boolean; expectation: string | undefined } {
  let cont = false;
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t === '100-continue') cont = true;
    else if (t !== '') return { expectContinue: false, expectation: value };
  }
  return cont && version === '1.1' ? CONTINUE : NO_EXPECTATION;
}

/**
 * The method of the request line `s[start, sp)`: GET, POST and HEAD as constants (no string is
 * made for them), the others sliced and looked up; a method neither known nor in `extra` gets 501.
 */
function methodAt(
  s: string,
  start: number,
  sp: number,
  extra: ReadonlySet<string> | undefined,
): string {
  const len = sp - start;
  const c = s.charCodeAt(start);
  if (
    len === 3 &&
    c === 0x47 &&
    s.charCodeAt(start + 1) === 0x45 &&
    s.charCodeAt(start + 2) === 0x54
  )
    return 'GET';
  if (len === 4 && s.charCodeAt(start + 3) === 0x54 && s.startsWith('POST', start)) return 'POST';
  if (len === 4 && c === 0x48 && s.startsWith('HEAD', start)) return 'HEAD';
  const method = s.slice(start, sp);
  if (!KNOWN_METHODS.has(method) && extra?.has(method) !== true) {
    throw httpError(
      HttpErrorCode.UNKNOWN_METHOD,
      `method ${JSON.stringify(method.slice(0, 20))} is not implemented`,
      501,
    );
  }
  return method;
}

/**
 * True when the Host value is the one the previous request on this parser had, already found
 * valid: keep-alive clients send the same Host every time, and a comparison is cheaper than a
 * walk. Otherwise remembers it, if valid, for the next request.
 */
function knownValidHost(s: string, scan: FieldScan): boolean {
  const { hostStart, hostEnd, lastValidHost } = scan;
  if (hostEnd - hostStart === lastValidHost.length && s.startsWith(lastValidHost, hostStart)) {
    return true;
  }
  if (isValidHost(s, hostStart, hostEnd, true)) {
    // A copy of its own: a slice of the head's text would keep the whole text alive.
    scan.lastValidHost = ` ${s.slice(hostStart, hostEnd)}`.slice(1);
    return true;
  }
  return false;
}

/** RFC 9112 §6.1/§6.3 for a request carrying Transfer-Encoding: chunked last, or refuse. */
function requestIsChunked(scan: FieldScan, version: string): boolean {
  if (scan.contentLength >= 0) {
    throw httpError(
      HttpErrorCode.CONFLICTING_FRAMING,
      'both Content-Length and Transfer-Encoding (request smuggling shape)',
      400,
    );
  }
  if (version === '1.0') {
    throw httpError(
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
      'Transfer-Encoding in an HTTP/1.0 request',
      400,
    );
  }
  const te = transferCodings(scan.transferEncoding as string[]);
  if (te.unknown !== undefined) {
    throw httpError(
      HttpErrorCode.UNSUPPORTED_TRANSFER_CODING,
      `unsupported transfer coding ${JSON.stringify(te.unknown)}`,
      501,
    );
  }
  if (!te.chunkedLast || te.chunkedMisplaced) {
    throw httpError(
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
      'the final transfer coding of a request must be chunked, applied once',
      400,
    );
  }
  return true;
}

function uriTooLong(max: number): Error {
  return httpError(HttpErrorCode.URI_TOO_LONG, `request line longer than ${max} bytes`, 414);
}

/** Throws the precise error for a head that failed {@link REQUEST_HEAD_RE}. */
function diagnoseRequestHead(s: string, lineEnd: number): never {
  refuseBareLfInFirstLine(s, lineEnd, 'request', 400);
  const line = s.slice(0, lineEnd);
  const parts = line.split(' ');
  if (parts.length !== 3) {
    throw httpError(
      HttpErrorCode.INVALID_REQUEST_LINE,
      `request line must be "method SP target SP version": ${JSON.stringify(line.slice(0, 60))}`,
      400,
    );
  }
  const [method, target, version] = parts;
  if (!isToken(method)) {
    throw httpError(
      HttpErrorCode.INVALID_METHOD,
      `method ${JSON.stringify(method.slice(0, 20))} is not a token`,
      400,
    );
  }
  if (target === '') {
    throw httpError(HttpErrorCode.INVALID_TARGET, 'empty request target', 400);
  }
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) {
      throw httpError(
        HttpErrorCode.INVALID_TARGET,
        `invalid character ${describeChar(c)} in the request target`,
        400,
      );
    }
  }
  if (!VERSION_RE.test(version)) {
    throw httpError(
      HttpErrorCode.INVALID_REQUEST_LINE,
      `malformed HTTP version ${JSON.stringify(version.slice(0, 20))}`,
      400,
    );
  }
  diagnoseFieldLines(s, lineEnd + 2, 400);
  throw httpError(HttpErrorCode.INVALID_REQUEST_LINE, 'malformed request head', 400);
}
