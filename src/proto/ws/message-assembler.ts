/**
 * RFC 6455 §5.4 and §8.1: turns frames into messages and control events. Continuations are
 * checked against the open message, control frames in the middle of a fragmented message are
 * delivered at once without disturbing it, and text is validated as UTF-8 as it arrives: fragment
 * by fragment, and inside a frame whose payload is still arriving ({@link
 * MessageAssembler.validateArriving}), so that the error is raised in the read that brings the
 * first invalid byte ("fail fast", RFC 6455 §8.1).
 *
 * Compressed messages (permessage-deflate, RSV1 on the first frame) are not inflated here:
 * inflating is I/O-side work (zlib, with a concurrency limit). They come out whole but still
 * compressed as a `'compressed'` event; the caller inflates the fragments, checks the inflated
 * size, and validates text as UTF-8 ({@link isValidUtf8}) after inflating.
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, UsageError } from '../../errors.js';
import { afterLargeAllocation, EARLY_CHECK_BYTES } from '../bytes/large-buffers.js';
import { isValidUtf8, Utf8StreamValidator } from '../bytes/utf8.js';
import { decodeClosePayload } from './close-codes.js';
import type { Frame } from './frame-types.js';
import { Opcode } from './opcodes.js';

/** Never written to: a message starts its own array with its first fragment. */
const NO_FRAGMENTS: Buffer[] = [];

/** A whole text message, decoded and validated. */
export interface WsTextEvent {
  type: 'text';
  data: string;
}

/** A whole binary message. A single-frame message is the frame's payload view, not a copy. */
export interface WsBinaryEvent {
  type: 'binary';
  data: Buffer;
}

/**
 * A whole permessage-deflate message, still compressed: `data` holds the payloads of its frames
 * in order (append `00 00 ff ff` and inflate them as one stream). `opcode` tells whether it is
 * text (then validate the inflated bytes as UTF-8, 1007 if not) or binary. Its compressed size
 * has been checked against `maxMessageBytes`; the inflated size is the inflater's to bound.
 */
export interface WsCompressedEvent {
  type: 'compressed';
  opcode: typeof Opcode.TEXT | typeof Opcode.BINARY;
  data: Buffer[];
}

export interface WsPingEvent {
  type: 'ping';
  data: Buffer;
}

export interface WsPongEvent {
  type: 'pong';
  data: Buffer;
}

/**
 * The peer's close frame. `code` is 1005 ("no status received") when the frame had no payload:
 * 1005 never travels on the wire, so it cannot be confused with a code the peer sent.
 */
export interface WsCloseEvent {
  type: 'close';
  code: number;
  reason: string;
}

/** What the receiving side of a WebSocket produces, discriminated on `type`. */
export type WsEvent =
  WsTextEvent | WsBinaryEvent | WsCompressedEvent | WsPingEvent | WsPongEvent | WsCloseEvent;

export interface MessageAssemblerOptions {
  /** Largest message (sum of its frames' payloads, compressed size for compressed ones); 1009 above. Default 100 MiB. */
  maxMessageBytes?: number;
  /** Most frames one message may have; 1008 above (as ws). Default 65536. */
  maxFragments?: number;
  /** Accept RSV1 (a compressed message): true only when permessage-deflate was negotiated. Default false. */
  allowRsv1?: boolean;
}

/** Default {@link MessageAssemblerOptions.maxMessageBytes}: 100 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;
/** Default {@link MessageAssemblerOptions.maxFragments}. */
export const DEFAULT_MAX_FRAGMENTS = 65536;

function fail(message: string, code: string, closeCode: number): never {
  throw new ProtocolError(message, { code, closeCode });
}

function invalidUtf8(): never {
  fail('Invalid WebSocket frame: invalid UTF-8 sequence', 'ERR_WS_INVALID_UTF8', 1007);
}

/**
 * Decodes a whole text message, validating it on the way. Node's UTF-8 decoder is strict (the
 * WHATWG decoder: overlongs, surrogates, cut sequences and stray bytes all become U+FFFD), so a
 * string without U+FFFD proves the bytes were valid, and the separate validation pass is needed
 * only when U+FFFD shows up (it may also have been sent as such, EF BF BD).
 */
function decodeText(bytes: Buffer): string {
  const text = bytes.toString();
  if (text.includes('\ufffd') && !isValidUtf8(bytes)) invalidUtf8();
  return text;
}

function checkLimit(name: string, value: number): number {
  if (!(value >= 0)) {
    throw new UsageError(`${name} must be a number ≥ 0, not ${value}`, {
      code: 'ERR_INVALID_OPTION',
    });
  }
  return value;
}

