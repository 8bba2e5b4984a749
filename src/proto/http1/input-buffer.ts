/**
 * The HTTP parsers' input: a contiguous window over the received bytes plus a queue of chunks
 * not yet looked at.
 *
 * Why not `ByteQueue`: a head must be searched for CRLFCRLF and turned into one latin1 string,
 * both of which want contiguous bytes, and ByteQueue's cross-chunk search walks byte by byte. Here
 * the common case (a chunk that holds whole heads) is searched and sliced in place with no copy;
 * only a head or a chunk-size line split across chunks is merged, into a scratch buffer that
 * grows by doubling and is only ever appended to (views handed out stay valid), so a head that
 * drips in byte by byte costs O(n), and a merge never copies more than the caller's limit.
 * Body bytes are never merged: they leave as views of the chunks they arrived in.
 */
import { Buffer } from 'node:buffer';

/** The bytes and byte patterns the head and body readers look for. */
export const CR = 0x0d;
export const LF = 0x0a;
export const CRLF = Buffer.from('\r\n', 'latin1');
export const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
export const LF_LF = Buffer.from('\n\n', 'latin1');
export const LF_CRLF = Buffer.from('\n\r\n', 'latin1');

const EMPTY = Buffer.alloc(0);

type Latin1Slicer = (buf: Buffer, start: number, end: number) => string;

