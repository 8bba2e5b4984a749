/**
 * Questions sent to other members that wait for their answer: one entry per request id, each
 * with its timeout, all rejected at once when the broker connection is lost.
 */
import type { ClusterAnswer } from './broker.js';
import { ClusterTimeoutError } from './errors.js';

interface Waiter {
  resolve(answer: ClusterAnswer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class PendingRequests {
  readonly #waiters = new Map<number, Waiter>();
  #next = 1;

  /** A fresh id and the promise of its answer, rejected after `timeoutMs`. */
  add(member: string, timeoutMs: number): { id: number; answer: Promise<ClusterAnswer> } {
    const id = this.#next++;
    const answer = new Promise<ClusterAnswer>((resolve, reject) => {
      // The timeout is judged after this turn's I/O, so that an answer already in the socket
      // after a stall of the event loop is taken rather than reported late.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (!this.#waiters.delete(id)) return; // answered in this turn
            reject(new ClusterTimeoutError(member, timeoutMs));
          }),
        timeoutMs,
      );
      this.#waiters.set(id, { resolve, reject, timer });
    });
    return { id, answer };
  }

  settle(id: number, answer: ClusterAnswer): void {
    const w = this.#waiters.get(id);
    if (w === undefined) return; // timed out already
    this.#waiters.delete(id);
    clearTimeout(w.timer);
    w.resolve(answer);
  }

  fail(id: number, err: Error): void {
    const w = this.#waiters.get(id);
    if (w === undefined) return;
    this.#waiters.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  }

  failAll(err: Error): void {
    for (const id of [...this.#waiters.keys()]) this.fail(id, err);
  }
}
