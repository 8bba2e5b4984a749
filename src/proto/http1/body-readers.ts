/**
 * Message bodies (RFC 9112 §6–7): a known length, chunked (with extensions and trailers), or
 * until the connection closes. One {@link BodyReader} per parser is re-armed for each message;
 * it hands body bytes out as views as they arrive and never holds a whole body.
 *
 * Chunked states:
 * ```
 *   SIZE ──"n[;ext]CRLF", n>0──▶ DATA ──n bytes──▶ DATA_CRLF ──CRLF──▶ SIZE
 *     └──"0[;ext]CRLF"──▶ TRAILERS ──CRLF, or field lines + CRLF──▶ DONE
 * ```
 */
import type { Buffer } from 'node:buffer';
import { NEED_DATA, type NeedData } from '../need-data.js';
import { TCHAR_CLASS, type HeaderList } from './headers.js';
import { HttpErrorCode, describeChar, httpError } from './errors.js';
import { parseTrailerLines } from './field-lines.js';
import { CR, CRLFCRLF, LF, LF_LF, type InputBuffer } from './input-buffer.js';

/** Returned by {@link BodyReader.read} when the body is complete. */
export const BODY_END: unique symbol = Symbol('BODY_END');

/** How a message's body is delimited. */
export type BodyKind = 'none' | 'length' | 'chunked' | 'close';

/** Limits the body reader enforces. */
export interface BodyLimits {
  maxChunkExtensionBytes: number;
  maxTrailerBytes: number;
  maxHeaderCount: number;
}

const K_NONE = 0;
const K_LENGTH = 1;
const K_CHUNKED = 2;
const K_CLOSE = 3;

const SIZE = 0;
const DATA = 1;
const DATA_CRLF = 2;
const TRAILERS = 3;
const DONE = 4;

/** Hex digit values by byte; -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX[0x41 + i] = HEX[0x61 + i] = 10 + i;

const QDTEXT = '\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff';
/**
 * chunk-ext (RFC 9112 §7.1.1) without whitespace: `*( ";" name [ "=" ( token / quoted-string ) ] )`.
 * The RFC's BWS around `;` and `=` is "bad whitespace" a recipient may refuse, and llhttp does:
 * so `5 CRLF` and `5 ;a=b CRLF` are refused here too.
 */
const CHUNK_EXT_RE = new RegExp(
  `^(?:;[${TCHAR_CLASS}]+(?:=(?:[${TCHAR_CLASS}]+|"(?:[${QDTEXT}]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"))?)*$`,
);
/** Hex digits we accept in a chunk size line before calling it too long. */
const MAX_SIZE_DIGITS = 32;

/**
 * Reads one body at a time from an {@link InputBuffer}. Internal to `proto/http1`; errors carry
 * server statuses (the response parser strips them).
 *
 * @example
 * ```ts
 * body.startChunked();
 * for (let r = body.read(input, false); r !== NEED_DATA && r !== BODY_END; r = body.read(input, false)) {
 *   sink(r);
 * }
 * ```
 */
export class BodyReader {
  #kind = K_NONE;
  #remaining = 0;
  #state = SIZE;
  #searched = 0;
  #trailers: HeaderList | undefined = undefined;
  readonly #limits: BodyLimits;
  readonly #maxSizeLine: number;

  constructor(limits: BodyLimits) {
    this.#limits = limits;
    this.#maxSizeLine = MAX_SIZE_DIGITS + limits.maxChunkExtensionBytes + 2;
  }

  /** Trailers of the chunked body that just ended, if it had any. */
  get trailers(): HeaderList | undefined {
    return this.#trailers;
  }

  /** Arms the reader for a body of exactly `n` bytes. */
  startLength(n: number): void {
    this.#kind = n === 0 ? K_NONE : K_LENGTH;
    this.#remaining = n;
    this.#trailers = undefined;
  }

  /** Arms the reader for a chunked body. */
  startChunked(): void {
    this.#kind = K_CHUNKED;
    this.#state = SIZE;
    this.#searched = 0;
    this.#trailers = undefined;
  }

  /** Arms the reader for a body that ends when the connection does. */
  startClose(): void {
    this.#kind = K_CLOSE;
    this.#trailers = undefined;
  }

  /**
   * The next piece of body (a view), `NEED_DATA`, or `BODY_END`. `eof` says no more bytes will
   * come: a length or chunked body cut short is an error, a close-delimited one ends.
   */
  read(input: InputBuffer, eof: boolean): Buffer | NeedData | typeof BODY_END {
    switch (this.#kind) {
      case K_LENGTH:
        return this.#remaining === 0 ? BODY_END : this.#readData(input, eof);
      case K_CHUNKED:
        return this.#readChunked(input, eof);
      case K_CLOSE: {
        if (input.length === 0 && !input.pull(0)) return eof ? BODY_END : NEED_DATA;
        return input.take(input.length);
      }
      default:
        return BODY_END;
    }
  }

