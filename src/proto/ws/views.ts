/**
 * Typed-array views for the frame codec (internal, not exported from the package): a cheap way
 * to make Buffer views, and masking loops that run over views made once per buffer instead of
 * once per frame: 32-bit words for most payloads, 64-bit words (BigInt64Array, which V8 compiles
 * to plain 64-bit loads and stores) for large ones. `maskInPlace` and `maskCopy` in
 * `bytes/mask.ts` are the general-purpose versions; these loops could move there.
 */
import { Buffer } from 'node:buffer';

/**
 * Node's own Buffer class (`Buffer[Symbol.species]`, what `subarray` constructs). Calling it
 * with a cached ArrayBuffer and offset makes a view for a third of the cost of `subarray`; ws
 * does the same.
 */
export const FastBuffer: new (ab: ArrayBufferLike, byteOffset: number, length: number) => Buffer =
  (Buffer as unknown as Record<symbol, typeof FastBuffer | undefined>)[Symbol.species] ??
  (function (ab: ArrayBufferLike, byteOffset: number, length: number) {
    return Buffer.from(ab as ArrayBuffer, byteOffset, length);
  } as unknown as typeof FastBuffer);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Below this many payload bytes a plain byte loop is as fast as the word loop. */
export const WORD_MASK_MIN = 16;

/** From this many payload bytes on, the 64-bit loop (and its views and BigInt key) pays off. */
export const LONG_MASK_MIN = 512;

/** The key byte for payload index `i` (key phase 0 at index 0). */
function keyByte(i: number, k0: number, k1: number, k2: number, k3: number): number {
  const p = i & 3;
  return p === 0 ? k0 : p === 1 ? k1 : p === 2 ? k2 : k3;
}

/** The key as one 32-bit word in memory order, for a word that starts at key phase `phase`. */
function wordKey(phase: number, k0: number, k1: number, k2: number, k3: number): number {
  const shift = phase * 8;
  if (LITTLE_ENDIAN) {
    const le = k0 | (k1 << 8) | (k2 << 16) | (k3 << 24);
    return shift === 0 ? le : (le >>> shift) | (le << (32 - shift));
  }
  const be = (k0 << 24) | (k1 << 16) | (k2 << 8) | k3;
  return shift === 0 ? be : (be << shift) | (be >>> (32 - shift));
}

/** The same key as a 64-bit word: both halves start at the same phase, so it is k32 twice. */
function longKey(k32: number): bigint {
  return BigInt.asIntN(64, BigInt(k32 >>> 0) * 0x100000001n);
}

/**
 * XORs `buf[start..stop)` in place with the key `k0 k1 k2 k3` (key phase 0 at `start`). `base`
 * is `buf.byteOffset`; `words` is an Int32Array over all of `buf.buffer` from offset 0, and
 * `longs` a BigInt64Array over the same (or null: then 32-bit words only).
 */
export function maskRange(
  buf: Uint8Array,
  base: number,
  words: Int32Array,
  longs: BigInt64Array | null,
  start: number,
  stop: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  let i = start;
  // Bytes up to a 4-aligned address (8-aligned when the 64-bit loop will run).
  const align = longs !== null && stop - start >= LONG_MASK_MIN ? 7 : 3;
  for (; i < stop && ((base + i) & align) !== 0; i++) buf[i] ^= keyByte(i - start, k0, k1, k2, k3);
  const k32 = wordKey((i - start) & 3, k0, k1, k2, k3);
  if (align === 7 && longs !== null) {
    const k64 = longKey(k32);
    const l0 = (base + i) >>> 3;
    let l = l0;
    const lEnd = l + ((stop - i) >>> 3);
    const lEnd8 = lEnd - 7;
    for (; l < lEnd8; l += 8) {
      longs[l] ^= k64;
      longs[l + 1] ^= k64;
      longs[l + 2] ^= k64;
      longs[l + 3] ^= k64;
      longs[l + 4] ^= k64;
      longs[l + 5] ^= k64;
      longs[l + 6] ^= k64;
      longs[l + 7] ^= k64;
    }
    for (; l < lEnd; l++) longs[l] ^= k64;
    i += (l - l0) * 8;
  }
  const w0 = (base + i) >>> 2;
  let w = w0;
  const wEnd = w + ((stop - i) >>> 2);
  const wEnd4 = wEnd - 3;
  for (; w < wEnd4; w += 4) {
    words[w] ^= k32;
    words[w + 1] ^= k32;
    words[w + 2] ^= k32;
    words[w + 3] ^= k32;
  }
  for (; w < wEnd; w++) words[w] ^= k32;
  // At most three bytes left.
  for (i += (w - w0) * 4; i < stop; i++) buf[i] ^= keyByte(i - start, k0, k1, k2, k3);
}

