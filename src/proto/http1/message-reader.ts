/**
 * What the request and response parsers share: the bytes fed so far and the end of input, the
 * search for the next head, the body reader, and `next()` in every state but HEAD (body events,
 * PAUSED, EOF, the latched error). One {@link MessageReader} per parser; the parser builds its
 * own heads and decides where each one leads.
 *
 * Finding a head: blank lines before it are skipped; then one regex over the chunk's text both
 * validates the head and finds its end (the fast path). Once that fails for a head (incomplete or
 * malformed), its end is found by searching for CRLFCRLF from where the last search stopped, so a
 * head arriving byte by byte costs O(n), not a regex run per byte.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../../errors.js';
import { NEED_DATA, PAUSED, type NeedData, type Paused } from '../need-data.js';
import { BODY_END, BodyReader, type BodyLimits } from './body-readers.js';
import { HttpErrorCode, httpError } from './errors.js';
import { FieldScan } from './field-lines.js';
import type { HeaderList } from './headers.js';
import { CR, CRLF, CRLFCRLF, InputBuffer, LF, LF_CRLF, LF_LF } from './input-buffer.js';
import { RequestLineGuard } from './request-line-guard.js';

/** The body events both parsers return. */
export type BodyEvent = { type: 'data'; data: Buffer } | { type: 'end'; trailers?: HeaderList };

const END_EVENT: BodyEvent = Object.freeze({ type: 'end' });

/** The event both parsers return at the end of input between messages. */
export type EofEvent = { readonly type: 'eof' };

export const EOF_EVENT: EofEvent = Object.freeze({ type: 'eof' });

/** The states of both parsers' `next()`; the response parser's PAUSED follows an upgrade. */
export const S_HEAD = 0;
export const S_BODY = 1;
export const S_PAUSED = 2;
const S_EOF = 3;
const S_ERROR = 4;
const S_DETACHED = 5;

/** {@link MessageReader.findHead}: a head was found (see `text`, `start`, `end`, `matched`). */
export const HEAD_FOUND = 0;
/** {@link MessageReader.findHead}: more bytes are needed. */
export const HEAD_NEED_DATA = 1;
/** {@link MessageReader.findHead}: the input ended between messages. */
export const HEAD_EOF = 2;
/** {@link MessageReader.findHead}: head bytes arrived while none was expected. */
export const HEAD_UNEXPECTED = 3;

/** Text converted per attempt on the fast path: a typical head, or many pipelined ones. */
const FAST_TEXT_BYTES = 4096;

/** What tells request heads from response heads in the search. */
export interface HeadSyntax {
  /** `request` or `response`, for error messages. */
  readonly name: string;
  /** Errors carry a server's status (400, 431); a client's carry none. */
  readonly server: boolean;
  /** The end of a complete, well-formed head at `start` in `s`, else -1. */
  readonly match: (s: string, start: number) => number;
}

/** Limits the reader enforces; `maxRequestLineBytes` only for requests. */
export interface ReaderLimits extends BodyLimits {
  maxHeaderBytes: number;
  maxRequestLineBytes?: number;
}

/**
 * `defaults` overridden by `options`, every one checked to be a positive integer.
 *
 * @example
 * ```ts
 * const limits = parserLimits(DEFAULT_REQUEST_PARSER_OPTIONS, { maxHeaderCount: 50 });
 * ```
 */
export function parserLimits<T extends object>(
  defaults: Readonly<Required<T>>,
  options: T,
): Required<T> {
  const limits = { ...defaults, ...options } as Required<T>;
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || (v as number) <= 0) {
      throw new UsageError(`${k} must be a positive integer`, {
        code: 'ERR_HTTP_INVALID_OPTION',
      });
    }
  }
  return limits;
}

/** What a parser throws once `takeUnparsed()` handed its bytes over. */
function detachedError(): UsageError {
  return new UsageError('the parser handed its bytes over (takeUnparsed)', {
    code: 'ERR_HTTP_DETACHED',
  });
}

/**
 * Internal to `proto/http1`: the byte side of one parser.
 *
 * @example
 * ```ts
 * const reader = new MessageReader(syntax, limits);
 * reader.feed(chunk);
 * if (reader.findHead(true) === HEAD_FOUND) {
 *   const head = build(reader.text, reader.start, reader.end);
 *   reader.skipHead();
 * }
 * ```
 */
export class MessageReader {
  readonly input = new InputBuffer();
  readonly scan = new FieldScan();
  readonly body: BodyReader;
  /** The parser's state, one of the `S_*`. */
  state = S_HEAD;
  /** The head found: `text[start, end)`, already checked by `match` when `matched`. */
  text = '';
  start = 0;
  end = 0;
  matched = false;
  readonly #match: (s: string, start: number) => number;
  readonly #name: string;
  readonly #server: boolean;
  readonly #maxHeaderBytes: number;
  /** The longest request line; Infinity for a response. */
  readonly #maxLine: number;
  #eof = false;
  #error: unknown = undefined;
  /** How far the window was searched for CRLFCRLF without success. */
  #searched = 0;
  /** The fast path failed for the current head: find its end by searching instead. */
  #slow = false;
  /** The current head's request line is known to be complete and short enough. */
  #lineChecked = false;
  /** Requests only: refuses a request line that cannot be HTTP as soon as it shows. */
  readonly #guard: RequestLineGuard | undefined;

  constructor(syntax: HeadSyntax, limits: ReaderLimits) {
    this.#match = syntax.match;
    this.#name = syntax.name;
    this.#server = syntax.server;
    this.#maxHeaderBytes = limits.maxHeaderBytes;
    this.#maxLine = limits.maxRequestLineBytes ?? Infinity;
    this.body = new BodyReader(limits);
    this.#guard = syntax.server ? new RequestLineGuard() : undefined;
  }

