/**
 * Drives one registered callback of a channel (the contract is in channel-callback.ts): it
 * schedules level-triggered `r`/`w` calls, calls the function for any reason, applies its answer
 * and keeps its timeout. One driver per registration: replacing the callback replaces the
 * driver, so a timer or a scheduled call of the old one never reaches the new one.
 */
import type { Channel } from './channel.js';
import {
  CANCEL,
  KEEP,
  callbackAnswer,
  callbackFailure,
  type CallbackReason,
  type CallbackRegistration,
} from './channel-callback.js';

/** What a driver asks of its channel's private state (made by the channel, once per driver). */
export interface CallbackProbe {
  /** Unread bytes, or an end not yet delivered. */
  readable(): boolean;
  /** The socket takes more without waiting for a drain. */
  writable(): boolean;
  /** Counts reads, writes and arrivals: a callback that changed nothing is not called again. */
  progress(): number;
  /** This driver is still the channel's (not replaced or cleared meanwhile). */
  isCurrent(driver: CallbackDriver): boolean;
  /** The callback kept going: the channel leaves its table if its peer finished meanwhile. */
  settle(): void;
}

function runScheduled(driver: CallbackDriver): void {
  driver.dispatchScheduled();
}

function onTimeout(driver: CallbackDriver): void {
  driver.timedOut();
}

export class CallbackDriver {
  readonly registration: CallbackRegistration;
  #channel: Channel;
  #probe: CallbackProbe;
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;

  constructor(channel: Channel, registration: CallbackRegistration, probe: CallbackProbe) {
    this.#channel = channel;
    this.registration = registration;
    this.#probe = probe;
  }

  /** Whether an `e` (or other directly called reason) goes to the callback now. */
  hears(reason: 'e'): boolean {
    return this.registration.when.has(reason) && !this.registration.suspended;
  }

  /** Something changed: give the callback a turn of the event loop to look at it. */
  schedule(): void {
    const cb = this.registration;
    if (cb.suspended || cb.running || this.#scheduled || this.#channel.closed) return;
    // Only r and w are dispatched from here (e and x are called directly): a callback for
    // neither (a WebSocket's 'x') needs no turn of the event loop on every drain.
    const when = cb.when;
    if (!when.has('r') && !when.has('w')) return;
    this.#scheduled = true;
    setImmediate(runScheduled, this);
  }

  /** @internal the turn {@link schedule} asked for. */
  dispatchScheduled(): void {
    this.#scheduled = false;
    void this.#dispatch();
  }

  async #dispatch(): Promise<void> {
    const cb = this.registration;
    const probe = this.#probe;
    if (!probe.isCurrent(this) || cb.suspended || cb.running || this.#channel.closed) return;
    let reason: CallbackReason | undefined;
    if (cb.when.has('r') && probe.readable()) reason = 'r';
    else if (cb.when.has('w') && probe.writable()) reason = 'w';
    if (reason === undefined) return;
    const before = probe.progress();
    const result = await this.invoke(reason);
    // Level-triggered, but only while the callback makes progress (see channel-callback.ts).
    if (result === KEEP && probe.isCurrent(this) && probe.progress() !== before) this.schedule();
  }

  /** Calls the callback with `reason` and applies its answer. */
  async invoke(reason: CallbackReason): Promise<number> {
    const cb = this.registration;
    const name = this.#channel.name;
    cb.running = true;
    let result: number;
    try {
      result = callbackAnswer(await cb.fn(reason, name), cb, name);
    } catch (err) {
      result = callbackFailure(err, cb, reason, name);
    } finally {
      cb.running = false;
    }
    if (!this.#probe.isCurrent(this)) return result; // replaced or cleared meanwhile
    if (result === CANCEL) {
      this.#channel.close();
    } else if (result === KEEP) {
      this.armTimer();
      this.#probe.settle();
    } else {
      cb.suspended = true;
      this.#clearTimer();
    }
    return result;
  }

  /** Starts (or restarts) the callback's timeout, if it has one. */
  armTimer(): void {
    const timeoutMs = this.registration.timeoutMs;
    if (timeoutMs === undefined) return;
    if (this.#timer) this.#timer.refresh();
    else this.#timer = setTimeout(onTimeout, timeoutMs, this);
  }

  /** @internal the timeout passed: `t`, or a new wait while a call is still running. */
  timedOut(): void {
    this.#timer = undefined;
    if (!this.#probe.isCurrent(this)) return;
    const cb = this.registration;
    if (cb.running) this.armTimer();
    else if (!cb.suspended) void this.invoke('t');
  }

  /** The registration ends (replaced, cleared, or the channel left its table). */
  stop(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
