/**
 * Where a client connection's socket reads land (plain TCP; see `readBuffer` in io/dial). While
 * a large body of known length is being received, the next read goes straight into the buffer
 * the exchange keeps it in, up to exactly the body's end, so the body is not copied and no read
 * buffer is allocated per chunk. Otherwise reads go into a slab carved front to back, so that the
 * views handed out (head fields, small bodies) stay valid: no memory is lent twice.
 */

/** Smallest read: below this much room the slab is replaced (Node itself reads 64 KiB). */
const MIN_READ = 16 * 1024;
const SLAB_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class ReadBuffers {
  /** Set by the connection: the body region the next read should fill, if there is one. */
  target: (() => Buffer | undefined) | undefined = undefined;
  #slab: Buffer = EMPTY;
  #used = 0;
  /** The last read went into the slab (at #used). */
  #lent = false;

  /** For dial's `readBuffer`: called before every read, after the previous one was consumed. */
  readonly next = (filled: number): Buffer => {
    if (this.#lent) {
      this.#used += filled;
      this.#lent = false;
    }
    const t = this.target?.();
    if (t !== undefined && t.length > 0) return t;
    if (this.#slab.length - this.#used < MIN_READ) {
      this.#slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.#used = 0;
    }
    this.#lent = true;
    return this.#slab.subarray(this.#used);
  };
}
