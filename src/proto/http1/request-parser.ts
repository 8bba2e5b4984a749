/**
 * The server side of HTTP/1.1: bytes in, request events out, one at a time, pulled.
 *
 * ```
 *            feed()/next()                         nextMessage()
 *   HEAD ──'request'──▶ BODY ──'data'*──'end'──▶ PAUSED ─────────────▶ HEAD
 *    │                                             │
 *    │ EOF, no bytes pending: 'eof' (repeated)     └─ takeUnparsed() ─▶ DETACHED
 *    └ any error ─▶ ERROR (rethrown by every later next())
 * ```
 *
 * After every message the parser PAUSES: bytes of the next (pipelined) request stay queued,
 * untouched, until the owner has answered and calls `nextMessage()`, or hands the connection
 * over with `takeUnparsed()` (detach, Upgrade, CONNECT). A CONNECT request has no body: its
 * `end` follows the head at once and every later byte belongs to the tunnel.
 *
 * End of input: `feedEof()`. Between messages (nothing but optional blank lines pending) `next()`
 * then returns `{ type: 'eof' }`, again on every call; inside a head it throws
 * `ERR_HTTP_INCOMPLETE_HEAD`, inside a body `ERR_HTTP_INCOMPLETE_BODY` (both 400). While paused,
 * `next()` keeps returning `PAUSED` until `nextMessage()`, whatever arrives.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../../errors.js';
import { NEED_DATA, PAUSED, type NeedData, type Paused } from '../need-data.js';
import { BODY_END, BodyReader } from './body-readers.js';
import { HttpErrorCode, httpError } from './errors.js';
import { FieldScan } from './field-lines.js';
import type { HeaderList } from './headers.js';
import { InputBuffer } from './input-buffer.js';
import {
  buildRequestHead,
  matchRequestHead,
  parseRequestHead,
  type RequestHead,
} from './request-head.js';

/** Limits of a {@link RequestParser}. Every one has a finite default. */
export interface RequestParserOptions {
  /** Request line + header section, CRLFs included (default 16 KiB; over → 431). */
  maxHeaderBytes?: number;
  /** Header field lines (default 100; over → 431). */
  maxHeaderCount?: number;
  /** Request line without its CRLF (default 8 KiB; over → 414). */
  maxRequestLineBytes?: number;
  /** Extensions of one chunk size line (default 16 KiB, as Node; over → 413). */
  maxChunkExtensionBytes?: number;
  /** Trailer section (default 16 KiB; over → 431). */
  maxTrailerBytes?: number;
}

/** Defaults of {@link RequestParserOptions}. */
export const DEFAULT_REQUEST_PARSER_OPTIONS: Readonly<Required<RequestParserOptions>> =
  Object.freeze({
    maxHeaderBytes: 16 * 1024,
    maxHeaderCount: 100,
    maxRequestLineBytes: 8 * 1024,
    maxChunkExtensionBytes: 16 * 1024,
    maxTrailerBytes: 16 * 1024,
  });

/** What {@link RequestParser.next} returns besides `NEED_DATA` and `PAUSED`. */
export type RequestEvent =
  | { type: 'request'; head: RequestHead }
  | { type: 'data'; data: Buffer }
  | { type: 'end'; trailers?: HeaderList }
  | { type: 'eof' };

const END_EVENT: RequestEvent = Object.freeze({ type: 'end' });
const EOF_EVENT: RequestEvent = Object.freeze({ type: 'eof' });

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n', 'latin1');
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');

/** Text converted per attempt on the fast path: a typical head, or many pipelined ones. */
const FAST_TEXT_BYTES = 4096;

const S_HEAD = 0;
const S_BODY = 1;
const S_PAUSED = 2;
const S_EOF = 3;
const S_ERROR = 4;
const S_DETACHED = 5;

/**
 * Pull parser for the requests arriving on one server connection (RFC 9112).
 *
 * @example
 * ```ts
 * const parser = new RequestParser();
 * socket.on('data', (chunk) => {
 *   parser.feed(chunk);
 *   for (let ev = parser.next(); ev !== NEED_DATA && ev !== PAUSED; ev = parser.next()) {
 *     if (ev.type === 'request') startResponse(ev.head);
 *     else if (ev.type === 'data') body.push(ev.data);
 *     else if (ev.type === 'end') finish(); // later: parser.nextMessage()
 *   }
 * });
 * ```
 */
export class RequestParser {
  readonly #input = new InputBuffer();
  readonly #scan = new FieldScan();
  readonly #body: BodyReader;
  readonly #limits: Required<RequestParserOptions>;
  #state = S_HEAD;
  /** How far the window was searched for CRLFCRLF without success. */
  #searched = 0;
  /** The fast path failed for the current head: find its end by searching instead. */
  #slow = false;
  /** The current head's request line is known to be complete and short enough. */
  #lineChecked = false;
  #eof = false;
  #error: unknown = undefined;

