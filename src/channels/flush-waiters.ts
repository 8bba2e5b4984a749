/**
 * Writers waiting for a channel's send buffer to drain, each with its own deadline. One timer per
 * channel, armed only while it is not already pending: a bulk writer that flushes after every
 * chunk pays an array push, not a timer insert and removal per chunk (that was 3–6 % of a TLS
 * write loop's time).
 */
import { sendTimeoutError } from './errors.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  deadline: number;
  timeoutMs: number;
}

export class FlushWaiters {
  readonly #channelName: string;
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerDue = 0;

  constructor(channelName: string) {
    this.#channelName = channelName;
  }

  /** A promise settled by {@link releaseAll}, or rejected once `timeoutMs` have passed. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      this.#waiters.push({ resolve, reject, deadline, timeoutMs });
      // A pending timer due later than this deadline is moved up; one due earlier re-arms itself.
      if (this.#timer === undefined || this.#timerDue > deadline) this.#arm(deadline);
    });
  }

  /** The buffer drained (or the socket closed): every waiter goes on. */
  releaseAll(): void {
    const ws = this.#waiters;
    if (ws.length === 0) return;
    this.#waiters = [];
    for (const w of ws) w.resolve();
  }

  /** The bytes will never leave (a send timed out): every waiter fails with `err`. */
  rejectAll(err: Error): void {
    const ws = this.#waiters;
    this.#waiters = [];
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of ws) w.reject(err);
  }

  #arm(due: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, due - Date.now()));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    const left: Waiter[] = [];
    let next = Infinity;
    for (const w of this.#waiters) {
      if (w.deadline <= now) {
        w.reject(sendTimeoutError(this.#channelName, w.timeoutMs));
      } else {
        left.push(w);
        next = Math.min(next, w.deadline);
      }
    }
    this.#waiters = left;
    if (left.length > 0) this.#arm(next);
  }
}
