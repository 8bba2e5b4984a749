/**
 * How a connection ends, kept apart from the connection and made only when it is needed: once a
 * close frame is sent or received, the connection fails, a send is refused, or someone waits
 * for `closed()` or `drained()`. A WebSocket that lives long and quietly never makes one, and
 * each of these fields would otherwise cost every idle connection 8 bytes.
 */
import type { WsSendRefusal } from './send-types.js';
import type { WsCloseInfo } from './types.js';

export class ConnectionEnd {
  /** Our close frame was sent (or queued behind what was accepted before it). */
  closeSent = false;
  /** The peer's close frame, once received. */
  received: { code: number; reason: string } | undefined;
  /** Set when we failed the connection (protocol error, overflow, timeout). */
  failCode: number | undefined;
  failReason = '';
  /** Why the last refused send was refused. */
  refusal: WsSendRefusal | undefined;
  /** The close information, once the connection is closed. */
  info: WsCloseInfo | undefined;
  #timer: NodeJS.Timeout | undefined;
  #drainWaiters: (() => void)[] | undefined;
  #closed: Promise<WsCloseInfo> | undefined;
  #resolveClosed: ((info: WsCloseInfo) => void) | undefined;

  /** Calls `fn(owner)` in `ms` (unless the process has nothing else to do), replacing any earlier wait. */
  arm<T>(ms: number, fn: (owner: T) => void, owner: T): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(fn, ms, owner);
    this.#timer.unref();
  }

  /** A promise of the close information (resolved at once when closed). */
  closed(): Promise<WsCloseInfo> {
    if (this.info !== undefined) return Promise.resolve(this.info);
    this.#closed ??= new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    return this.#closed;
  }

  /** A promise resolved by the next {@link releaseDrainWaiters}. */
  drained(): Promise<void> {
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined || waiters.length === 0) return;
    this.#drainWaiters = undefined;
    for (const w of waiters) w();
  }

  /** The connection is closed: no more waiting, and `closed()` resolves with `info`. */
  settle(info: WsCloseInfo): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.info = info;
    this.releaseDrainWaiters();
    this.#resolveClosed?.(info);
  }
}
