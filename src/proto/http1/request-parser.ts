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
import type { Buffer } from 'node:buffer';
import { UsageError } from '../../errors.js';
import { NEED_DATA, type NeedData, type Paused } from '../need-data.js';
import type { HeaderList } from './headers.js';
import {
  EOF_EVENT,
  HEAD_EOF,
  HEAD_FOUND,
  MessageReader,
  S_BODY,
  S_HEAD,
  S_PAUSED,
  parserLimits,
  type EofEvent,
  type HeadSyntax,
} from './message-reader.js';
import {
  buildRequestHead,
  matchRequestHead,
  parseRequestHead,
  type RequestHead,
} from './request-head.js';

/**
 * Limits of a {@link RequestParser}, every one finite by default, and the methods it accepts.
 * The defaults are never stricter than node:http's (a 16 KiB budget for the target, names and
 * values together; 2000 fields), so that a request any Node server takes is taken here too.
 */
export interface RequestParserOptions {
  /**
   * Request line + header section as received, CRLFs and whitespace included (default 32 KiB:
   * node:http's 16 KiB of target, names and values plus 2000 fields' separators; over → 431).
   */
  maxHeaderBytes?: number;
  /** Header field lines (default 2000, node:http's maxHeadersCount; over → 431). */
  maxHeaderCount?: number;
  /**
   * Request line without its CRLF (default 17 KiB: node:http's 16 KiB for the target, plus the
   * method and version; over → 414).
   */
  maxRequestLineBytes?: number;
  /** Extensions of one chunk size line (default 16 KiB, as Node; over → 413). */
  maxChunkExtensionBytes?: number;
  /** Trailer section (default 16 KiB; over → 431). */
  maxTrailerBytes?: number;
  /**
   * Methods accepted besides the known ones (node:http's list, `KNOWN_METHODS`); any other gets
   * 501. A server passes the methods of its routes. The set is read, not copied: adding to it
   * later counts.
   */
  methods?: ReadonlySet<string>;
}

/** The numeric limits of {@link RequestParserOptions}. */
type RequestParserLimits = Required<Omit<RequestParserOptions, 'methods'>>;

/** Defaults of {@link RequestParserOptions}. */
export const DEFAULT_REQUEST_PARSER_OPTIONS: Readonly<RequestParserLimits> = Object.freeze({
  maxHeaderBytes: 32 * 1024,
  maxHeaderCount: 2000,
  maxRequestLineBytes: 17 * 1024,
  maxChunkExtensionBytes: 16 * 1024,
  maxTrailerBytes: 16 * 1024,
});

/** What {@link RequestParser.next} returns besides `NEED_DATA` and `PAUSED`. */
export type RequestEvent =
  | { type: 'request'; head: RequestHead }
  | { type: 'data'; data: Buffer }
  | { type: 'end'; trailers?: HeaderList }
  | { type: 'eof' };

const REQUEST_SYNTAX: HeadSyntax = Object.freeze({
  name: 'request',
  server: true,
  match: matchRequestHead,
});

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
type ParserLimits = RequestParserLimits & { methods: ReadonlySet<string> | undefined };
let lastOptions: RequestParserOptions | undefined;
let lastLimits: ParserLimits;

export class RequestParser {
  readonly #reader: MessageReader;
  readonly #limits: ParserLimits;

  constructor(options: RequestParserOptions = {}) {
    // A server makes a parser per connection from one options object: its limits are checked once.
    if (options !== lastOptions) {
      const { methods, ...limits } = options;
      lastLimits = { ...parserLimits(DEFAULT_REQUEST_PARSER_OPTIONS, limits), methods };
      lastOptions = options;
    }
    this.#limits = lastLimits;
    this.#reader = new MessageReader(REQUEST_SYNTAX, this.#limits);
  }

  /** Unparsed bytes held (queued pipelined requests while paused, a partial head…). */
  get bufferedBytes(): number {
    return this.#reader.input.total;
  }

  /** True between a message's `end` and `nextMessage()`. */
  get paused(): boolean {
    return this.#reader.state === S_PAUSED;
  }