  /** Takes a received chunk (a reference: its memory must not be reused). */
  feed(chunk: Uint8Array): void {
    if (this.state === S_DETACHED) throw detachedError();
    if (this.#eof) {
      throw new UsageError('feed() after feedEof()', { code: 'ERR_HTTP_FEED_AFTER_EOF' });
    }
    this.input.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
  }

  /** No more bytes will come. */
  feedEof(): void {
    this.#eof = true;
  }

  /**
   * What `next()` gives in every state but HEAD; the end of a body leads to state `afterBody`.
   * The parser catches what this and its head reading throw and hands it to {@link fail}.
   */
  step(afterBody: number): BodyEvent | EofEvent | NeedData | Paused {
    switch (this.state) {
      case S_BODY: {
        const body = this.body;
        const r = body.read(this.input, this.#eof);
        if (r === NEED_DATA) return NEED_DATA;
        if (r !== BODY_END) return { type: 'data', data: r };
        this.state = afterBody;
        const trailers = body.trailers;
        return trailers === undefined ? END_EVENT : { type: 'end', trailers };
      }
      case S_PAUSED:
        return PAUSED;
      case S_EOF:
        return EOF_EVENT;
      case S_DETACHED:
        throw detachedError();
      default:
        throw this.#error;
    }
  }

  /** Records `err` as what every later `next()` rethrows (unless detached); returns it. */
  fail(err: unknown): unknown {
    if (this.state !== S_DETACHED) {
      this.state = S_ERROR;
      this.#error = err;
    }
    return err;
  }

  /** Every byte fed but not parsed, in order; the parser is finished afterwards. */
  takeUnparsed(): Buffer[] {
    this.state = S_DETACHED;
    return this.input.drain();
  }

  /**
   * Looks for the next head: one of the `HEAD_*` codes (at `HEAD_EOF`, the state becomes EOF). `expected` false: any byte but blank
   * lines gives `HEAD_UNEXPECTED`. Throws `ProtocolError` for a head too large, with bare-LF line
   * endings, or cut short by the end of input.
   */
  findHead(expected: boolean): number {
    const input = this.input;
    const max = this.#maxHeaderBytes;
    for (;;) {
      const n = input.length;
      // RFC 9112 §2.2: ignore empty lines before a request line (clients add CRLF after bodies);
      // some servers send a stray CRLF after a body too.
      if (n >= 2 && input.byteAt(0) === CR && input.byteAt(1) === LF) {
        input.skip(2);
        this.#searched = 0;
        this.#guard?.reset();
        continue;
      }
      if (n > 0) {
        if (!expected) return HEAD_UNEXPECTED;
        if (!this.#slow) {
          const s = input.text(FAST_TEXT_BYTES);
          const start = input.textStart;
          const end = this.#match(s, start);
          if (end >= 0) {
            if (end - start > max) this.#tooLarge();
            return this.#found(s, start, end, true);
          }
          this.#slow = true;
        }
        const end = n >= 4 ? input.indexOf(CRLFCRLF, this.#searched) : -1;
        if (end >= 0) {
          if (end + 4 > max) this.#tooLarge();
          return this.#found(input.latin1(0, end + 4), 0, end + 4, false);
        }
        this.#guard?.check(input);
        if (n > max) this.#tooLarge();
        if (n > this.#maxLine && !this.#lineChecked) {
          this.#checkRequestLine();
          this.#lineChecked = true;
        }
        // A head with bare-LF line endings never shows CRLFCRLF: refuse it now, not at the limit.
        const from = this.#searched;
        if (input.indexOf(LF_LF, from) >= 0 || input.indexOf(LF_CRLF, from) >= 0) {
          throw httpError(
            HttpErrorCode.INVALID_LINE_ENDING,
            `${this.#name} head with bare LF line endings (CRLF required)`,
            this.#server ? 400 : undefined,
          );
        }
        this.#searched = n > 3 ? n - 3 : 0;
      }
      if (input.pull(max + 4)) continue;
      if (!this.#eof) return HEAD_NEED_DATA;
      if (n === 0) {
        this.state = S_EOF;
        return HEAD_EOF;
      }
      throw httpError(
        HttpErrorCode.INCOMPLETE_HEAD,
        `connection closed in the middle of a ${this.#name} head`,
        this.#server ? 400 : undefined,
      );
    }
  }

  /** Consumes the bytes of the head found, once it is built. */
  skipHead(): void {
    this.input.skip(this.end - this.start);
  }

  #found(text: string, start: number, end: number, matched: boolean): number {
    this.text = text;
    this.start = start;
    this.end = end;
    this.matched = matched;
    this.#searched = 0;
    this.#slow = false;
    this.#lineChecked = false;
    this.#guard?.reset();
    return HEAD_FOUND;
  }

  /** The window holds more than a request line may: is the line complete and short enough? */
  #checkRequestLine(): void {
    const max = this.#maxLine;
    const le = this.input.indexOf(CRLF, 0);
    if (le < 0 || le > max) {
      throw httpError(HttpErrorCode.URI_TOO_LONG, `request line longer than ${max} bytes`, 414);
    }
  }

  #tooLarge(): never {
    if (this.#maxLine !== Infinity) this.#checkRequestLine();
    throw httpError(
      HttpErrorCode.HEADERS_TOO_LARGE,
      `${this.#name} head larger than ${this.#maxHeaderBytes} bytes`,
      this.#server ? 431 : undefined,
    );
  }
}