/**
 * Assembles frames into events. `push(frame)` returns the event the frame completes, or
 * `undefined` when it only continued a message. Throws {@link ProtocolError} with the close code
 * to send when the frames break a rule; the assembler is unusable afterwards.
 *
 * @example
 * ```ts
 * const assembler = new MessageAssembler();
 * for (let f = decoder.next(); f !== NEED_DATA; f = decoder.next()) {
 *   const ev = assembler.push(f);
 *   if (ev !== undefined) handle(ev);
 * }
 * ```
 */
export class MessageAssembler {
  readonly #maxMessageBytes: number;
  readonly #maxFragments: number;
  readonly #allowRsv1: boolean;

  /** Opcode of the open fragmented message (TEXT or BINARY), 0 when none is open. */
  #opcode = 0;
  #compressed = false;
  /** Payloads of the fragmented message being received; the shared empty array when none. */
  #fragments: Buffer[] = NO_FRAGMENTS;
  #fragmentCount = 0;
  #bytes = 0;
  /** Made for the first text message that needs validating in parts. */
  #utf8Validator: Utf8StreamValidator | undefined;
  /** Leading payload bytes of the next (text) frame already validated while it arrived. */
  #checked = 0;

  constructor(options: MessageAssemblerOptions = {}) {
    this.#maxMessageBytes = checkLimit(
      'maxMessageBytes',
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
    this.#maxFragments = checkLimit('maxFragments', options.maxFragments ?? DEFAULT_MAX_FRAGMENTS);
    this.#allowRsv1 = options.allowRsv1 ?? false;
  }

  /** True while a fragmented message is open (its first frame came, its last did not). */
  get inMessage(): boolean {
    return this.#opcode !== 0;
  }

