/**
 * Serialising request and response heads (RFC 9112 §3, §4, §5). Pure functions: a head in, its
 * bytes out. Every name, value, method, target and reason is checked, so that a CR or LF from
 * user input can never start a new header line or a new message (header injection).
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../../errors.js';
import { isFieldValue, isToken } from './headers.js';
import { reasonPhrase } from './status-codes.js';

/**
 * Header fields to write: `[name, value]` pairs (an array, a `HeaderList`, any iterable) or a
 * record whose array values become one line each.
 */
export type HeaderInit =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | number | readonly string[]>>;

/** What {@link writeRequestHead} needs. */
export interface RequestHeadInit {
  method: string;
  target: string;
  /** Default `'1.1'`. */
  version?: '1.0' | '1.1';
  headers?: HeaderInit;
}

/** What {@link writeResponseHead} needs. */
export interface ResponseHeadInit {
  status: number;
  /** Default: the standard phrase for `status` ({@link reasonPhrase}). */
  reason?: string;
  /** Default `'1.1'`. */
  version?: '1.0' | '1.1';
  headers?: HeaderInit;
}

const TARGET_RE = /^[\x21-\x7e]+$/;

/**
 * The request head as a latin1 string (one char per byte), for callers that join it with a
 * small body into one write. Throws `UsageError` on anything that is not valid on the wire.
 *
 * @example
 * ```ts
 * formatRequestHead({ method: 'GET', target: '/', headers: { host: 'example.com' } });
 * // 'GET / HTTP/1.1\r\nhost: example.com\r\n\r\n'
 * ```
 */
export function formatRequestHead(init: RequestHeadInit): string {
  const { method, target } = init;
  if (!isToken(method)) {
    throw new UsageError(`method ${JSON.stringify(method)} is not a token`, {
      code: 'ERR_HTTP_INVALID_METHOD',
    });
  }
  if (!TARGET_RE.test(target)) {
    throw new UsageError(
      `request target ${JSON.stringify(target)} is empty or holds whitespace, controls or non-ASCII`,
      { code: 'ERR_HTTP_INVALID_TARGET' },
    );
  }
  const head = `${method} ${target} HTTP/${checkVersion(init.version)}\r\n`;
  return appendFields(head, init.headers) + '\r\n';
}

/**
 * Serialises a request head: request line, header fields, blank line.
 *
 * @example
 * ```ts
 * socket.write(writeRequestHead({
 *   method: 'POST', target: '/upload',
 *   headers: [['Host', 'example.com'], ['Transfer-Encoding', 'chunked']],
 * }));
 * ```
 */
export function writeRequestHead(init: RequestHeadInit): Buffer {
  return Buffer.from(formatRequestHead(init), 'latin1');
}

/**
 * The response head as a latin1 string (one char per byte), for callers that join it with a
 * small body into one write. Throws `UsageError` on anything that is not valid on the wire.
 *
 * @example
 * ```ts
 * socket.write(formatResponseHead({ status: 200, headers: { 'content-length': 2 } }) + 'ok', 'latin1');
 * ```
 */
export function formatResponseHead(init: ResponseHeadInit): string {
  const status = init.status;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new UsageError(`status ${status} is not an integer in 100–599`, {
      code: 'ERR_HTTP_INVALID_STATUS',
    });
  }
  const reason = init.reason ?? reasonPhrase(status);
  if (!isFieldValue(reason)) {
    throw new UsageError(`reason phrase ${JSON.stringify(reason)} holds CR, LF or controls`, {
      code: 'ERR_HTTP_INVALID_REASON',
    });
  }
  const head = `HTTP/${checkVersion(init.version)} ${status} ${reason}\r\n`;
  return appendFields(head, init.headers) + '\r\n';
}

/**
 * Serialises a response head: status line, header fields, blank line.
 *
 * @example
 * ```ts
 * writeResponseHead({ status: 404, headers: { 'content-length': '0' } });
 * // <Buffer "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n">
 * ```
 */
export function writeResponseHead(init: ResponseHeadInit): Buffer {
  return Buffer.from(formatResponseHead(init), 'latin1');
}

/**
 * Appends `name: value\r\n` lines to `out`, validating each. Shared with the trailer writer.
 *
 * @example
 * ```ts
 * appendFields('', { a: ['1', '2'] }); // 'a: 1\r\na: 2\r\n'
 * ```
 */
export function appendFields(out: string, headers: HeaderInit | undefined): string {
  if (headers === undefined) return out;
  if (isIterable(headers)) {
    for (const [name, value] of headers) out += fieldLine(name, value);
    return out;
  }
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') out += fieldLine(name, value);
    else if (typeof value === 'number') out += fieldLine(name, String(value));
    else for (const v of value) out += fieldLine(name, v);
  }
  return out;
}

function fieldLine(name: string, value: string): string {
  if (!isToken(name)) {
    throw new UsageError(`header name ${JSON.stringify(name)} is not a token`, {
      code: 'ERR_HTTP_INVALID_HEADER_NAME',
    });
  }
  if (typeof value !== 'string' || !isFieldValue(value)) {
    throw new UsageError(
      `value of header ${name} holds CR, LF, NUL, another control or non-latin1: ${JSON.stringify(value)}`,
      { code: 'ERR_HTTP_INVALID_HEADER_VALUE' },
    );
  }
  return `${name}: ${value}\r\n`;
}

function isIterable(h: HeaderInit): h is Iterable<readonly [string, string]> {
  return typeof (h as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}

function checkVersion(version: string | undefined): string {
  if (version === undefined || version === '1.1') return '1.1';
  if (version === '1.0') return '1.0';
  throw new UsageError(`HTTP version ${JSON.stringify(version)} is not 1.0 or 1.1`, {
    code: 'ERR_HTTP_INVALID_VERSION',
  });
}
