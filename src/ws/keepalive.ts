/**
 * Keep-alive pings (tcllib `-keepalive` / `-ping`): a ping every interval; a peer that sent
 * nothing at all (no pong, no data) during a whole interval after a ping has timed out.
 *
 * "A whole interval" is one in which this process could listen: after a stall of the event
 * loop (a loaded machine, a long GC) the timer fires before the socket is read, so the verdict
 * waits for this turn's I/O, and a tick that comes late does not judge at all.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../errors.js';
import { parseTimeValue } from '../io/time-value.js';
import { toBuffer } from './send-types.js';

/** What the keep-alive needs from its connection. */
export interface KeepaliveHooks<T> {
  /** Still connected (pings only go out on a CONNECTED socket). */
  active(owner: T): boolean;
  ping(owner: T, payload: Buffer): void;
  timeout(owner: T): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * A `ping` option as a Buffer.
 *
 * @throws UsageError `ERR_INVALID_OPTION` over 125 bytes (a control frame's limit).
 */
export function pingPayload(ping: string | Uint8Array): Buffer {
  const p = typeof ping === 'string' ? Buffer.from(ping) : toBuffer(ping);
  if (p.length > 125) {
    throw new UsageError('a ping payload holds at most 125 bytes', {
      code: 'ERR_INVALID_OPTION',
    });
  }
  return p;
}

/** A `keepalive` option in ms: a number of seconds, or a time string such as `"250ms"`. */
export function keepaliveMs(keepalive: number | string): number {
  return typeof keepalive === 'number' ? keepalive * 1000 : parseTimeValue(keepalive, 'keepalive');
}

export class Keepalive<T = unknown> {
  /** Set by the connection on every received chunk: any traffic is a sign of life. */
  rx = false;
  /** Payload of the pings. */
  payload: Buffer = EMPTY;
  #ms = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When the last tick ran (performance.now()). */
  #lastTick = 0;
  #awaiting = false;
  readonly #hooks: KeepaliveHooks<T>;
  readonly #owner: T;

  constructor(hooks: KeepaliveHooks<T>, owner: T) {
    this.#hooks = hooks;
    this.#owner = owner;
  }

  /** The interval in ms; 0 when off. */
  get intervalMs(): number {
    return this.#ms;
  }

  /** Sets the interval (≤ 0: off) and restarts the timer. */
  set(ms: number): void {
    this.#ms = ms > 0 ? ms : 0;
    this.start();
  }

  start(): void {
    this.stop();
    if (this.#ms <= 0 || !this.#hooks.active(this.#owner)) return;
    this.#awaiting = false;
    this.#lastTick = performance.now();
    this.#timer = setInterval(this.#tick, this.#ms);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    if (!this.#hooks.active(this.#owner)) return;
    const now = performance.now();
    const late = now - this.#lastTick > this.#ms * 1.5;
    this.#lastTick = now;
    if (this.#awaiting && !this.rx) {
      // Late: this process was stalled, and the peer gets another interval of ours.
      if (!late) setImmediate(this.#judge);
      return;
    }
    this.#ping();
  };

  /** After this turn's I/O: a pong (or anything) read meanwhile keeps the peer alive. */
  readonly #judge = (): void => {
    if (this.#timer === undefined || !this.#hooks.active(this.#owner)) return;
    if (this.rx) {
      this.#ping();
      return;
    }
    this.stop();
    this.#hooks.timeout(this.#owner);
  };

  #ping(): void {
    this.rx = false;
    this.#awaiting = true;
    this.#hooks.ping(this.#owner, this.payload);
  }
}