  /** Hands the parser received bytes. It keeps a reference: do not reuse the chunk's memory. */
  feed(chunk: Uint8Array): void {
    this.#reader.feed(chunk);
  }

  /**
   * Makes the parser copy the bytes it holds but has not parsed yet (it keeps references to what
   * it is fed): for a caller that feeds views of a buffer it reuses for its next read. Events
   * already returned keep their views.
   *
   * @example
   * ```ts
   * parser.feed(readBuffer.subarray(0, nread));
   * for (let ev = parser.next(); ev !== NEED_DATA && ev !== PAUSED; ev = parser.next()) handle(ev);
   * parser.ownInput(); // readBuffer can take the next read
   * ```
   */
  ownInput(): void {
    if (this.#reader.input.total > 0) this.#reader.input.own();
  }

  /** Tells the parser the peer closed its side: no more bytes will come. */
  feedEof(): void {
    this.#reader.feedEof();
  }

  /** The next event, `NEED_DATA`, or `PAUSED`. Throws `ProtocolError` (with `status`) on bad input. */
  next(): RequestEvent | NeedData | Paused {
    const reader = this.#reader;
    try {
      if (reader.state !== S_HEAD) return reader.step(S_PAUSED);
      const head = this.#readHead();
      return notHead(head) ? head : { type: 'request', head };
    } catch (err) {
      throw reader.fail(err);
    }
  }

  /** After `end` (while `PAUSED`): go on with the next request on this connection. */
  nextMessage(): void {
    if (this.#reader.state !== S_PAUSED) {
      throw new UsageError('nextMessage() is only allowed after a message ended', {
        code: 'ERR_HTTP_NOT_PAUSED',
      });
    }
    this.#reader.state = S_HEAD;
  }

  /**
   * Every byte fed but not parsed, in order, byte for byte (views of the fed chunks wherever
   * possible). The parser is finished afterwards: this is how a connection is detached or
   * handed to another protocol after an Upgrade or CONNECT.
   */
  takeUnparsed(): Buffer[] {
    return this.#reader.takeUnparsed();
  }

  /**
   * The next request's head, for a server that runs one request at a time: as {@link next}'s
   * `request` event, without the event object, and a request without a body is ended at once
   * (its `end` event is not given: the parser is paused, {@link next} says PAUSED, and the
   * next head needs {@link nextMessage}). Only between messages; else a UsageError.
   *
   * @example
   * ```ts
   * const head = parser.nextHead();
   * if (head !== NEED_DATA && head.type !== 'eof') handle(head); // then parser.nextMessage()
   * ```
   */
  nextHead(): RequestHead | EofEvent | NeedData {
    const reader = this.#reader;
    if (reader.state === S_BODY || reader.state === S_PAUSED) {
      throw new UsageError('nextHead() is only allowed between messages', {
        code: 'ERR_HTTP_NOT_BETWEEN_MESSAGES',
      });
    }
    try {
      // Ended (EOF) or failed: as next() says.
      if (reader.state !== S_HEAD) return reader.step(S_PAUSED) as EofEvent;
      const head = this.#readHead();
      if (notHead(head)) return head;
      if (!head.chunked && (head.contentLength === undefined || head.contentLength === 0)) {
        reader.state = S_PAUSED; // nothing to read: the 'end' step is skipped
      }
      return head;
    } catch (err) {
      throw reader.fail(err);
    }
  }

  #readHead(): RequestHead | EofEvent | NeedData {
    const reader = this.#reader;
    const found = reader.findHead(true);
    if (found !== HEAD_FOUND) return found === HEAD_EOF ? EOF_EVENT : NEED_DATA;
    const head = reader.matched
      ? buildRequestHead(reader.text, reader.start, reader.end, reader.scan, this.#limits)
      : parseRequestHead(reader.text, reader.scan, this.#limits);
    reader.skipHead();
    const body = reader.body;
    if (head.method === 'CONNECT') body.startLength(0);
    else if (head.chunked) body.startChunked();
    else body.startLength(head.contentLength ?? 0);
    reader.state = S_BODY;
    return head;
  }
}

function notHead(r: RequestHead | EofEvent | NeedData): r is EofEvent | NeedData {
  return r === NEED_DATA || r === EOF_EVENT;
}
