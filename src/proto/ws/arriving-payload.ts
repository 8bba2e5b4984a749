/**
 * The payload of a frame that straddles chunks, for the frame decoder. It gets its memory as
 * soon as the frame's header is known (`largeBuffer`: a large one is reused by glibc rather than
 * faulted in page by page), and every chunk that arrives is copied straight into it, unmasked as
 * it is copied: one copy and one unmask pass, nothing queued and concatenated at the end.
 */
import type { Buffer } from 'node:buffer';
import type { ByteQueue } from '../bytes/byte-queue.js';
import { largeBuffer } from '../bytes/large-buffers.js';
import { maskInPlace } from '../bytes/mask.js';
import { WASM_MASK_MIN, wasmUnmaskCopy } from './wasm-mask.js';

/**
 * A frame's payload gets memory for its whole declared length up front, up to this size; a
 * larger one gets this much and grows as its bytes arrive.
 */
const PREALLOCATE_MAX_BYTES = 8 * 1024 * 1024;

/** A payload part-way in: its frame's header, and the bytes so far (unmasked). */
export class ArrivingPayload {
  /** The frame's first header byte: FIN, RSV1 and opcode. */
  readonly b0: number;
  /** Size of the frame's header, already consumed (still counted as buffered). */
  readonly headerBytes: number;
  /** Declared payload length in bytes (within the decoder's limit). */
  readonly length: number;
  /** The mask key, or null for an unmasked frame. */
  readonly #key: Uint8Array | null;
  #payload: Buffer;
  #filled = 0;

  /** `key` is read as bytes arrive, so it must not change until the payload is whole. */
  constructor(b0: number, headerBytes: number, length: number, key: Uint8Array | null) {
    this.b0 = b0;
    this.headerBytes = headerBytes;
    this.length = length;
    this.#key = key;
    this.#payload = largeBuffer(Math.min(length, PREALLOCATE_MAX_BYTES));
  }

  get masked(): boolean {
    return this.#key !== null;
  }

  /** Payload bytes in so far. */
  get filled(): number {
    return this.#filled;
  }

  get complete(): boolean {
    return this.#filled === this.length;
  }

  /** The bytes in so far (unmasked), as a view valid until the next fill. */
  soFar(): Buffer {
    return this.#payload.subarray(0, this.#filled);
  }

  /** The whole payload; call once {@link complete}. */
  take(): Buffer {
    return this.#payload;
  }

  /**
   * Copies as much of `src[from…]` as the payload still needs, unmasking as it copies (the key
   * phase follows the payload position), and returns how many bytes it took.
   */
  fill(src: Buffer, from: number): number {
    const length = this.length;
    const filled = this.#filled;
    const avail = src.length - from;
    const take = avail < length - filled ? avail : length - filled;
    if (take === 0) return 0;
    let payload = this.#payload;
    if (filled + take > payload.length) payload = this.#grow(filled + take);
    const key = this.#key;
    if (key !== null && take >= WASM_MASK_MIN && wasmUnmaskCopy !== null) {
      const p = filled & 3;
      wasmUnmaskCopy(
        src,
        from,
        payload,
        filled,
        take,
        key[p],
        key[(p + 1) & 3],
        key[(p + 2) & 3],
        key[(p + 3) & 3],
      );
    } else {
      src.copy(payload, filled, from, from + take);
      if (key !== null) maskInPlace(payload.subarray(filled, filled + take), key, filled & 3);
    }
    this.#filled = filled + take;
    return take;
  }

  /** Moves queued bytes into the payload, putting back what lies beyond it. */
  fillFrom(q: ByteQueue): void {
    const rest = q.drain();
    let i = 0;
    while (i < rest.length) {
      const c = rest[i++];
      const took = this.fill(c, 0);
      if (took < c.length) {
        q.push(c.subarray(took));
        break;
      }
    }
    while (i < rest.length) q.push(rest[i++]);
  }

  /**
   * Enlarges the payload's memory to hold at least `need` bytes. Only frames declared larger
   * than {@link PREALLOCATE_MAX_BYTES} get here: their memory grows by doubling as bytes
   * actually arrive (amortised O(n)), so a header that lies about a huge length costs little.
   */
  #grow(need: number): Buffer {
    const old = this.#payload;
    const payload = largeBuffer(Math.min(this.length, Math.max(need, old.length * 2)));
    old.copy(payload, 0, 0, this.#filled);
    this.#payload = payload;
    return payload;
  }
}
