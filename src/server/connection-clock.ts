/**
 * The timing state of one server connection, checked by the server's sweep instead of a timer per
 * connection: which deadline runs (first head from accept, idle between requests, head from its
 * first byte) and when it expires, and whether the bytes waiting to be sent have stopped moving.
 */
import type { ConnSocket } from '../io/conn-socket.js';

/** No deadline runs (a request is being handled). */
export const T_NONE = 0;
/** Idle between requests: the keep-alive timeout. */
export const T_IDLE = 1;
/** A head has started arriving: the header timeout. */
export const T_HEADER = 2;
/** The first head, from accept (a TLS handshake included); silence gets no answer. */
export const T_FIRST = 3;

export class ConnectionClock {
  /** When the current deadline expires (ms since epoch), 0 for none. */
  deadline = 0;
  /** One of the `T_*`. */
  kind = T_NONE;
  /** Bytes sent as of the last check, and since when no more left (0: nothing waits). */
  #left = 0;
  #stallSince = 0;

  /** Starts the deadline `kind`, `ms` after `from`. */
  start(kind: number, from: number, ms: number): void {
    this.kind = kind;
    this.deadline = from + ms;
  }

  clear(): void {
    this.deadline = 0;
    this.kind = T_NONE;
  }

  expired(now: number): boolean {
    return this.deadline !== 0 && now >= this.deadline;
  }

  /**
   * True when bytes wait to be sent on `socket` and none has left for `timeoutMs`. Progress is
   * counted in bytes whose writes completed (`bytesWritten − writableLength`): it grows with every
   * finished write, whatever its size, and not at all for a client that reads nothing.
   */
  stalled(socket: ConnSocket, now: number, timeoutMs: number): boolean {
    const unsent = socket.writableLength;
    if (unsent === 0) {
      this.#stallSince = 0;
      return false;
    }
    const left = socket.bytesWritten - unsent;
    if (this.#stallSince === 0 || left !== this.#left) {
      this.#left = left;
      this.#stallSince = now;
      return false;
    }
    return now - this.#stallSince >= timeoutMs;
  }
}
