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

export interface HeadParts {
  version: '1.0' | '1.1';
  status: number;
  /** `[name, value, …]` set by the handler (already checked). */
  fields: string[];
  /** Content-Length to send, or -1 for chunked (1.1) / close-delimited (1.0). */
  contentLength: number;
  keepAlive: boolean;
}

/** The whole head, CRLF CRLF included. */
export function buildHead(p: HeadParts): string {
  let head = `HTTP/${p.version} ${p.status} ${reasonPhrase(p.status)}\r\n`;
  const f = p.fields;
  for (let i = 0; i < f.length; i += 2) head += `${f[i]}: ${f[i + 1]}\r\n`;
  head += `Date: ${httpDate()}\r\n`;
  // 1xx, 204 and 304 carry no body and so no framing fields (RFC 9110 §8.6).
  const bodiless = p.status < 200 || p.status === 204 || p.status === 304;
  if (!bodiless) {
    if (p.contentLength >= 0) head += `Content-Length: ${p.contentLength}\r\n`;
    else if (p.version === '1.1') head += 'Transfer-Encoding: chunked\r\n';
  }
  if (!p.keepAlive) head += 'Connection: close\r\n';
  else if (p.version === '1.0') head += 'Connection: keep-alive\r\n';
  return head + '\r\n';
}
