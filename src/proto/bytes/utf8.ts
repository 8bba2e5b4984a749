/**
 * UTF-8 validation. Whole buffers go to `buffer.isUtf8` (simdutf inside Node); short ones are
 * checked by a JS loop with an ASCII fast path, since the native call costs more than the work
 * for a few bytes. {@link Utf8StreamValidator} validates a message that arrives in fragments and
 * fails at the fragment holding the first invalid byte, as RFC 6455 §8.1 asks ("fail fast").
 */
import { isUtf8 as nativeIsUtf8 } from 'node:buffer';

const NATIVE_THRESHOLD = 24;

/** True when `buf` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
export function isValidUtf8(buf: Uint8Array): boolean {
  const n = buf.length;
  if (n >= NATIVE_THRESHOLD) return nativeIsUtf8(buf);
  let i = 0;
  while (i < n && buf[i] < 0x80) i++;
  if (i === n) return true;
  return validPrefixLength(buf, i, n) === n;
}

/**
 * Returns how many bytes from `start` form complete, valid sequences, stopping at the first
 * invalid or incomplete one. Used on short inputs and on the seams between fragments.
 */
function validPrefixLength(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = sequenceLength(b);
    if (need === 0 || i + need > end) return i;
    if (!validContinuation(buf, i, need)) return i;
    i += need;
  }
  return i;
}

/** Length of the sequence a lead byte starts, or 0 for a byte that cannot lead. */
function sequenceLength(b: number): number {
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Range of the byte after a lead byte (Unicode Table 3-7), which rules out overlongs and surrogates. */
function secondByteOk(lead: number, b: number): boolean {
  if (lead === 0xe0) return b >= 0xa0 && b <= 0xbf;
  if (lead === 0xed) return b >= 0x80 && b <= 0x9f;
  if (lead === 0xf0) return b >= 0x90 && b <= 0xbf;
  if (lead === 0xf4) return b >= 0x80 && b <= 0x8f;
  return b >= 0x80 && b <= 0xbf;
}

/** Checks the `count - 1` bytes after the lead at `i` that are present in `buf`. */
function validContinuation(buf: Uint8Array, i: number, count: number, available = count): boolean {
  if (available > 1 && !secondByteOk(buf[i], buf[i + 1])) return false;
  for (let k = 2; k < available; k++) {
    const c = buf[i + k];
    if (c < 0x80 || c > 0xbf) return false;
  }
  return true;
}

/**
 * How many bytes at the end of `buf[0..end)` are the start of a sequence that is not finished
 * yet (0–3). Those bytes are not judged yet: the next fragment may complete them.
 */
function incompleteTailLength(buf: Uint8Array, end: number): number {
  for (let back = 1; back <= 3 && back <= end; back++) {
    const b = buf[end - back];
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const need = sequenceLength(b);
      return need > back ? back : 0;
    }
  }
  return 0;
}

/**
 * Validates a text message fragment by fragment. `push` returns false as soon as a fragment
 * holds a byte that no continuation could make valid; `end` returns false when the message
 * stops inside a sequence.
 *
 * @example
 * ```ts
 * const v = new Utf8StreamValidator();
 * if (!v.push(fragment1) || !v.push(fragment2) || !v.end()) closeWith(1007);
 * ```
 */
export class Utf8StreamValidator {
  /** Bytes of an unfinished sequence carried over from the previous fragment. */
  /** The start of a sequence cut by a chunk boundary; made on first use. */
  #carry: Uint8Array | null = null;
  #carryLength = 0;

  /** Validates one fragment; false means the message is invalid whatever follows. */
  push(chunk: Uint8Array): boolean {
    let start = 0;
    if (this.#carryLength > 0) {
      const carry = this.#carry as Uint8Array;
      const need = sequenceLength(carry[0]);
      const take = Math.min(need - this.#carryLength, chunk.length);
      carry.set(chunk.subarray(0, take), this.#carryLength);
      this.#carryLength += take;
      if (!validContinuation(carry, 0, need, this.#carryLength)) return false;
      if (this.#carryLength < need) return true;
      this.#carryLength = 0;
      start = take;
    }
    const tail = incompleteTailLength(chunk, chunk.length);
    const bodyEnd = chunk.length - tail;
    if (bodyEnd > start) {
      const body = chunk.subarray(start, bodyEnd);
      if (!isValidUtf8(body)) return false;
    }
    if (tail > 0) {
      // A tail that starts with a valid lead byte may still be doomed (e.g. E0 80).
      if (!validContinuation(chunk, bodyEnd, sequenceLength(chunk[bodyEnd]), tail)) return false;
      (this.#carry ??= new Uint8Array(4)).set(chunk.subarray(bodyEnd), 0);
      this.#carryLength = tail;
    }
    return true;
  }

  /** Ends the message: true when it did not stop inside a sequence. Resets for the next one. */
  end(): boolean {
    const ok = this.#carryLength === 0;
    this.#carryLength = 0;
    return ok;
  }

  /** Forgets any carried bytes (after an error, or for the next message). */
  reset(): void {
    this.#carryLength = 0;
  }
}