  constructor(options: RequestParserOptions = {}) {
    const limits = { ...DEFAULT_REQUEST_PARSER_OPTIONS, ...options };
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || v <= 0) {
        throw new UsageError(`${k} must be a positive integer`, {
          code: 'ERR_HTTP_INVALID_OPTION',
        });
      }
    }
    this.#limits = limits;
    this.#body = new BodyReader(limits);
  }

  /** Unparsed bytes held (queued pipelined requests while paused, a partial head…). */
  get bufferedBytes(): number {
    return this.#input.total;
  }

  /** True between a message's `end` and `nextMessage()`. */
  get paused(): boolean {
    return this.#state === S_PAUSED;
  }

  /** Hands the parser received bytes. It keeps a reference: do not reuse the chunk's memory. */
  feed(chunk: Uint8Array): void {
    if (this.#state === S_DETACHED) throw detached();
    if (this.#eof) {
      throw new UsageError('feed() after feedEof()', { code: 'ERR_HTTP_FEED_AFTER_EOF' });
    }
    this.#input.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
  }

  /** Tells the parser the peer closed its side: no more bytes will come. */
  feedEof(): void {
    this.#eof = true;
  }

  /** The next event, `NEED_DATA`, or `PAUSED`. Throws `ProtocolError` (with `status`) on bad input. */
  next(): RequestEvent | NeedData | Paused {
    try {
      switch (this.#state) {
        case S_HEAD:
          return this.#readHead();
        case S_BODY: {
          const r = this.#body.read(this.#input, this.#eof);
          if (r === NEED_DATA) return NEED_DATA;
          if (r !== BODY_END) return { type: 'data', data: r };
          this.#state = S_PAUSED;
          const trailers = this.#body.trailers;
          return trailers === undefined ? END_EVENT : { type: 'end', trailers };
        }
        case S_PAUSED:
          return PAUSED;
        case S_EOF:
          return EOF_EVENT;
        case S_DETACHED:
          throw detached();
        default:
          throw this.#error;
      }
    } catch (err) {
      if (this.#state !== S_DETACHED) {
        this.#state = S_ERROR;
        this.#error = err;
      }
      throw err;
    }
  }

  /** After `end` (while `PAUSED`): go on with the next request on this connection. */
  nextMessage(): void {
    if (this.#state !== S_PAUSED) {
      throw new UsageError('nextMessage() is only allowed after a message ended', {
        code: 'ERR_HTTP_NOT_PAUSED',
      });
    }
    this.#state = S_HEAD;
  }

  /**
   * Every byte fed but not parsed, in order, byte for byte (views of the fed chunks wherever
   * possible). The parser is finished afterwards: this is how a connection is detached or
   * handed to another protocol after an Upgrade or CONNECT.
   */
  takeUnparsed(): Buffer[] {
    this.#state = S_DETACHED;
    return this.#input.drain();
  }

  #readHead(): RequestEvent | NeedData {
    const input = this.#input;
    const limits = this.#limits;
    for (;;) {
      const n = input.length;
      // RFC 9112 §2.2: ignore empty lines before a request line (clients add CRLF after bodies).
      if (n >= 2 && input.byteAt(0) === CR && input.byteAt(1) === LF) {
        input.skip(2);
        this.#searched = 0;
        continue;
      }
      if (n > 0) {
        if (!this.#slow) {
          // Fast path: one regex over the chunk's text both validates the head and finds its end.
          const s = input.text(FAST_TEXT_BYTES);
          const start = input.textStart;
          const end = matchRequestHead(s, start);
          if (end >= 0) {
            if (end - start > limits.maxHeaderBytes) this.#tooLarge();
            const head = buildRequestHead(s, start, end, this.#scan, limits);
            input.skip(end - start);
            return this.#startBody(head);
          }
          // Incomplete or malformed. Search for the end from now on, so that a head arriving
          // byte by byte costs O(n), not a regex run per byte.
          this.#slow = true;
        }
        const end = n >= 4 ? input.indexOf(CRLFCRLF, this.#searched) : -1;
        if (end >= 0) {
          if (end + 4 > limits.maxHeaderBytes) this.#tooLarge();
          const head = parseRequestHead(input.latin1(0, end + 4), this.#scan, limits);
          input.skip(end + 4);
          return this.#startBody(head);
        }
        if (n > limits.maxHeaderBytes) this.#tooLarge();
        if (n > limits.maxRequestLineBytes && !this.#lineChecked) {
          this.#checkRequestLine();
          this.#lineChecked = true;
        }
        // A head with bare-LF line endings never shows CRLFCRLF: refuse it now, not at the limit.
        const from = this.#searched;
        if (input.indexOf(LF_LF, from) >= 0 || input.indexOf(LF_CRLF, from) >= 0) {
          throw httpError(
            HttpErrorCode.INVALID_LINE_ENDING,
            'request head with bare LF line endings (CRLF required)',
            400,
          );
        }
        this.#searched = n > 3 ? n - 3 : 0;
      }
      if (input.pull(limits.maxHeaderBytes + 4)) continue;
      if (!this.#eof) return NEED_DATA;
      if (n === 0) {
        this.#state = S_EOF;
        return EOF_EVENT;
      }
      throw httpError(
        HttpErrorCode.INCOMPLETE_HEAD,
        'connection closed in the middle of a request head',
        400,
      );
    }
  }

  #startBody(head: RequestHead): RequestEvent {
    this.#searched = 0;
    this.#slow = false;
    this.#lineChecked = false;
    const body = this.#body;
    if (head.method === 'CONNECT') body.startLength(0);
    else if (head.chunked) body.startChunked();
    else body.startLength(head.contentLength ?? 0);
    this.#state = S_BODY;
    return { type: 'request', head };
  }

  /** The window holds more than a request line may: is the line complete and short enough? */
  #checkRequestLine(): void {
    const max = this.#limits.maxRequestLineBytes;
    const le = this.#input.indexOf(CRLF, 0);
    if (le < 0 || le > max) {
      throw httpError(HttpErrorCode.URI_TOO_LONG, `request line longer than ${max} bytes`, 414);
    }
  }

  #tooLarge(): never {
    this.#checkRequestLine();
    throw httpError(
      HttpErrorCode.HEADERS_TOO_LARGE,
      `request head larger than ${this.#limits.maxHeaderBytes} bytes`,
      431,
    );
  }
}

function detached(): UsageError {
  return new UsageError('the parser handed its bytes over (takeUnparsed)', {
    code: 'ERR_HTTP_DETACHED',
  });
}
