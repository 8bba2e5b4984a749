/**
 * RFC 6455 §5.2 frame decoding: a pull parser. `feed(chunk)` hands bytes over, `next()` returns
 * one whole {@link Frame} at a time (payload unmasked) or {@link NEED_DATA}.
 *
 * Every rule of §5 that a single frame can break is checked here, from the header, before its
 * payload is buffered; each failure is a {@link ProtocolError} carrying the close code to send.
 * Rules that span frames (continuations, UTF-8 of text) belong to the message assembler.
 *
 * Speed: the benchmark that matters is many small masked frames arriving in large chunks. While
 * no frame straddles two chunks the decoder reads headers straight out of the fed chunk with
 * plain indexing, unmasks in place a word at a time through typed-array views made once per
 * chunk (not per frame), and returns a view of the chunk: no copy, no queue, one frame object of
 * one fixed shape. Large payloads are unmasked with WebAssembly SIMD (`wasm-mask.ts`) where it
 * is faster (`payload-unmask.ts`). A frame that straddles chunks has its header gathered in a
 * {@link ByteQueue}; its payload is an {@link ArrivingPayload}, memory of its own as soon as the
 * header is known, into which every later chunk is copied and unmasked in one pass
 * (`arriving-payload.ts`). Once it is out, the decoder returns to the fast path on what is left
 * of the last chunk. The header rules are in `frame-rules.ts`, the types in `frame-types.ts`.
 *
 * Ownership: fed chunks belong to the decoder. Masked payloads are unmasked in place, in the
 * caller's memory, and returned frames are views of it, so do not reuse a chunk's memory after
 * feeding it. A frame pins the chunk it was cut from until the frame is dropped. (A payload that
 * spans chunks is a copy, and the chunks it was copied from are left as they were.) Bytes valid
 * only for a moment go to `feedLent` instead, which copies out whatever outlives them.
 */
import { Buffer, constants as bufferConstants } from 'node:buffer';
import { UsageError } from '../../errors.js';
import { ByteQueue } from '../bytes/byte-queue.js';
import { largeBuffer } from '../bytes/large-buffers.js';
import { NEED_DATA, type NeedData } from '../need-data.js';
import { ArrivingPayload } from './arriving-payload.js';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Frame,
  type FrameDecoderOptions,
  type PendingFrameHeader,
} from './frame-types.js';
import { checkHeader, payloadTooBig, readLength64 } from './frame-rules.js';
import { type Opcode } from './opcodes.js';
import { unmaskOwned, unmaskWords } from './payload-unmask.js';
import { FastBuffer, WORD_MASK_MIN, unmaskSmall } from './views.js';
import { WASM_INPLACE_MASK_MIN, WASM_MASK_MIN, wasmUnmaskCopy } from './wasm-mask.js';

export { DEFAULT_MAX_PAYLOAD_BYTES };
export type { Frame, FrameDecoderOptions, PendingFrameHeader };

/** Shared by every decoder whose bytes all came in whole frames: never pushed to. */
const NO_QUEUE = new ByteQueue();

/** A lent read up to this size is copied whole (Buffer.from takes it from the pool). */
const LENT_COPY_WHOLE_MAX = 4096;

const EMPTY_AB = new ArrayBuffer(0);

/**
 * The frame of header byte `b0` with `payload`, off the fast path (`next()` builds its own, the
 * same shape, inline).
 */
function frameOf(b0: number, payload: Buffer, masked: boolean): Frame {
  return {
    fin: b0 >= 0x80,
    rsv1: (b0 & 0x40) !== 0,
    opcode: (b0 & 0x0f) as Opcode,
    payload,
    masked,
  };
}

/**
 * Decodes WebSocket frames from a byte stream.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder({ role: 'server' });
 * socket.on('data', (chunk) => {
 *   decoder.feed(chunk);
 *   for (let f = decoder.next(); f !== NEED_DATA; f = decoder.next()) handleFrame(f);
 * });
 * ```
 */
export class FrameDecoder {
  /** The MASK bit a valid frame has: 0x80 for a server, 0 for a client. */
  readonly #maskBit: number;
  readonly #maxPayloadBytes: number;
  readonly #allowRsv1: boolean;

  /** Fast path: the chunk being read in place, or null. While set, #queue is empty. */
  #chunk: Buffer | null = null;
  #pos = 0;
  /** The chunk's memory and where the chunk starts in it, read once per chunk. */
  #ab: ArrayBufferLike = EMPTY_AB;
  #base = 0;
  /** The chunk is lent ({@link feedLent}): payloads that outlive the call are copied out. */
  #lent = false;

