/**
 * A queue of received chunks that hands out views, not copies. `consume(n)` returns a
 * `subarray` of the first chunk when the bytes lie in it, and copies only when a read spans
 * chunks. Parsers keep one of these and never concatenate on arrival.
 */
import { Buffer } from 'node:buffer';

const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  #chunks: Buffer[] = [];
  /** Index of the first live chunk in #chunks (avoids shift() on every consume). */
  #first = 0;
  /** Offset of the first unread byte in the first live chunk. */
  #offset = 0;
  #length = 0;

  /** Unread bytes in the queue. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk. The queue keeps a reference: do not reuse the chunk's memory afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.#chunks.push(buf);
    this.#length += buf.length;
  }

  /** The byte at position `i` from the read position (caller checks `i < length`). */
  byteAt(i: number): number {
    let idx = this.#first;
    let pos = i + this.#offset;
    for (;;) {
      const c = this.#chunks[idx];
      if (pos < c.length) return c[pos];
      pos -= c.length;
      idx++;
    }
  }

  /** Reads and removes `n` bytes: a view when they sit in one chunk, else a fresh copy. */
  consume(n: number): Buffer {
    if (n === 0) return EMPTY;
    if (n > this.#length)
      throw new RangeError(`consume(${n}) with only ${this.#length} bytes queued`);
    const c = this.#chunks[this.#first];
    const avail = c.length - this.#offset;
    if (n <= avail) {
      const view = c.subarray(this.#offset, this.#offset + n);
      this.#advance(n, avail);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.#copyOut(out, n);
    return out;
  }

  /** Like {@link consume} but leaves the bytes in the queue. */
  peek(n: number): Buffer {
    if (n === 0) return EMPTY;
    if (n > this.#length) throw new RangeError(`peek(${n}) with only ${this.#length} bytes queued`);
    const c = this.#chunks[this.#first];
    if (n <= c.length - this.#offset) return c.subarray(this.#offset, this.#offset + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    for (let idx = this.#first, off = this.#offset; written < n; idx++, off = 0) {
      const chunk = this.#chunks[idx];
      const take = Math.min(chunk.length - off, n - written);
      out.set(chunk.subarray(off, off + take), written);
      written += take;
    }
    return out;
  }

  /** Drops `n` bytes without returning them. */
  skip(n: number): void {
    if (n > this.#length) throw new RangeError(`skip(${n}) with only ${this.#length} bytes queued`);
    while (n > 0) {
      const c = this.#chunks[this.#first];
      const avail = c.length - this.#offset;
      const take = Math.min(avail, n);
      this.#advance(take, avail);
      n -= take;
    }
  }

  /**
   * Position of the first occurrence of `needle` at or after `from`, or -1. Parsers pass the
   * position they searched up to last time, so a header that drips in byte by byte is scanned
   * once in all (h11's lesson), not once per chunk.
   */
  indexOf(needle: Uint8Array, from = 0): number {
    if (this.#length - from < needle.length) return -1;
    const c = this.#chunks[this.#first];
    if (this.#chunks.length - this.#first === 1) {
      const at = c.indexOf(needle, this.#offset + from);
      return at < 0 ? -1 : at - this.#offset;
    }
    // Rare: the needle may straddle chunks. Compare byte by byte over the span.
    const last = this.#length - needle.length;
    outer: for (let i = from; i <= last; i++) {
      for (let k = 0; k < needle.length; k++) {
        if (this.byteAt(i + k) !== needle[k]) continue outer;
      }
      return i;
    }
    return -1;
  }

  /** Removes and returns everything queued, as the original chunks (first one trimmed). */
  drain(): Buffer[] {
    if (this.#length === 0) return [];
    const out = this.#chunks.slice(this.#first);
    out[0] = out[0].subarray(this.#offset);
    this.#chunks = [];
    this.#first = 0;
    this.#offset = 0;
    this.#length = 0;
    return out;
  }

  #advance(n: number, avail: number): void {
    this.#length -= n;
    if (n === avail) {
      this.#first++;
      this.#offset = 0;
      if (this.#first === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#first = 0;
      } else if (this.#first > 32) {
        this.#chunks = this.#chunks.slice(this.#first);
        this.#first = 0;
      }
    } else {
      this.#offset += n;
    }
  }

  #copyOut(out: Buffer, n: number): void {
    let written = 0;
    while (written < n) {
      const c = this.#chunks[this.#first];
      const avail = c.length - this.#offset;
      const take = Math.min(avail, n - written);
      out.set(c.subarray(this.#offset, this.#offset + take), written);
      written += take;
      this.#advance(take, avail);
    }
  }
}
