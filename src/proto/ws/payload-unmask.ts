/**
 * Unmasking a frame's payload in place, for the frame decoder: the fast path's payloads inside a
 * fed chunk (through word views shared by every decoder) and whole payloads taken from the slow
 * path's queue. Unmasking while copying, for payloads that straddle chunks, is in
 * `arriving-payload.ts`.
 */
import type { Buffer } from 'node:buffer';
import { maskInPlace } from '../bytes/mask.js';
import { LONG_MASK_MIN, maskRange } from './views.js';
import { WASM_INPLACE_MASK_MIN, wasmMaskCopy } from './wasm-mask.js';

const EMPTY_AB = new ArrayBuffer(0);

/**
 * Word views over the memory of the chunk being unmasked, made once per buffer and shared by
 * every decoder (decoding is synchronous: one chunk at a time), so that a decoder keeps no views
 * of its own and pins no chunk's memory once it has read it.
 */
let viewsOf: ArrayBufferLike = EMPTY_AB;
let words: Int32Array = new Int32Array(EMPTY_AB);
let longs: BigInt64Array | null = null;

/**
 * Unmasks `c[start…stop]` in place a word at a time, with the key in the 4 bytes before
 * `start`. `ab` and `base` are `c`'s memory and where `c` starts in it.
 */
export function unmaskWords(
  c: Buffer,
  ab: ArrayBufferLike,
  base: number,
  start: number,
  stop: number,
): void {
  if (viewsOf !== ab) {
    words = new Int32Array(ab, 0, ab.byteLength >>> 2);
    longs = null;
    viewsOf = ab;
  }
  if (longs === null && stop - start >= LONG_MASK_MIN) {
    longs = new BigInt64Array(ab, 0, ab.byteLength >>> 3);
  }
  maskRange(
    c,
    base,
    words,
    longs,
    start,
    stop,
    c[start - 4],
    c[start - 3],
    c[start - 2],
    c[start - 1],
  );
}

/** Unmasks a whole payload the decoder owns (taken from its queue) in place with `key`. */
export function unmaskOwned(payload: Buffer, key: Uint8Array): void {
  const length = payload.length;
  if (length >= WASM_INPLACE_MASK_MIN && wasmMaskCopy !== null) {
    wasmMaskCopy(payload, 0, payload, 0, length, key[0], key[1], key[2], key[3]);
  } else if (length < LONG_MASK_MIN) maskInPlace(payload, key, 0);
  else {
    // A large payload: views over its memory cost little next to the 64-bit loop they allow.
    const ab = payload.buffer;
    maskRange(
      payload,
      payload.byteOffset,
      new Int32Array(ab, 0, ab.byteLength >>> 2),
      new BigInt64Array(ab, 0, ab.byteLength >>> 3),
      0,
      length,
      key[0],
      key[1],
      key[2],
      key[3],
    );
  }
}
