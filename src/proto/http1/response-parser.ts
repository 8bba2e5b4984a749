/**
 * The client side of HTTP/1.1: bytes in, response events out, pulled one at a time.
 *
 * ```
 *          expectResponse(method) queues what each sent request needs to read its answer
 *   HEAD ──1xx (not 101)──▶ 'informational' ──▶ HEAD
 *    │──101, or 2xx to CONNECT──▶ 'upgrade' ──▶ UPGRADED (PAUSED; takeUnparsed() → the tunnel)
 *    └──'response'──▶ BODY ──'data'*──'end'──▶ HEAD (next queued request, no pause)
 * ```
 *
 * Pipelined responses in one chunk come out in order without pausing: the client matches each
 * `response` to the head of its own queue, and stops calling `next()` when it wants to stop
 * (e.g. after `Connection: close`). A close-delimited body ends at `feedEof()`. EOF between
 * responses gives `{ type: 'eof' }` (on every later call) even if requests are still queued:
 * the client knows which ones were never answered. EOF inside a head or a length/chunked body
 * throws `ERR_HTTP_INCOMPLETE_HEAD` / `ERR_HTTP_INCOMPLETE_BODY`. Errors have no `status`.
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, UsageError } from '../../errors.js';
import { NEED_DATA, PAUSED, type NeedData, type Paused } from '../need-data.js';
import { BODY_END, BodyReader } from './body-readers.js';
import { HttpErrorCode, httpError, withoutStatus } from './errors.js';
import { FieldScan } from './field-lines.js';
import type { HeaderList } from './headers.js';
import { InputBuffer } from './input-buffer.js';
import {
  buildResponseHead,
  matchResponseHead,
  parseResponseHead,
  type ResponseHead,
} from './response-head.js';

/** Limits of a {@link ResponseParser}. Every one has a finite default. */
export interface ResponseParserOptions {
  /** Status line + header section, CRLFs included (default 16 KiB). */
  maxHeaderBytes?: number;
  /** Header field lines (default 100). */
  maxHeaderCount?: number;
  /** Extensions of one chunk size line (default 16 KiB). */
  maxChunkExtensionBytes?: number;
  /** Trailer section (default 16 KiB). */
  maxTrailerBytes?: number;
}

/** Defaults of {@link ResponseParserOptions}. */
export const DEFAULT_RESPONSE_PARSER_OPTIONS: Readonly<Required<ResponseParserOptions>> =
  Object.freeze({
    maxHeaderBytes: 16 * 1024,
    maxHeaderCount: 100,
    maxChunkExtensionBytes: 16 * 1024,
    maxTrailerBytes: 16 * 1024,
  });

/** What {@link ResponseParser.next} returns besides `NEED_DATA` and `PAUSED`. */
export type ResponseEvent =
  | { type: 'informational'; status: number; reason: string; headers: HeaderList }
  | { type: 'response'; head: ResponseHead }
  | { type: 'upgrade'; head: ResponseHead }
  | { type: 'data'; data: Buffer }
  | { type: 'end'; trailers?: HeaderList }
  | { type: 'eof' };

const END_EVENT: ResponseEvent = Object.freeze({ type: 'end' });
const EOF_EVENT: ResponseEvent = Object.freeze({ type: 'eof' });

const CR = 0x0d;
const LF = 0x0a;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');

/** Text converted per attempt on the fast path: a typical head, or many pipelined ones. */
const FAST_TEXT_BYTES = 4096;

const S_HEAD = 0;
const S_BODY = 1;
const S_UPGRADED = 2;
const S_EOF = 3;
const S_ERROR = 4;
const S_DETACHED = 5;

/**
 * Pull parser for the responses arriving on one client connection (RFC 9112).
 *
 * @example
 * ```ts
 * const parser = new ResponseParser();
 * socket.write(writeRequestHead({ method: 'GET', target: '/', headers: { host: 'a' } }));
 * parser.expectResponse('GET');
 * socket.on('data', (chunk) => {
 *   parser.feed(chunk);
 *   for (let ev = parser.next(); ev !== NEED_DATA && ev !== PAUSED; ev = parser.next()) {
 *     if (ev.type === 'response') console.log(ev.head.status);
 *   }
 * });
 * ```
 */
export class ResponseParser {
  readonly #input = new InputBuffer();
  readonly #scan = new FieldScan();
  readonly #body: BodyReader;
  readonly #limits: Required<ResponseParserOptions>;
  /** Methods of the requests sent and not yet answered, oldest at #first. */
  #methods: string[] = [];
  #first = 0;
  #state = S_HEAD;
  #searched = 0;
  /** The fast path failed for the current head: find its end by searching instead. */
  #slow = false;
  #eof = false;
  #error: unknown = undefined;

