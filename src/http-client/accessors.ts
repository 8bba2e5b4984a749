/**
 * The manual's accessor commands over a token: `status`, `size`, `code`, `ncode`, `meta`,
 * `data`, `error`, `cleanup`, `wait`, and 2.10's `postError`, `responseHeaderValue`,
 * `reasonPhrase`, `responseInfo`.
 */
import { reasonPhrase as standardReason } from '../proto/http1/status-codes.js';
import type { HttpStatus, HttpToken, ProxyUsed } from './token.js';

/**
 * `http::status`: ok, eof, error, timeout, reset ('' while running).
 *
 * @example
 * ```ts
 * if (status(await geturl(url)) === 'ok') console.log('done');
 * ```
 */
export function status(token: HttpToken): HttpStatus {
  return token.status;
}

/**
 * `http::size`: bytes of body received (`currentsize`).
 *
 * @example
 * ```ts
 * size(token); // 1234
 * ```
 */
export function size(token: HttpToken): number {
  return token.currentsize;
}

/**
 * `http::code`: the status line (`HTTP/1.1 200 OK`).
 *
 * @example
 * ```ts
 * code(token); // 'HTTP/1.1 404 Not Found'
 * ```
 */
export function code(token: HttpToken): string {
  return token.http;
}

/**
 * `http::ncode`: the numeric status.
 *
 * @example
 * ```ts
 * ncode(token); // 200
 * ```
 */
export function ncode(token: HttpToken): number {
  return token.ncode;
}

/**
 * `http::meta`: the response header fields as `[name, value]` pairs.
 *
 * @example
 * ```ts
 * Object.fromEntries(meta(token))['Content-Type'];
 * ```
 */
export function meta(token: HttpToken): [string, string][] {
  return token.meta;
}

/**
 * `http::data` (2.10 `responseBody`): the body.
 *
 * @example
 * ```ts
 * console.log(data(await geturl('http://example.org/')));
 * ```
 */
export function data(token: HttpToken): string | Buffer {
  return token.body;
}

/**
 * `http::error`: the error message ('' when none).
 *
 * @example
 * ```ts
 * if (status(t) === 'error') console.error(error(t));
 * ```
 */
export function error(token: HttpToken): string {
  return token.error;
}

/**
 * 2.10 `postError`: the error while sending the request body, if the server answered anyway.
 *
 * @example
 * ```ts
 * postError(token); // '' or e.g. 'write EPIPE'
 * ```
 */
export function postError(token: HttpToken): string {
  return token.posterror;
}

/**
 * `http::cleanup`: frees the body and meta data; later `data` throws.
 *
 * @example
 * ```ts
 * cleanup(token);
 * ```
 */
export function cleanup(token: HttpToken): void {
  token.markCleaned();
}

/**
 * `http::wait`: resolves when the transaction is done (never rejects: look at `status`).
 *
 * @example
 * ```ts
 * const t = geturl(url, { command: () => {} });
 * await wait(t);
 * ```
 */
export function wait(token: HttpToken): Promise<HttpToken> {
  return token.done;
}

/**
 * 2.10 `responseHeaderValue`: the value of a response header, duplicates joined with `, `.
 *
 * @example
 * ```ts
 * responseHeaderValue(token, 'content-type'); // 'text/html'
 * ```
 */
export function responseHeaderValue(token: HttpToken, name: string): string {
  const n = name.toLowerCase();
  return token.meta
    .filter(([k]) => k.toLowerCase() === n)
    .map(([, v]) => v)
    .join(', ');
}

/**
 * 2.10 `reasonPhrase`: the standard phrase of a status code.
 *
 * @example
 * ```ts
 * reasonPhrase(404); // 'Not Found'
 * ```
 */
export function reasonPhrase(statusCode: number): string {
  return standardReason(statusCode);
}

/** 2.10's `responseInfo` dictionary. */
export interface ResponseInfo {
  stage: string;
  status: HttpStatus;
  responseCode: number;
  reasonPhrase: string;
  contentType: string;
  binary: boolean;
  redirection: string;
  upgrade: string;
  error: string;
  postError: string;
  method: string;
  charset: string;
  compression: string;
  httpRequest: string;
  httpResponse: string;
  url: string;
  connectionRequest: string;
  connectionResponse: string;
  connectionActual: string;
  transferEncoding: string;
  totalPost: number;
  currentPost: number;
  totalSize: number;
  currentSize: number;
  proxyUsed: ProxyUsed;
}

/**
 * 2.10 `responseInfo`: the summary of a transaction.
 *
 * @example
 * ```ts
 * responseInfo(token).redirection; // the Location of a 3xx, else ''
 * ```
 */
export function responseInfo(token: HttpToken): ResponseInfo {
  const actual =
    /close/i.test(token.connectionResponse) || token.http.startsWith('HTTP/1.0')
      ? 'close'
      : 'keep-alive';
  return {
    stage: token.stage,
    status: token.status,
    responseCode: token.ncode,
    reasonPhrase: token.reason,
    contentType: token.type,
    binary: token.binary,
    redirection:
      token.ncode >= 300 && token.ncode < 400 ? responseHeaderValue(token, 'location') : '',
    upgrade: token.ncode === 101 ? responseHeaderValue(token, 'upgrade') : '',
    error: token.error,
    postError: token.posterror,
    method: token.method,
    charset: token.charset,
    compression: token.coding,
    httpRequest: token.requestLine.replace(/^.* (HTTP\/1\.[01])$/, '$1'),
    httpResponse: token.http.split(' ')[0] ?? '',
    url: token.url,
    connectionRequest: token.connectionRequest,
    connectionResponse: token.connectionResponse,
    connectionActual: actual,
    transferEncoding: token.transferEncoding,
    totalPost: token.querylength,
    currentPost: token.queryoffset,
    totalSize: token.totalsize,
    currentSize: token.currentsize,
    proxyUsed: token.proxyUsed,
  };
}
