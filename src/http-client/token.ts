/**
 * The token of a transaction: the manual's state array as a typed object, plus the accessor
 * commands (`status`, `size`, `code`, `ncode`, `meta`, `data`, `error`, `cleanup`, …) as
 * functions. The body is kept as bytes and converted to text only when `body` is first read.
 */
import { UsageError } from '../errors.js';
import { processState } from '../process-state.js';
import type { Channel } from '../channels/channel.js';
import type { HeaderList } from '../proto/http1/headers.js';
import { decodeText } from './charset.js';
import { parseHeadFields } from './request-head.js';

/** `status`: '' while running, then ok / eof / error / timeout / reset (or reset's `why`). */
export type HttpStatus = '' | 'ok' | 'eof' | 'error' | 'timeout' | 'reset' | (string & {});

/** How the connection went through a proxy (2.10's `proxyUsed`). */
export type ProxyUsed = 'none' | 'HttpProxy' | 'SecureProxy' | 'SecureProxyFailed';

/** Token numbers are unique in the process, whichever copy of connchan made the token. */
const ids = processState('http-client/token-ids@1', () => ({ next: 1 }));

/** The state of one geturl transaction. */
export class HttpToken {
  /** `::http::N`-like id. */
  readonly id: number = ids.next++;
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
  /** @internal the exchange running for this token (for reset) */
  exchange: unknown = undefined;
  #settled = false;
  #waiters: ((t: HttpToken) => void)[] | undefined = undefined;
  #done: Promise<HttpToken> | undefined = undefined;

  /** Resolves when the transaction is over (never rejects). */
  get done(): Promise<HttpToken> {
    if (this.#done === undefined) {
      this.#done = this.#settled ? Promise.resolve(this) : new Promise((r) => this.onSettled(r));
    }
    return this.#done;
  }

  /** @internal calls `fn` when the transaction is over (at once if it is) */
  onSettled(fn: (t: HttpToken) => void): void {
    if (this.#settled) fn(this);
    else (this.#waiters ??= []).push(fn);
  }

  /** @internal */
  resolveDone(): void {
    this.#settled = true;
    const w = this.#waiters;
    this.#waiters = undefined;
    if (w) for (const fn of w) fn(this);
  }

  constructor(url: string) {
    this.url = url;
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
      throw new UsageError(`token ${this.id} was cleaned up`, {
        code: 'ERR_HTTP_CLIENT_CLEANED_UP',
      });
    }
  }
}

const EMPTY = Buffer.alloc(0);
