/**
 * A channel's send timeout (NaviServer's `-sendtimeout`): while the socket cannot take more bytes,
 * a timer runs; when `timeoutMs` pass and none of the queued bytes have left, the write "could
 * not proceed" and the channel fails. Bytes leaving (a slow but reading peer) re-arm it. One
 * timer per channel, and only while it is blocked: a channel that never blocks never pays for it.
 */
import type { ConnSocket } from '../io/conn-socket.js';

export class SendStall {
  #timer: NodeJS.Timeout | undefined;
  /** Bytes whose writes had completed when the timer was (re-)armed. */
  #left = 0;
  readonly #socket: ConnSocket;
  readonly #onStall: (timeoutMs: number) => void;

  constructor(socket: ConnSocket, onStall: (timeoutMs: number) => void) {
    this.#socket = socket;
    this.#onStall = onStall;
  }

  /** A write left bytes queued: start watching, unless already watching. */
  blocked(timeoutMs: number): void {
    if (this.#timer !== undefined || timeoutMs <= 0) return;
    this.#left = this.#socket.bytesWritten - this.#socket.writableLength;
    this.#timer = setTimeout(() => this.#check(timeoutMs), timeoutMs);
    this.#timer.unref();
  }

  /** The socket drained or closed: nothing to watch. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(timeoutMs: number): void {
    this.#timer = undefined;
    const queued = this.#socket.writableLength;
    if (queued === 0 || this.#socket.destroyed) return;
    if (this.#socket.bytesWritten - queued !== this.#left) {
      this.blocked(timeoutMs); // bytes left meanwhile: a slow reader, not a stalled one
      return;
    }
    this.#onStall(timeoutMs);
  }
}