  /** Payload bytes of the open fragmented message buffered so far (ns_connchan's "fragments"). */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /**
   * Takes the next frame; returns the event it completes, if any.
   *
   * @example
   * ```ts
   * assembler.push({ fin: false, rsv1: false, opcode: 1, payload: Buffer.from('Hel'), masked: true }); // undefined
   * assembler.push({ fin: true, rsv1: false, opcode: 0, payload: Buffer.from('lo'), masked: true }); // { type: 'text', data: 'Hello' }
   * ```
   */
  push(frame: Frame): WsEvent | undefined {
    const opcode = frame.opcode;
    const payload = frame.payload;
    if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#opcode !== 0) {
        fail(
          'Invalid WebSocket frame: a new message started before the fragmented one ended',
          'ERR_WS_EXPECTED_CONTINUATION',
          1002,
        );
      }
      if (payload.length > this.#maxMessageBytes) this.#tooBig(payload.length);
      if (frame.rsv1) {
        if (!this.#allowRsv1) {
          fail('Invalid WebSocket frame: RSV1 must be clear', 'ERR_WS_UNEXPECTED_RSV_1', 1002);
        }
        if (frame.fin) return { type: 'compressed', opcode, data: [payload] };
        this.#open(opcode, true, payload);
        return undefined;
      }
      if (frame.fin) {
        // An unfragmented message: the payload view is the message, no copy.
        if (opcode === Opcode.BINARY) return { type: 'binary', data: payload };
        if (this.#checked === 0) return { type: 'text', data: decodeText(payload) };
        if (!this.#validateRest(payload) || !this.#utf8().end()) invalidUtf8();
        return { type: 'text', data: payload.toString() };
      }
      if (opcode === Opcode.TEXT && !this.#validateRest(payload)) invalidUtf8();
      this.#open(opcode, false, payload);
      return undefined;
    }
    if (opcode === Opcode.CONTINUATION) return this.#continue(frame);
    return this.#control(frame);
  }

  /**
   * Validates the part of the next frame's payload that has arrived so far (`arrived`: the
   * payload's first bytes, `b0`: the frame's first header byte), when that frame carries
   * uncompressed text: a new text message, or a continuation of one. Throws the 1007 error as
   * soon as the bytes cannot be valid UTF-8, however much of the frame is still to come. Other
   * frames, and frames that break a framing rule (raised when they are pushed), are left alone.
   *
   * @example
   * ```ts
   * const arriving = decoder.arrivingPayload();
   * if (arriving !== undefined) assembler.validateArriving(arriving.b0, arriving.payload);
   * ```
   */
  validateArriving(b0: number, arrived: Buffer): void {
    const checked = this.#checked;
    if (arrived.length <= checked) return;
    const opcode = b0 & 0x0f;
    const rsv1 = (b0 & 0x40) !== 0;
    const text =
      opcode === Opcode.TEXT
        ? !rsv1 && this.#opcode === 0
        : opcode === Opcode.CONTINUATION && this.#opcode === Opcode.TEXT && !this.#compressed;
    if (!text) return;
    if (!this.#utf8().push(arrived.subarray(checked))) invalidUtf8();
    this.#checked = arrived.length;
  }

  #utf8(): Utf8StreamValidator {
    return (this.#utf8Validator ??= new Utf8StreamValidator());
  }

  /** Validates what {@link validateArriving} has not seen of a text payload. */
  #validateRest(payload: Buffer): boolean {
    const checked = this.#checked;
    if (checked === 0) return this.#utf8().push(payload);
    this.#checked = 0;
    return checked >= payload.length || this.#utf8().push(payload.subarray(checked));
  }

  #addFragment(payload: Buffer): void {
    if (this.#fragments === NO_FRAGMENTS) this.#fragments = [payload];
    else this.#fragments.push(payload);
  }

  #open(opcode: number, compressed: boolean, payload: Buffer): void {
    this.#opcode = opcode;
    this.#compressed = compressed;
    this.#fragmentCount = 1;
    this.#bytes = payload.length;
    if (payload.length !== 0) this.#addFragment(payload);
  }

  #continue(frame: Frame): WsEvent | undefined {
    const opcode = this.#opcode;
    if (opcode === 0) {
      fail(
        'Invalid WebSocket frame: a continuation frame without a message to continue',
        'ERR_WS_UNEXPECTED_CONTINUATION',
        1002,
      );
    }
    if (frame.rsv1) {
      fail(
        'Invalid WebSocket frame: RSV1 must be clear on continuation frames',
        'ERR_WS_UNEXPECTED_RSV_1',
        1002,
      );
    }
    const payload = frame.payload;
    const bytes = this.#bytes + payload.length;
    if (bytes > this.#maxMessageBytes) this.#tooBig(bytes);
    if (++this.#fragmentCount > this.#maxFragments) {
      fail(
        `Too many message fragments: more than ${this.#maxFragments}`,
        'ERR_WS_TOO_MANY_FRAGMENTS',
        1008,
      );
    }
    const text = opcode === Opcode.TEXT && !this.#compressed;
    if (text && !this.#validateRest(payload)) invalidUtf8();
    this.#bytes = bytes;
    if (payload.length !== 0) this.#addFragment(payload);
    if (!frame.fin) return undefined;

    const fragments = this.#fragments;
    const compressed = this.#compressed;
    this.#fragments = NO_FRAGMENTS;
    this.#opcode = 0;
    this.#compressed = false;
    this.#fragmentCount = 0;
    this.#bytes = 0;
    if (compressed) {
      const data = fragments === NO_FRAGMENTS ? [] : fragments;
      return { type: 'compressed', opcode: opcode as 1 | 2, data };
    }
    if (text && !this.#utf8().end()) invalidUtf8();
    const data = fragments.length === 1 ? fragments[0] : joinFragments(fragments, bytes);
    // Already validated fragment by fragment.
    if (text) return { type: 'text', data: data.toString() };
    return { type: 'binary', data };
  }

  #control(frame: Frame): WsEvent {
    const opcode = frame.opcode;
    const payload = frame.payload;
    if (opcode !== Opcode.CLOSE && opcode !== Opcode.PING && opcode !== Opcode.PONG) {
      fail(`Invalid WebSocket frame: invalid opcode ${opcode}`, 'ERR_WS_INVALID_OPCODE', 1002);
    }
    if (!frame.fin || frame.rsv1 || payload.length > 125) {
      fail(
        'Invalid WebSocket frame: control frames must be final, uncompressed and at most 125 bytes',
        'ERR_WS_INVALID_CONTROL_FRAME',
        1002,
      );
    }
    if (opcode === Opcode.PING) return { type: 'ping', data: payload };
    if (opcode === Opcode.PONG) return { type: 'pong', data: payload };
    const { code, reason } = decodeClosePayload(payload);
    return { type: 'close', code: code ?? 1005, reason };
  }

  #tooBig(bytes: number): never {
    fail(
      `Message of ${bytes} bytes exceeds the limit of ${this.#maxMessageBytes} bytes`,
      'ERR_WS_MESSAGE_TOO_BIG',
      1009,
    );
  }
}

/** Fragments joined into one message (see large-buffers.ts for the check after a large one). */
function joinFragments(fragments: Buffer[], bytes: number): Buffer {
  const joined = Buffer.concat(fragments, bytes);
  if (bytes >= EARLY_CHECK_BYTES) afterLargeAllocation();
  return joined;
}