  constructor(options: ResponseParserOptions = {}) {
    const limits = { ...DEFAULT_RESPONSE_PARSER_OPTIONS, ...options };
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

  /** Requests sent whose response has not started yet. */
  get pending(): number {
    return this.#methods.length - this.#first;
  }

  /** Unparsed bytes held. */
  get bufferedBytes(): number {
    return this.#input.total;
  }

  /**
   * Records that a request with `method` was sent; call it once per request, in sending order,
   * before its response can arrive. HEAD answers carry no body; a 2xx to CONNECT opens a tunnel.
   */
  expectResponse(method: string): void {
    this.#methods.push(method);
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

  /** Tells the parser the server closed its side. Ends a close-delimited body. */
  feedEof(): void {
    this.#eof = true;
  }

  /** The next event, `NEED_DATA`, or `PAUSED` (after an upgrade). Throws `ProtocolError`. */
  next(): ResponseEvent | NeedData | Paused {
    try {
      switch (this.#state) {
        case S_HEAD:
          return this.#readHead();
        case S_BODY: {
          const r = this.#body.read(this.#input, this.#eof);
          if (r === NEED_DATA) return NEED_DATA;
          if (r !== BODY_END) return { type: 'data', data: r };
          this.#state = S_HEAD;
          const trailers = this.#body.trailers;
          return trailers === undefined ? END_EVENT : { type: 'end', trailers };
        }
        case S_UPGRADED:
          return PAUSED;
        case S_EOF:
          return EOF_EVENT;
        case S_DETACHED:
          throw detached();
        default:
          throw this.#error;
      }
    } catch (err) {
      const e = err instanceof ProtocolError ? withoutStatus(err) : err;
      if (this.#state !== S_DETACHED) {
        this.#state = S_ERROR;
        this.#error = e;
      }
      throw e;
    }
  }

  /**
   * Every byte fed but not parsed, in order and byte for byte: after an `upgrade` event, the
   * first bytes of the new protocol. The parser is finished afterwards.
   */
  takeUnparsed(): Buffer[] {
    this.#state = S_DETACHED;
    return this.#input.drain();
  }

  #readHead(): ResponseEvent | NeedData {
    const input = this.#input;
    const max = this.#limits.maxHeaderBytes;
    for (;;) {
      const n = input.length;
      // Some servers send a stray CRLF after a body; it is not the start of a response.
      if (n >= 2 && input.byteAt(0) === CR && input.byteAt(1) === LF) {
        input.skip(2);
        this.#searched = 0;
        continue;
      }
      if (n > 0 && this.#first === this.#methods.length) {
        throw httpError(
          HttpErrorCode.UNSOLICITED_RESPONSE,
          'response bytes arrived while no request was waiting for one',
          undefined,
        );
      }
      if (n > 0 && !this.#slow) {
        // Fast path: one regex over the chunk's text both validates the head and finds its end.
        const s = input.text(FAST_TEXT_BYTES);
        const start = input.textStart;
        const end = matchResponseHead(s, start);
        if (end >= 0) {
          if (end - start > max) this.#tooLarge();
          const head = buildResponseHead(
            s,
            start,
            end,
            this.#scan,
            this.#limits.maxHeaderCount,
            this.#methods[this.#first],
          );
          input.skip(end - start);
          return this.#onHead(head);
        }
        this.#slow = true;
      }
      const end = n >= 4 ? input.indexOf(CRLFCRLF, this.#searched) : -1;
      if (end >= 0) {
        if (end + 4 > max) this.#tooLarge();
        const head = parseResponseHead(
          input.latin1(0, end + 4),
          this.#scan,
          this.#limits.maxHeaderCount,
          this.#methods[this.#first],
        );
        input.skip(end + 4);
        return this.#onHead(head);
      }
      if (n > 0) {
        if (n > max) this.#tooLarge();
        const from = this.#searched;
        if (input.indexOf(LF_LF, from) >= 0 || input.indexOf(LF_CRLF, from) >= 0) {
          throw httpError(
            HttpErrorCode.INVALID_LINE_ENDING,
            'response head with bare LF line endings (CRLF required)',
            undefined,
          );
        }
        this.#searched = n > 3 ? n - 3 : 0;
      }
      if (input.pull(max + 4)) continue;
      if (!this.#eof) return NEED_DATA;
      if (n === 0) {
        this.#state = S_EOF;
        return EOF_EVENT;
      }
      throw httpError(
        HttpErrorCode.INCOMPLETE_HEAD,
        'connection closed in the middle of a response head',
        undefined,
      );
    }
  }

  #onHead(head: ResponseHead): ResponseEvent {
    this.#searched = 0;
    this.#slow = false;
    const method = this.#methods[this.#first];
    const status = head.status;
    if (status < 200 && status !== 101) {
      return { type: 'informational', status, reason: head.reason, headers: head.headers };
    }
    this.#shiftMethod();
    if (status === 101 || (method === 'CONNECT' && status < 300)) {
      this.#state = S_UPGRADED;
      return { type: 'upgrade', head };
    }
    const body = this.#body;
    if (head.bodyKind === 'chunked') body.startChunked();
    else if (head.bodyKind === 'close') body.startClose();
    else body.startLength(head.bodyKind === 'length' ? (head.contentLength as number) : 0);
    this.#state = S_BODY;
    return { type: 'response', head };
  }

  #shiftMethod(): void {
    if (++this.#first === this.#methods.length) {
      this.#methods.length = 0;
      this.#first = 0;
    } else if (this.#first >= 64) {
      this.#methods = this.#methods.slice(this.#first);
      this.#first = 0;
    }
  }

  #tooLarge(): never {
    throw httpError(
      HttpErrorCode.HEADERS_TOO_LARGE,
      `response head larger than ${this.#limits.maxHeaderBytes} bytes`,
      undefined,
    );
  }
}

function detached(): UsageError {
  return new UsageError('the parser handed its bytes over (takeUnparsed)', {
    code: 'ERR_HTTP_DETACHED',
  });
}
