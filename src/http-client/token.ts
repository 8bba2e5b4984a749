/**
 * The token of a transaction: the manual's state array as a typed object, plus the accessor
 * commands (`status`, `size`, `code`, `ncode`, `meta`, `data`, `error`, `cleanup`, …) as
 * functions. The body is kept as bytes and converted to text only when `body` is first read.
 */
import { UsageError } from '../errors.js';
import { reasonPhrase as standardReason } from '../proto/http1/status-codes.js';
import type { Channel } from '../channels/channel.js';
import type { HeaderList } from '../proto/http1/headers.js';
import { decodeText } from './charset.js';
import { parseHeadFields } from './request-head.js';

/** `status`: '' while running, then ok / eof / error / timeout / reset (or reset's `why`). */
export type HttpStatus = '' | 'ok' | 'eof' | 'error' | 'timeout' | 'reset' | (string & {});

/** How the connection went through a proxy (2.10's `proxyUsed`). */
export type ProxyUsed = 'none' | 'HttpProxy' | 'SecureProxy' | 'SecureProxyFailed';

let nextId = 1;

/** The state of one geturl transaction. */
export class HttpToken {
  /** `::http::N`-like id. */
  readonly id: number = nextId++;
  /** The requested URL (after redirects: the last one). */
  url: string;
  /** Request method. */
  method = 'GET';
  /** See {@link HttpStatus}. */
  status: HttpStatus = '';
  /** Status line, e.g. `HTTP/1.1 200 OK` (`code`). */
  http = '';
  /** Numeric status (`ncode`), 0 before a response. */
  ncode = 0;
  /** Reason phrase as received. */
  reason = '';
  /** @internal the response header list, turned into `meta` pairs on first use */
  headerList: HeaderList | undefined = undefined;
  #meta: [string, string][] | undefined;
  /** Response header fields as `[name, value]` pairs in arrival order (`meta`). */
  get meta(): [string, string][] {
    if (this.#meta === undefined) {
      const h = this.headerList;
      const out: [string, string][] = [];
      if (h) for (let i = 0; i < h.size; i++) out.push([h.nameAt(i), h.valueAt(i)]);
      this.#meta = out;
    }
    return this.#meta;
  }
  set meta(pairs: [string, string][]) {
    this.#meta = pairs;
  }
  /** @internal */
  setResponseHeaders(h: HeaderList | undefined): void {
    this.headerList = h;
    this.#meta = undefined;
  }
  /** Content-Type (`text/html` when absent, as the 2.9 manual). */
  type = '';
  /** Charset from Content-Type, or the configured default. */
  charset = '';
  /** Content-Encoding as received. */
  coding = '';
  /** Transfer-Encoding as received. */
  transferEncoding = '';
  /** Content-Length, or 0 when unknown. */
  totalsize = 0;
  /** Bytes of body received so far (before decompression, as Tcl counts). */
  currentsize = 0;
  /** The body is binary (not converted to text). */
  binary = false;
  /** Error message when status is `error` (or why a transaction stopped). */
  error = '';
  /** The error object behind `error`. */
  errorObject: Error | undefined = undefined;
  /** Error while sending the request body when the server answered anyway. */
  posterror = '';
  /** Request line sent. */
  requestLine = '';
  /** @internal the request head as sent (latin1) */
  requestHead = '';
  /** Bytes of request body to send, and sent (2.10's totalPost/currentPost). */
  querylength = 0;
  queryoffset = 0;
  /** Connection header of the request and of the response. */
  connectionRequest = '';
  connectionResponse = '';
  /** 'none' or how a proxy was used. */
  proxyUsed: ProxyUsed = 'none';
  /** URLs followed (with `followRedirects`). */
  redirects: string[] = [];
  /** Trailer fields of a chunked response. */
  trailers: [string, string][] = [];
  /** Where the transaction is: created, queued, connecting, sent, header, body, complete. */
  stage = 'created';
  /** After a 101 (or 2xx to CONNECT): the socket's bytes that came after the head. */
  upgradeData: Buffer[] | undefined = undefined;
  /** After a 101: the connection's channel, for the new protocol (call its takeOver). */
  upgradeChannel: Channel | undefined = undefined;
  /** Arbitrary data for the caller. */
  clientData: unknown = undefined;

  /** Request header fields sent. */
  get requestHeaders(): [string, string][] {
    return parseHeadFields(this.requestHead);
  }

  #bytes: Buffer | undefined;
  #text: string | undefined;
  #cleaned = false;
  /** @internal resolves when done */
  readonly done: Promise<HttpToken>;
  /** @internal */
  resolveDone!: (t: HttpToken) => void;

  constructor(url: string) {
    this.url = url;
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** The body bytes (decompressed), empty with `channel` or `handler`. */
  get bodyBytes(): Buffer {
    this.#check();
    return this.#bytes ?? EMPTY;
  }

  /** The body: a string converted from `charset` for text, the bytes for binary. */
  get body(): string | Buffer {
    this.#check();
    const b = this.#bytes ?? EMPTY;
    if (this.binary) return b;
    this.#text ??= decodeText(b, this.charset);
    return this.#text;
  }

  /** @internal */
  setBody(bytes: Buffer | undefined): void {
    this.#bytes = bytes;
    this.#text = undefined;
  }

  /** @internal clears the response before following a redirect */
  resetResponse(): void {
    this.status = '';
    this.http = '';
    this.ncode = 0;
    this.reason = '';
    this.setResponseHeaders(undefined);
    this.type = this.charset = this.coding = this.transferEncoding = this.connectionResponse = '';
    this.totalsize = this.currentsize = this.querylength = this.queryoffset = 0;
    this.binary = false;
    this.trailers = [];
    this.setBody(undefined);
  }

  /** @internal */
  markCleaned(): void {
    this.#cleaned = true;
    this.#bytes = undefined;
    this.#text = undefined;
    this.#meta = [];
    this.headerList = undefined;
    this.upgradeData = undefined;
  }

  get cleaned(): boolean {
    return this.#cleaned;
  }

  #check(): void {
    if (this.#cleaned) {
      throw new UsageError(`token ${this.id} was cleaned up`, { code: 'ERR_HTTP_CLIENT_CLEANED_UP' });
    }
  }
}

const EMPTY = Buffer.alloc(0);

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
  const actual = /close/i.test(token.connectionResponse) || token.http.startsWith('HTTP/1.0') ? 'close' : 'keep-alive';
  return {
    stage: token.stage,
    status: token.status,
    responseCode: token.ncode,
    reasonPhrase: token.reason,
    contentType: token.type,
    binary: token.binary,
    redirection: token.ncode >= 300 && token.ncode < 400 ? responseHeaderValue(token, 'location') : '',
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