  /**
   * Slow path: the header of a frame that straddles chunks while it is incomplete, and bytes
   * that arrived after the current frame's payload.
   */
  #queue: ByteQueue = NO_QUEUE;
  /** The frame whose payload straddles chunks, once its header is known; else null. */
  #arrival: ArrivingPayload | null = null;
  /** The mask key of a frame read on the slow path; made on first use. */
  #key: Uint8Array | null = null;

  constructor(options: FrameDecoderOptions) {
    this.#maskBit = options.role === 'server' ? 0x80 : 0;
    const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!(max >= 0)) {
      throw new UsageError(`maxPayloadBytes must be a number ≥ 0, not ${max}`, {
        code: 'ERR_INVALID_OPTION',
      });
    }
    this.#maxPayloadBytes = Math.min(max, bufferConstants.MAX_LENGTH);
    this.#allowRsv1 = options.allowRsv1 ?? false;
  }

  /**
   * Hands a chunk of received bytes to the decoder, which owns them from now on: masked payloads
   * are unmasked in place and frames are views of the chunk. Call {@link next} until it returns
   * {@link NEED_DATA} before feeding more, to stay on the fast path (feeding earlier is correct,
   * only slower).
   */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const current = this.#chunk;
    if (current !== null) {
      this.#releaseChunk();
      this.#queued().push(current.subarray(this.#pos));
      this.#queued().push(buf);
    } else if (this.#arrival !== null && this.#queue.length === 0) {
      // A frame's payload is arriving: copy it straight into place. Nothing is returned from
      // here; next() hands the frame out once it is whole.
      const took = this.#arrival.fill(buf, 0);
      if (took < buf.length) this.#queued().push(took === 0 ? buf : buf.subarray(took));
    } else if (this.#arrival !== null || this.#queue.length !== 0) {
      this.#queued().push(buf);
    } else {
      this.#setChunk(buf);
    }
  }

  /**
   * Hands over bytes that stay valid only until {@link releaseLent} (a read in a buffer the
   * next read overwrites). Frames are parsed in place; what outlives the read is copied: each
   * payload a frame returns (unmasked as it is copied: one pass), except a single-frame text or
   * close payload, which the caller decodes at once; and the bytes of a frame still arriving.
   * Call {@link next} until {@link NEED_DATA}, then {@link releaseLent}.
   */
  feedLent(chunk: Buffer): void {
    if (chunk.length === 0) return;
    // A small read (small frames, most likely) is copied whole, from the pool: one copy and no
    // allocation per frame, which beats copying each payload out.
    if (chunk.length <= LENT_COPY_WHOLE_MAX) {
      this.feed(Buffer.from(chunk));
      return;
    }
    if (this.#chunk === null && this.#arrival === null) {
      if (this.#queue.length === 0) {
        this.#setChunk(chunk);
        this.#lent = true;
        return;
      }
    } else if (this.#arrival !== null && this.#queue.length === 0) {
      // A payload arriving: copied straight into place (unmasked as it goes), the rest kept.
      const took = this.#arrival.fill(chunk, 0);
      if (took < chunk.length) this.#queued().push(Buffer.from(chunk.subarray(took)));
      return;
    }
    this.releaseLent();
    this.feed(Buffer.from(chunk));
  }

  /**
   * Copies what is left of a lent chunk (see {@link feedLent}) to memory of the decoder's own:
   * after this the lent bytes may be overwritten. Nothing to do when {@link next} has returned
   * {@link NEED_DATA}.
   */
  releaseLent(): void {
    const c = this.#chunk;
    if (c === null || !this.#lent) return;
    const rest = Buffer.from(c.subarray(this.#pos));
    this.#releaseChunk();
    this.#queued().push(rest);
  }

  /** The queue of the slow path, made on first use (most connections never need one). */
  #queued(): ByteQueue {
    if (this.#queue === NO_QUEUE) this.#queue = new ByteQueue();
    return this.#queue;
  }

  #setChunk(buf: Buffer): void {
    this.#chunk = buf;
    this.#pos = 0;
    this.#ab = buf.buffer;
    this.#base = buf.byteOffset;
  }

  /**
   * Returns the next whole frame, or {@link NEED_DATA}. Throws {@link ProtocolError} (with
   * `closeCode` 1002, or 1009 for a payload above `maxPayloadBytes`) as soon as a header breaks
   * a rule; the decoder is then unusable (calling again throws again).
   */
  next(): Frame | NeedData {
    const c = this.#chunk;
    if (c === null) return this.#slowNext();
    const pos = this.#pos;
    const end = c.length;
    if (end - pos < 2) return this.#toSlow(c, pos);
    const b0 = c[pos];
    const b1 = c[pos + 1];
    // Common case in one test: RSV bits clear, opcode 0–2, MASK bit as the role wants.
    if ((b0 & 0x7f) > 2 || (b1 & 0x80) !== this.#maskBit)
      checkHeader(b0, b1, this.#maskBit, this.#allowRsv1);
    let length = b1 & 0x7f;
    let start = pos + 2;
    if (length === 126) {
      if (end - pos < 4) return this.#toSlow(c, pos);
      length = (c[pos + 2] << 8) | c[pos + 3];
      start = pos + 4;
    } else if (length === 127) {
      if (end - pos < 10) return this.#toSlow(c, pos);
      length = readLength64(c, pos + 2);
      start = pos + 10;
    }
    if (length > this.#maxPayloadBytes) payloadTooBig(length, this.#maxPayloadBytes);
    const masked = b1 >= 0x80;
    if (masked) start += 4;
    const stop = start + length;
    if (stop > end) {
      if (start > end) return this.#toSlow(c, pos);
      return this.#arrive(c, b0, start - pos, start, length, masked);
    }
    const ab = this.#ab;
    const base = this.#base;
    // Lent: a payload that outlives the read is copied; a single-frame text message or a close
    // is decoded by the caller at once, so its view is enough.
    if (this.#lent && length !== 0 && b0 !== 0x81 && b0 !== 0x88) {
      return this.#copyOut(c, b0, start, stop, masked);
    }
    if (masked && length !== 0) {
      if (length < WORD_MASK_MIN) unmaskSmall(c, start, stop);
      else if (length >= WASM_INPLACE_MASK_MIN && wasmUnmaskCopy !== null) {
        wasmUnmaskCopy(
          c,
          start,
          c,
          start,
          length,
          c[start - 4],
          c[start - 3],
          c[start - 2],
          c[start - 1],
        );
      } else unmaskWords(c, ab, base, start, stop);
    }
    if (stop === end) this.#releaseChunk();
    else this.#pos = stop;
    return {
      fin: b0 >= 0x80,
      rsv1: (b0 & 0x40) !== 0,
      opcode: (b0 & 0x0f) as Opcode,
      payload: new FastBuffer(ab, base + start, length),
      masked,
    };
  }

  /**
   * The frame at `start…stop` of a lent chunk, its payload copied out: unmasked as it is copied
   * when long enough for WebAssembly, else unmasked in place and copied.
   */
  #copyOut(c: Buffer, b0: number, start: number, stop: number, masked: boolean): Frame {
    const length = stop - start;
    // largeBuffer, as for a payload that straddles reads: from 16 KiB on, the first one keeps
    // the heap reserve whether or not a frame ever straddled.
    const payload = largeBuffer(length);
    if (masked && length >= WASM_MASK_MIN && wasmUnmaskCopy !== null) {
      wasmUnmaskCopy(
        c,
        start,
        payload,
        0,
        length,
        c[start - 4],
        c[start - 3],
        c[start - 2],
        c[start - 1],
      );
    } else {
      if (masked) {
        if (length < WORD_MASK_MIN) unmaskSmall(c, start, stop);
        else unmaskWords(c, this.#ab, this.#base, start, stop);
      }
      c.copy(payload, 0, start, stop);
    }
    if (stop === c.length) this.#releaseChunk();
    else this.#pos = stop;
    return frameOf(b0, payload, masked);
  }

  /**
   * Drops every reference to a chunk read to its end, so that an idle connection does not pin
   * the last chunk's memory (ws learned this the hard way: a 4-byte view pinned 64 KiB).
   */
  #releaseChunk(): void {
    this.#chunk = null;
    this.#ab = EMPTY_AB;
    this.#lent = false;
  }

  /**
   * Bytes received and not yet returned in a frame (a pending frame's header included): the
   * "frame buffer" of `ns_connchan status`.
   */
  get bufferedBytes(): number {
    const c = this.#chunk;
    const a = this.#arrival;
    return (
      (c === null ? 0 : c.length - this.#pos) +
      this.#queue.length +
      (a === null ? 0 : a.headerBytes + a.filled)
    );
  }

  /**
   * The header of a frame whose payload is still arriving, with its progress; `undefined` when
   * no header has been read without its frame. Meaningful after {@link next} returned
   * {@link NEED_DATA} (a header that has not fully arrived yet is not reported).
   *
   * @example
   * ```ts
   * if (decoder.next() === NEED_DATA) {
   *   const p = decoder.pendingHeader(); // e.g. { opcode: 2, fin: true, length: 65536, received: 8000 }
   * }
   * ```
   */
  pendingHeader(): PendingFrameHeader | undefined {
    const a = this.#arrival;
    if (a === null) return undefined;
    const length = a.length;
    return {
      opcode: (a.b0 & 0x0f) as Opcode,
      fin: a.b0 >= 0x80,
      length,
      received: Math.min(a.filled + this.#queue.length, length),
    };
  }

  /**
   * The payload bytes of a frame still arriving, as far as they have arrived (unmasked), with
   * the frame's first header byte; `undefined` when no frame is part-way through its payload.
   * Lets a caller judge a payload before it is whole (the receiver validates text as it comes).
   * The view is valid until the next `feed`.
   */
  arrivingPayload(): { b0: number; payload: Buffer } | undefined {
    const a = this.#arrival;
    if (a === null || a.filled === 0) return undefined;
    return { b0: a.b0, payload: a.soFar() };
  }

  /** True while a frame's payload is part-way in (cheap: one field). */
  get arriving(): boolean {
    return this.#arrival !== null;
  }

  /**
   * A whole header whose payload runs past the chunk: the payload gets its memory now and the
   * chunk's part of it is copied (unmasked) straight in, not queued first (for a lent chunk,
   * that saves a copy).
   */
  #arrive(
    c: Buffer,
    b0: number,
    hdrSize: number,
    start: number,
    length: number,
    masked: boolean,
  ): NeedData {
    const arrival = new ArrivingPayload(
      b0,
      hdrSize,
      length,
      masked ? this.#keyFrom(c, start - 4) : null,
    );
    this.#arrival = arrival;
    arrival.fill(c, start);
    this.#releaseChunk();
    return NEED_DATA;
  }

  /** The decoder's mask key, set from the 4 bytes at `buf[at]`. */
  #keyFrom(buf: Uint8Array, at: number): Uint8Array {
    const key = (this.#key ??= new Uint8Array(4));
    key[0] = buf[at];
    key[1] = buf[at + 1];
    key[2] = buf[at + 2];
    key[3] = buf[at + 3];
    return key;
  }

  /** Moves the rest of the fast-path chunk to the queue and continues on the slow path. */
  #toSlow(c: Buffer, pos: number): Frame | NeedData {
    const lent = this.#lent;
    this.#releaseChunk();
    this.#queued().push(lent ? Buffer.from(c.subarray(pos)) : pos === 0 ? c : c.subarray(pos));
    return this.#slowNext();
  }

  #slowNext(): Frame | NeedData {
    const q = this.#queue;
    let arrival = this.#arrival;
    if (arrival === null) {
      if (q.length < 2) return NEED_DATA;
      const b0 = q.byteAt(0);
      const b1 = q.byteAt(1);
      checkHeader(b0, b1, this.#maskBit, this.#allowRsv1);
      const len7 = b1 & 0x7f;
      const masked = b1 >= 0x80;
      const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (q.length < size) return NEED_DATA;
      // Peek, check, then skip: a header that fails leaves the state as it was.
      const h = q.peek(size);
      let length = len7;
      let at = 2;
      if (len7 === 126) {
        length = (h[2] << 8) | h[3];
        at = 4;
      } else if (len7 === 127) {
        length = readLength64(h, 2);
        at = 10;
      }
      if (length > this.#maxPayloadBytes) payloadTooBig(length, this.#maxPayloadBytes);
      const key = masked ? this.#keyFrom(h, at) : null;
      q.skip(size);
      if (q.length >= length) {
        const payload = q.consume(length);
        if (key !== null && length !== 0) unmaskOwned(payload, key);
        return this.#finish(b0, payload, masked);
      }
      // The payload is still arriving: give it its memory now (the length is within the limit).
      arrival = this.#arrival = new ArrivingPayload(b0, size, length, key);
    }
    if (!arrival.complete && q.length !== 0) arrival.fillFrom(q);
    if (!arrival.complete) return NEED_DATA;
    this.#arrival = null;
    return this.#finish(arrival.b0, arrival.take(), arrival.masked);
  }

  /** Returns the frame read on the slow path, and goes back to the fast path. */
  #finish(b0: number, payload: Buffer, masked: boolean): Frame {
    const q = this.#queue;
    if (q.length !== 0) {
      // Back to the fast path on what is left. That is usually the tail of one chunk; when the
      // caller fed several chunks without draining, they are joined once here (each byte is
      // joined at most once), rather than kept on the slow path frame after frame.
      const rest = q.drain();
      this.#setChunk(rest.length === 1 ? rest[0] : Buffer.concat(rest));
    }
    return frameOf(b0, payload, masked);
  }
}
