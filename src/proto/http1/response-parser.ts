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
import type { Buffer } from 'node:buffer';
import { ProtocolError } from '../../errors.js';
import { NEED_DATA, type NeedData, type Paused } from '../need-data.js';
import { HttpErrorCode, httpError, withoutStatus } from './errors.js';
import type { HeaderList } from './headers.js';
import {
  EOF_EVENT,
  HEAD_EOF,
  HEAD_FOUND,
  HEAD_UNEXPECTED,
  MessageReader,
  S_BODY,
  S_HEAD,
  S_PAUSED as S_UPGRADED,
  parserLimits,
  type HeadSyntax,
} from './message-reader.js';
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

const RESPONSE_SYNTAX: HeadSyntax = Object.freeze({
  name: 'response',
  server: false,
  match: matchResponseHead,
});

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
  readonly #reader: MessageReader;
  readonly #limits: Required<ResponseParserOptions>;
  /** Methods of the requests sent and not yet answered, oldest at #first. */
  #methods: string[] = [];
  #first = 0;

  constructor(options: ResponseParserOptions = {}) {
    this.#limits = parserLimits(DEFAULT_RESPONSE_PARSER_OPTIONS, options);
    this.#reader = new MessageReader(RESPONSE_SYNTAX, this.#limits);
  }

  /** Requests sent whose response has not started yet. */
  get pending(): number {
    return this.#methods.length - this.#first;
  }

  /** Unparsed bytes held. */
  get bufferedBytes(): number {
    return this.#reader.input.total;
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
    this.#reader.feed(chunk);
  }

  /** Tells the parser the server closed its side. Ends a close-delimited body. */
  feedEof(): void {
    this.#reader.feedEof();
  }

  /** The next event, `NEED_DATA`, or `PAUSED` (after an upgrade). Throws `ProtocolError`. */
  next(): ResponseEvent | NeedData | Paused {
    const reader = this.#reader;
    try {
      return reader.state === S_HEAD ? this.#readHead() : reader.step(S_HEAD);
    } catch (err) {
      throw reader.fail(err instanceof ProtocolError ? withoutStatus(err) : err);
    }
  }

  /**
   * Every byte fed but not parsed, in order and byte for byte: after an `upgrade` event, the
   * first bytes of the new protocol. The parser is finished afterwards.
   */
  takeUnparsed(): Buffer[] {
    return this.#reader.takeUnparsed();
  }

  #readHead(): ResponseEvent | NeedData {
    const reader = this.#reader;
    const found = reader.findHead(this.#first !== this.#methods.length);
    if (found !== HEAD_FOUND) {
      if (found === HEAD_UNEXPECTED) {
        throw httpError(
          HttpErrorCode.UNSOLICITED_RESPONSE,
          'response bytes arrived while no request was waiting for one',
          undefined,
        );
      }
      return found === HEAD_EOF ? EOF_EVENT : NEED_DATA;
    }
    const method = this.#methods[this.#first];
    const max = this.#limits.maxHeaderCount;
    const head = reader.matched
      ? buildResponseHead(reader.text, reader.start, reader.end, reader.scan, max, method)
      : parseResponseHead(reader.text, reader.scan, max, method);
    reader.skipHead();
    return this.#onHead(head);
  }

  #onHead(head: ResponseHead): ResponseEvent {
    const method = this.#methods[this.#first];
    const status = head.status;
    if (status < 200 && status !== 101) {
      return { type: 'informational', status, reason: head.reason, headers: head.headers };
    }
    this.#shiftMethod();
    if (status === 101 || (method === 'CONNECT' && status < 300)) {
      this.#reader.state = S_UPGRADED;
      return { type: 'upgrade', head };
    }
    const body = this.#reader.body;
    if (head.bodyKind === 'chunked') body.startChunked();
    else if (head.bodyKind === 'close') body.startClose();
    else body.startLength(head.bodyKind === 'length' ? (head.contentLength as number) : 0);
    this.#reader.state = S_BODY;
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
}