/**
 * Writes `src` masked with the key into `dst` at `at`, in one pass: 64-bit words are read from
 * `src`, XORed and written to `dst`. `dst` is a Uint8Array over all of `dstAb` from offset 0,
 * and `at` must be congruent to `src.byteOffset` modulo 8 (the caller places the payload so),
 * which lets both sides be read as aligned 64-bit words. For large payloads
 * (≥ {@link LONG_MASK_MIN} bytes): it makes two views.
 */
export function maskCopyLong(
  src: Uint8Array,
  dstAb: ArrayBufferLike,
  dst: Uint8Array,
  at: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  const n = src.length;
  const srcBase = src.byteOffset;
  let i = 0;
  for (; i < n && ((srcBase + i) & 7) !== 0; i++) dst[at + i] = src[i] ^ keyByte(i, k0, k1, k2, k3);
  const k64 = longKey(wordKey(i & 3, k0, k1, k2, k3));
  const srcAb = src.buffer;
  const from = new BigInt64Array(srcAb, 0, srcAb.byteLength >>> 3);
  const to = new BigInt64Array(dstAb, 0, dstAb.byteLength >>> 3);
  let s = (srcBase + i) >>> 3;
  let d = (at + i) >>> 3;
  const count = (n - i) >>> 3;
  const sEnd = s + count;
  const sEnd8 = sEnd - 7;
  for (; s < sEnd8; s += 8, d += 8) {
    to[d] = from[s] ^ k64;
    to[d + 1] = from[s + 1] ^ k64;
    to[d + 2] = from[s + 2] ^ k64;
    to[d + 3] = from[s + 3] ^ k64;
    to[d + 4] = from[s + 4] ^ k64;
    to[d + 5] = from[s + 5] ^ k64;
    to[d + 6] = from[s + 6] ^ k64;
    to[d + 7] = from[s + 7] ^ k64;
  }
  for (; s < sEnd; s++, d++) to[d] = from[s] ^ k64;
  for (i += count * 8; i < n; i++) dst[at + i] = src[i] ^ keyByte(i, k0, k1, k2, k3);
}

/**
 * Unmasks `buf[start..stop)` in place with the key in the 4 bytes before `start` (where a frame
 * header keeps it), byte by byte: for payloads below {@link WORD_MASK_MIN} bytes.
 */
export function unmaskSmall(buf: Uint8Array, start: number, stop: number): void {
  const k0 = buf[start - 4];
  const k1 = buf[start - 3];
  const k2 = buf[start - 2];
  const k3 = buf[start - 1];
  let i = start;
  const end4 = stop - ((stop - start) & 3);
  for (; i < end4; i += 4) {
    buf[i] ^= k0;
    buf[i + 1] ^= k1;
    buf[i + 2] ^= k2;
    buf[i + 3] ^= k3;
  }
  if (i < stop) buf[i++] ^= k0;
  if (i < stop) buf[i++] ^= k1;
  if (i < stop) buf[i] ^= k2;
}
