/**
 * A small concurrency limiter: at most N tasks run at once, the rest wait in FIFO order. zlib
 * work goes through one shared instance because many concurrent async zlib jobs fragment the
 * heap badly (websockets/ws#1202); ws settled on 10, and so do we.
 */
import { UsageError } from '../errors.js';

/** ws's default, kept for the same reason: it bounds thread-pool and heap pressure. */
export const DEFAULT_CONCURRENCY = 10;

export class Limiter {
  readonly #concurrency: number;
  #running = 0;
  #queue: (() => void)[] = [];
  /** Index of the next waiting task in #queue (avoids O(n) shift() under long queues). */
  #head = 0;

  /**
   * @param concurrency - how many tasks may run at once: a positive integer or `Infinity`.
   * @example
   * ```ts
   * const limiter = new Limiter(2);
   * const results = await Promise.all(urls.map((u) => limiter.run(() => fetch(u))));
   * ```
   */
  constructor(concurrency: number = DEFAULT_CONCURRENCY) {
    if (!(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency > 0))) {
      throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`, {
        code: 'ERR_INVALID_CONCURRENCY',
      });
    }
    this.#concurrency = concurrency;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Runs `task` as soon as fewer than N tasks are running and settles with its outcome. The
   * slot is freed however the task ends (value, rejection or synchronous throw).
   *
   * @example
   * ```ts
   * const out = await limiter.run(() => inflateSomething(buf));
   * ```
   */
  run<T>(task: () => T | PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.#running++;
        let result: Promise<T>;
        try {
          result = Promise.resolve(task());
        } catch (err) {
          result = Promise.reject(err);
        }
        result.then(
          (value) => {
            this.#release();
            resolve(value);
          },
          (err: unknown) => {
            this.#release();
            reject(err);
          },
        );
      };
      if (this.#running < this.#concurrency) start();
      else this.#queue.push(start);
    });
  }

  #release(): void {
    this.#running--;
    if (this.#head >= this.#queue.length) return;
    const next = this.#queue[this.#head++];
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    next();
  }
}
