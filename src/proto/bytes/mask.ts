/**
 * RFC 6455 §5.3 masking: XOR with a 4-byte key. Done a 32-bit word at a time on the aligned
 * middle of the buffer, byte by byte only on the unaligned ends, since a per-byte JS loop is
 * what makes pure-JS WebSocket stacks slow on large frames.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Below this many bytes a plain byte loop beats setting up a word view. */
const WORD_THRESHOLD = 32;

/**
 * XORs `buf` in place with the 4-byte `key`, starting at key position `phase` (0–3). Returns the
 * phase for the byte after `buf`, so a payload that arrives in pieces can be unmasked piece by
 * piece.
 *
 * @example
 * ```ts
 * let phase = 0;
 * for (const piece of pieces) phase = maskInPlace(piece, key, phase);
 * ```
 */
export function maskInPlace(buf: Uint8Array, key: Uint8Array, phase = 0): number {
  const n = buf.length;
  if (n < WORD_THRESHOLD) {
    for (let i = 0; i < n; i++) buf[i] ^= key[(phase + i) & 3];
    return (phase + n) & 3;
  }
  // Byte loop until the address is 4-aligned.
  let i = 0;
  const misalign = buf.byteOffset & 3;
  const head = misalign === 0 ? 0 : 4 - misalign;
  for (; i < head; i++) buf[i] ^= key[(phase + i) & 3];
  const words = (n - i) >>> 2;
  const p = (phase + i) & 3;
  const k0 = key[p];
  const k1 = key[(p + 1) & 3];
  const k2 = key[(p + 2) & 3];
  const k3 = key[(p + 3) & 3];
  const k32 = LITTLE_ENDIAN
    ? k0 | (k1 << 8) | (k2 << 16) | (k3 << 24) | 0
    : (k0 << 24) | (k1 << 16) | (k2 << 8) | k3 | 0;
  const w = new Int32Array(buf.buffer, buf.byteOffset + i, words);
  for (let j = 0; j < words; j++) w[j] ^= k32;
  i += words << 2;
  for (; i < n; i++) buf[i] ^= key[(phase + i) & 3];
  return (phase + n) & 3;
}

/**
 * Writes `src` masked with `key` into `dst` at `dstOffset`. Copies first (a native memcpy) and
 * then masks the copy in place, so the word loop runs on our own buffer whatever the alignment
 * of `src`.
 */
export function maskCopy(
  src: Uint8Array,
  key: Uint8Array,
  dst: Uint8Array,
  dstOffset: number,
): void {
  dst.set(src, dstOffset);
  maskInPlace(dst.subarray(dstOffset, dstOffset + src.length), key, 0);
}

/** True when the key is all zeros, in which case masking is the identity and can be skipped. */
export function isZeroKey(key: Uint8Array): boolean {
  return (key[0] | key[1] | key[2] | key[3]) === 0;
}
