/**
 * The response head, built as one latin1 string on the hot path: status line, the handler's
 * fields, Date (formatted once a second, not per response), framing and connection fields.
 */
import { reasonPhrase } from '../proto/http1/status-codes.js';
import { UsageError } from '../errors.js';

let dateMs = 0;
let dateText = '';

/** `Date: …` value, recomputed at most once a second. */
export function httpDate(): string {
  const now = Date.now();
  if (now - dateMs >= 1000) {
    dateMs = now - (now % 1000);
    dateText = new Date(dateMs).toUTCString();
  }
  return dateText;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

/** Checks a header a handler sets: a token name and a value without CR, LF or NUL (no injection). */
export function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) {
    throw new UsageError(`header name ${JSON.stringify(name)} is not a token`, {
      code: 'ERR_HTTP_INVALID_HEADER',
    });
  }
  if (BAD_VALUE.test(value)) {
    throw new UsageError(`value of header ${name} holds CR, LF or NUL`, {
      code: 'ERR_HTTP_INVALID_HEADER',
    });
  }
}

/**
 * Status lines already built, per status, for HTTP/1.1 and HTTP/1.0: a response's first line is
 * one array read, not a reason-phrase look-up and a concatenation.
 */
const statusLines11: string[] = [];
const statusLines10: string[] = [];

function statusLine(version: '1.0' | '1.1', status: number): string {
  const lines = version === '1.1' ? statusLines11 : statusLines10;
  return (lines[status] ??= `HTTP/${version} ${status} ${reasonPhrase(status)}\r\n`);
}

let dateLineMs = 0;
let dateLine = '';

/** The whole `Date: …\r\n` line at `now` (ms since epoch), rebuilt at most once a second. */
function dateField(now: number): string {
  if (now - dateLineMs >= 1000 || now < dateLineMs) {
    dateLine = `Date: ${httpDate()}\r\n`;
    dateLineMs = now - (now % 1000);
  }
  return dateLine;
}

/**
 * The whole head, CRLF CRLF included. `fields` are `[name, value, …]` set by the handler
 * (already checked); `contentLength` is the Content-Length to send, or -1 for chunked (1.1) /
 * close-delimited (1.0). Plain arguments, so that a response allocates no parts object.
 *
 * @example
 * ```ts
 * buildHead('1.1', 200, ['Content-Type', 'text/plain'], 5, true);
 * // 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: …\r\nContent-Length: 5\r\n\r\n'
 * ```
 */
export function buildHead(
  version: '1.0' | '1.1',
  status: number,
  fields: readonly string[],
  contentLength: number,
  keepAlive: boolean,
  now: number = Date.now(),
): string {
  const date = dateField(now);
  const m = last;
  if (
    fields === m.fields &&
    date === m.date &&
    status === m.status &&
    contentLength === m.contentLength &&
    keepAlive === m.keepAlive &&
    version === m.version
  ) {
    return m.head;
  }
  let head = statusLine(version, status);
  for (let i = 0; i < fields.length; i += 2) head += `${fields[i]}: ${fields[i + 1]}\r\n`;
  head += date;
  // 1xx, 204 and 304 carry no body and so no framing fields (RFC 9110 §8.6).
  const bodiless = status < 200 || status === 204 || status === 304;
  if (!bodiless) {
    if (contentLength >= 0) head += `Content-Length: ${contentLength}\r\n`;
    else if (version === '1.1') head += 'Transfer-Encoding: chunked\r\n';
  }
  if (!keepAlive) head += 'Connection: close\r\n';
  else if (version === '1.0') head += 'Connection: keep-alive\r\n';
  head += '\r\n';
  // Remembered only for a field list that cannot change (a shared, frozen one).
  if (Object.isFrozen(fields)) {
    m.fields = fields;
    m.date = date;
    m.status = status;
    m.contentLength = contentLength;
    m.keepAlive = keepAlive;
    m.version = version;
    m.head = head;
  }
  return head;
}

/**
 * The last head built from a frozen field list (the shared lists of a response without headers
 * of its own, e.g. `ctx.send(text)`): a server answering the same kind of response over and
 * over builds its head once a second, when the Date changes.
 */
const last = {
  fields: undefined as readonly string[] | undefined,
  date: '',
  status: 0,
  contentLength: 0,
  keepAlive: false,
  version: '1.1' as '1.0' | '1.1',
  head: '',
};

/** Bodies up to this many characters are remembered with their head as one ready Buffer. */
const WHOLE_MAX_CHARS = 1024;

/**
 * The last whole response (head and body as one Buffer) of a frozen field list and a short
 * string body: a server answering the same small response over and over (a health check, a
 * hello world) writes one ready-made Buffer, as a hand-written server would, instead of joining
 * and encoding head and body each time. Rebuilt when anything of it changes (the Date each
 * second). Only frozen lists are remembered, so a handler's own headers are never served stale.
 */
const whole = { head: '', body: '', byteLength: 0, bytes: Buffer.alloc(0) };

/**
 * Head and `body` as one Buffer, when `fields` is a frozen (shared) list and `body` short; else
 * undefined (build the head with {@link buildHead}). `contentLength` is the one the handler set,
 * or -1 (the body's length is sent); a set length that is not the body's gets undefined.
 *
 * @example
 * ```ts
 * const bytes = wholeResponse('1.1', 200, Object.freeze(['Content-Type', 'text/plain']), -1, true, 'hi', Date.now());
 * // <Buffer 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: …\r\nContent-Length: 2\r\n\r\nhi'>
 * ```
 */
export function wholeResponse(
  version: '1.0' | '1.1',
  status: number,
  fields: readonly string[],
  contentLength: number,
  keepAlive: boolean,
  body: string,
  now: number,
): Buffer | undefined {
  if (body.length > WHOLE_MAX_CHARS || !Object.isFrozen(fields)) return undefined;
  const w = whole;
  const len = body === w.body ? w.byteLength : Buffer.byteLength(body);
  if (contentLength >= 0 && contentLength !== len) return undefined;
  // The head is remembered by buildHead (same frozen list, status, Date second…): the same head
  // and body are the same response.
  const head = buildHead(version, status, fields, len, keepAlive, now);
  if (head === w.head && body === w.body) return w.bytes;
  const bytes = Buffer.allocUnsafeSlow(head.length + len);
  bytes.write(head, 0, 'latin1');
  bytes.write(body, head.length, 'utf8');
  w.head = head;
  w.body = body;
  w.byteLength = len;
  w.bytes = bytes;
  return bytes;
}