  #readChunked(input: InputBuffer, eof: boolean): Buffer | NeedData | typeof BODY_END {
    for (;;) {
      switch (this.#state) {
        case SIZE: {
          const lf = input.indexOfByte(LF, this.#searched);
          if (lf >= 0) {
            this.#searched = 0;
            this.#sizeLine(input, lf);
            continue;
          }
          const n = input.length;
          if (n > this.#maxSizeLine) this.#sizeLineTooLong(input);
          this.#searched = n;
          if (input.pull(this.#maxSizeLine + 1)) continue;
          return eof ? this.#incomplete() : NEED_DATA;
        }
        case DATA: {
          const data = this.#readData(input, eof);
          if (this.#remaining === 0) this.#state = DATA_CRLF;
          return data;
        }
        case DATA_CRLF: {
          const n = input.length;
          if (n >= 1 && input.byteAt(0) !== CR) this.#badChunkEnd(input.byteAt(0));
          if (n < 2) {
            if (input.pull(2)) continue;
            return eof ? this.#incomplete() : NEED_DATA;
          }
          if (input.byteAt(1) !== LF) this.#badChunkEnd(input.byteAt(1));
          input.skip(2);
          this.#state = SIZE;
          continue;
        }
        case TRAILERS: {
          const n = input.length;
          if (n >= 2 && input.byteAt(0) === CR && input.byteAt(1) === LF) {
            input.skip(2);
            this.#state = DONE;
            return BODY_END;
          }
          const max = this.#limits.maxTrailerBytes;
          const end = input.indexOf(CRLFCRLF, this.#searched);
          if (end >= 0) {
            if (end + 4 > max) this.#trailersTooLarge();
            const s = input.latin1(0, end + 4);
            input.skip(end + 4);
            this.#searched = 0;
            this.#trailers = parseTrailerLines(s, this.#limits.maxHeaderCount, 400);
            this.#state = DONE;
            return BODY_END;
          }
          if (n > max) this.#trailersTooLarge();
          if (input.indexOf(LF_LF, 0) >= 0) {
            throw httpError(
              HttpErrorCode.INVALID_LINE_ENDING,
              'trailer line ends with a bare LF (CRLF required)',
              400,
            );
          }
          this.#searched = n > 3 ? n - 3 : 0;
          if (input.pull(max + 4)) continue;
          return eof ? this.#incomplete() : NEED_DATA;
        }
        default:
          return BODY_END;
      }
    }
  }

  /** Up to `#remaining` bytes of a length body or chunk, as a view, or `NEED_DATA`. */
  #readData(input: InputBuffer, eof: boolean): Buffer | NeedData {
    let n = input.length;
    if (n === 0) {
      if (!input.pull(0)) return eof ? this.#incomplete() : NEED_DATA;
      n = input.length;
    }
    const take = n < this.#remaining ? n : this.#remaining;
    this.#remaining -= take;
    return input.take(take);
  }

  /** Parses `size [ext] CRLF` whose LF is at `lf`, and consumes it. */
  #sizeLine(input: InputBuffer, lf: number): void {
    if (lf === 0 || input.byteAt(lf - 1) !== CR) {
      throw httpError(
        HttpErrorCode.INVALID_LINE_ENDING,
        'chunk size line ends with a bare LF (CRLF required)',
        400,
      );
    }
    const lineEnd = lf - 1;
    let size = 0;
    let i = 0;
    for (; i < lineEnd; i++) {
      const d = HEX[input.byteAt(i)];
      if (d < 0) break;
      size = size * 16 + d;
      if (size > Number.MAX_SAFE_INTEGER) {
        throw httpError(HttpErrorCode.INVALID_CHUNK, 'chunk size is larger than 2^53 - 1', 400);
      }
    }
    if (i === 0) {
      throw httpError(
        HttpErrorCode.INVALID_CHUNK,
        `chunk size is not hexadecimal (starts with ${describeChar(input.byteAt(0))})`,
        400,
      );
    }
    if (i < lineEnd) {
      if (lineEnd - i > this.#limits.maxChunkExtensionBytes) this.#extensionsTooLarge();
      const ext = input.latin1(i, lineEnd);
      if (!CHUNK_EXT_RE.test(ext)) {
        throw httpError(
          HttpErrorCode.INVALID_CHUNK,
          `invalid chunk extension ${JSON.stringify(ext.slice(0, 40))}`,
          400,
        );
      }
    }
    input.skip(lf + 1);
    if (size === 0) {
      this.#state = TRAILERS;
    } else {
      this.#remaining = size;
      this.#state = DATA;
    }
  }

  #sizeLineTooLong(input: InputBuffer): never {
    let i = 0;
    while (i < MAX_SIZE_DIGITS && HEX[input.byteAt(i)] >= 0) i++;
    const c = input.byteAt(i);
    if (i > 0 && i < MAX_SIZE_DIGITS && (c === 0x3b || c === 0x20 || c === 0x09)) {
      this.#extensionsTooLarge();
    }
    throw httpError(HttpErrorCode.INVALID_CHUNK, 'chunk size line is too long', 400);
  }

  #extensionsTooLarge(): never {
    throw httpError(
      HttpErrorCode.CHUNK_EXTENSIONS_TOO_LARGE,
      `chunk extensions longer than ${this.#limits.maxChunkExtensionBytes} bytes`,
      413,
    );
  }

  #trailersTooLarge(): never {
    throw httpError(
      HttpErrorCode.TRAILERS_TOO_LARGE,
      `trailer section larger than ${this.#limits.maxTrailerBytes} bytes`,
      431,
    );
  }

  #badChunkEnd(byte: number): never {
    throw httpError(
      HttpErrorCode.INVALID_CHUNK,
      `chunk data must be followed by CRLF, got ${describeChar(byte)}`,
      400,
    );
  }

  #incomplete(): never {
    throw httpError(
      HttpErrorCode.INCOMPLETE_BODY,
      this.#kind === K_LENGTH
        ? `connection closed ${this.#remaining} bytes before the end of the body`
        : 'connection closed inside a chunked body',
      400,
    );
  }
}