// Buffer#latin1Slice skips toString's encoding dispatch; it is present in every Node we support
// but not typed, so it is looked up once with a fallback.
const latin1Slice: Latin1Slicer =
  typeof (Buffer.prototype as { latin1Slice?: unknown }).latin1Slice === 'function'
    ? (buf, start, end) =>
        (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/**
 * Internal to `proto/http1`: the byte source of the request and response parsers.
 *
 * @example
 * ```ts
 * const input = new InputBuffer();
 * input.push(Buffer.from('GET / HTTP/1.1\r\n'));
 * input.indexOf(Buffer.from('\r\n'), 0); // 14
 * ```
 */
export class InputBuffer {
  #buf: Buffer = EMPTY;
  #pos = 0;
  /** End of valid bytes in #buf (a scratch buffer has spare room after it). */
  #end = 0;
  /** #buf is a scratch buffer of ours: bytes may be appended after #end. */
  #owned = false;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Cached latin1 text of #buf from #textBase: pipelined heads in one chunk share it. */
  #text = '';
  #textBuf: Buffer = EMPTY;
  #textBase = 0;

  /** Bytes in the contiguous window. */
  get length(): number {
    return this.#end - this.#pos;
  }

  /** All unread bytes: the window plus the queue. */
  get total(): number {
    return this.#end - this.#pos + this.#queuedBytes;
  }

  /** Appends a chunk; kept by reference, so its memory must not be reused by the caller. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#pos === this.#end && this.#queue.length === 0) {
      this.#adopt(chunk);
    } else {
      this.#queue.push(chunk);
      this.#queuedBytes += chunk.length;
    }
  }

  /**
   * Brings the next queued chunk into the window. An empty window just adopts it (no copy);
   * otherwise at most `maxLength − length` of its bytes (at least one) are appended and the rest
   * stays queued. Returns false when the queue is empty.
   */
  pull(maxLength: number): boolean {
    if (this.#queue.length === 0) return false;
    const next = this.#queue.shift() as Buffer;
    this.#queuedBytes -= next.length;
    const have = this.#end - this.#pos;
    if (have === 0) {
      this.#adopt(next);
      return true;
    }
    let take = next.length;
    const room = maxLength - have;
    if (take > room) {
      take = room > 0 ? room : 1;
      this.#queue.unshift(next.subarray(take));
      this.#queuedBytes += next.length - take;
    }
    if (this.#owned && this.#buf.length - this.#end >= take) {
      next.copy(this.#buf, this.#end, 0, take);
      this.#end += take;
    } else {
      const size = have + take;
      const scratch = Buffer.allocUnsafe(Math.max(size * 2, 256));
      this.#buf.copy(scratch, 0, this.#pos, this.#end);
      next.copy(scratch, have, 0, take);
      this.#buf = scratch;
      this.#pos = 0;
      this.#end = size;
      this.#owned = true;
    }
    return true;
  }

  /** Position of `needle` in the window at or after `from`, or -1. */
  indexOf(needle: Buffer, from: number): number {
    const at = this.#buf.indexOf(needle, this.#pos + from);
    // A scratch buffer has stale bytes after #end: a match there does not count.
    return at < 0 || at + needle.length > this.#end ? -1 : at - this.#pos;
  }

  /** Position of `byte` in the window at or after `from`, or -1. */
  indexOfByte(byte: number, from: number): number {
    const at = this.#buf.indexOf(byte, this.#pos + from);
    return at < 0 || at >= this.#end ? -1 : at - this.#pos;
  }

  /** The byte at `i` in the window (caller checks `i < length`). */
  byteAt(i: number): number {
    return this.#buf[this.#pos + i];
  }

  /** Window bytes `[start, end)` as a latin1 string (one byte, one UTF-16 code unit). */
  latin1(start: number, end: number): string {
    return latin1Slice(this.#buf, this.#pos + start, this.#pos + end);
  }

  /**
   * The window as latin1 text, covering at least `min(length, maxLength)` bytes; the window
   * starts at index {@link textStart} of it. Reused while the same buffer is being read, so the
   * heads of pipelined requests that arrived together are converted once.
   */
  text(maxLength: number): string {
    const want = Math.min(this.#end, this.#pos + maxLength);
    if (
      this.#textBuf !== this.#buf ||
      this.#pos < this.#textBase ||
      this.#textBase + this.#text.length < want
    ) {
      this.#text = latin1Slice(this.#buf, this.#pos, want);
      this.#textBuf = this.#buf;
      this.#textBase = this.#pos;
    }
    return this.#text;
  }

  /** Where the window starts in the string last returned by {@link text}. */
  get textStart(): number {
    return this.#pos - this.#textBase;
  }

  /** Removes `n` bytes from the window and returns them as a view (no copy). */
  take(n: number): Buffer {
    const buf = this.#buf;
    const pos = this.#pos;
    this.#pos = pos + n;
    if (this.#pos === this.#end) this.#letGo();
    // A whole received chunk leaves as itself: no view to allocate.
    if (pos === 0 && n === buf.length) return buf;
    return buf.subarray(pos, pos + n);
  }

  /** Drops `n` bytes of the window. */
  skip(n: number): void {
    this.#pos += n;
    if (this.#pos === this.#end) this.#letGo();
  }

  /**
   * Every byte of the window has left: hold on to none of its memory. A received chunk may be a
   * view of a whole response body (read in place): kept here, it would stay reachable from an
   * idle connection's parser until the next message (and be promoted and left to a full GC).
   */
  #letGo(): void {
    if (this.#owned) return;
    this.#buf = this.#textBuf = EMPTY;
    this.#text = '';
    this.#pos = this.#end = 0;
  }

  /** Removes and returns every unread byte, window first, in order. */
  drain(): Buffer[] {
    const out: Buffer[] = [];
    if (this.#end > this.#pos) out.push(this.#buf.subarray(this.#pos, this.#end));
    for (const c of this.#queue) out.push(c);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#buf = this.#textBuf = EMPTY;
    this.#text = '';
    this.#pos = this.#end = 0;
    this.#owned = false;
    return out;
  }

  #adopt(chunk: Buffer): void {
    // A chunk fed again may hold new bytes in old memory: never trust text made from it.
    this.#textBuf = EMPTY;
    this.#text = '';
    this.#buf = chunk;
    this.#pos = 0;
    this.#end = chunk.length;
    this.#owned = false;
  }
}
