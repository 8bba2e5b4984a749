/**
 * Keep-alive pings (tcllib `-keepalive` / `-ping`): a ping every interval; a peer that sent
 * nothing at all (no pong, no data) during a whole interval after a ping has timed out.
 *
 * No timer per connection: connections with the same interval share one sweep, a timer that
 * ticks {@link KEEPALIVE_TICKS} times per interval and asks every connection (the registry's)
 * whether its turn has come; a member keeps its interval, the tick of its next turn and two
 * flags (numbers: no object, timer or set entry of its own). So 10,000 idle WebSockets cost one
 * timer, and a connection starts and stops its keep-alive by counting, instead of arming and
 * clearing a timer. A ping goes out up to an eighth of the interval late.
 *
 * "A whole interval" is one in which this process could listen: after a stall of the event
 * loop (a loaded machine, a long GC) the timer fires before the sockets are read, so a sweep
 * runs after this turn's I/O (one `setImmediate` per tick, not per connection), and a tick that
 * comes late pings but judges no one.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../errors.js';
import { parseTimeValue } from '../io/time-value.js';
import { toBuffer } from './send-types.js';

/** Ticks of a sweep per interval: a member's turn comes every this many ticks. */
export const KEEPALIVE_TICKS = 8;

/** Flags of a member: something arrived since the last ping; a ping is awaiting its answer. */
export const KA_RX = 1;
export const KA_AWAITING = 2;

/** What a sweep asks of its kind of member (one object of functions for all of them). */
export interface KeepaliveHooks<T> {
  /** Everything that may be a member (the sweep for `ms` skips those of other intervals). */
  members(): Iterable<T>;
  /**
   * The sweep for `ms` is at `tick`: a member of that interval whose turn it is acts. `judge` is
   * false on a late tick (this process was stalled): no member times out on it.
   */
  tick(owner: T, ms: number, tick: number, judge: boolean): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * A `ping` option as a Buffer (the shared empty buffer for an empty one).
 *
 * @throws UsageError `ERR_INVALID_OPTION` over 125 bytes (a control frame's limit).
 */
export function pingPayload(ping: string | Uint8Array): Buffer {
  if (ping.length === 0) return EMPTY;
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

/**
 * What a member does when its turn comes, from its flags: `-1` when the peer has timed out (a
 * ping awaited an answer and nothing arrived since), else the new flags (a ping goes out).
 *
 * @example
 * ```ts
 * keepaliveTurn(0); // KA_AWAITING: ping
 * keepaliveTurn(KA_AWAITING); // -1: nothing came back
 * keepaliveTurn(KA_AWAITING | KA_RX); // KA_AWAITING: alive, ping again
 * ```
 */
export function keepaliveTurn(flags: number): number {
  if ((flags & KA_AWAITING) !== 0 && (flags & KA_RX) === 0) return -1;
  return KA_AWAITING;
}

class Sweep<T> {
  /** Members of this interval: the timer stops with the last. */
  count = 0;
  tick = 0;
  /** When the timer last fired (performance.now()), to tell a late tick. */
  lastFired = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly hooks: KeepaliveHooks<T>,
    readonly ms: number,
  ) {
    this.#timer = setInterval(sweepAfterIo, Math.max(1, ms / KEEPALIVE_TICKS), this);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** The timer's callback: the sweep itself waits for this turn's I/O (pongs already received). */
function sweepAfterIo<T>(sweep: Sweep<T>): void {
  const now = performance.now();
  const late = now - sweep.lastFired > (sweep.ms / KEEPALIVE_TICKS) * 1.5 + 20;
  sweep.lastFired = now;
  setImmediate(runSweep, sweep, !late);
}

function runSweep<T>(sweep: Sweep<T>, judge: boolean): void {
  if (sweep.count === 0) return;
  const tick = ++sweep.tick;
  const hooks = sweep.hooks;
  const ms = sweep.ms;
  for (const m of hooks.members()) hooks.tick(m, ms, tick, judge);
}

/** Sweeps by kind of member (its hooks) and interval, made on first use. */
const sweeps = new Map<KeepaliveHooks<never>, Map<number, Sweep<never>>>();

function sweepsOf<T>(hooks: KeepaliveHooks<T>): Map<number, Sweep<T>> {
  let byMs = sweeps.get(hooks as KeepaliveHooks<never>) as Map<number, Sweep<T>> | undefined;
  if (byMs === undefined) {
    byMs = new Map();
    sweeps.set(hooks as KeepaliveHooks<never>, byMs as Map<number, Sweep<never>>);
  }
  return byMs;
}

/**
 * Counts a member in the sweep for `ms` (started with its first) and returns the tick of its
 * first turn (one interval from now; always > 0). A member joins once and leaves once.
 */
export function joinKeepalive<T>(ms: number, hooks: KeepaliveHooks<T>): number {
  const byMs = sweepsOf(hooks);
  let sweep = byMs.get(ms);
  if (sweep === undefined) {
    sweep = new Sweep(hooks, ms);
    byMs.set(ms, sweep);
  }
  sweep.count++;
  return sweep.tick + KEEPALIVE_TICKS;
}

/** Counts a member out of the sweep for `ms`; the sweep's timer stops with its last member. */
export function leaveKeepalive<T>(ms: number, hooks: KeepaliveHooks<T>): void {
  const byMs = sweepsOf(hooks);
  const sweep = byMs.get(ms);
  if (sweep === undefined) return;
  if (--sweep.count === 0) {
    sweep.stop();
    byMs.delete(ms);
  }
}
