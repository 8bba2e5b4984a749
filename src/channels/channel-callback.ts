/**
 * The callback contract of ns_connchan, once for every channel.
 *
 * A callback is registered for some of the conditions r (readable), w (writable), e (error) and
 * x (server shutdown; always included, as in NaviServer) and is called with the reason, one of
 * those letters or t (timeout). What it returns decides what happens next:
 *
 *   0  CANCEL   the callback is cancelled and the channel closed (also: a thrown error)
 *   1  KEEP     the callback stays registered and fires again when a condition holds
 *   2  SUSPEND  no more events, the channel is kept, until a callback is registered again
 *
 * Readiness is level-triggered like poll(2), with one difference that avoids NaviServer's busy
 * loop: a callback that made no progress (read nothing for r, wrote nothing for w) is not called
 * again for the same condition until something new happens (more data, a drain, a write).
 * A timeout does not silently unregister the callback (NaviServer's bug): KEEP re-arms it.
 */
import { parseTimeValue, type TimeValue } from '../io/time-value.js';
import { UsageError } from '../errors.js';

export type CallbackCondition = 'r' | 'w' | 'e' | 'x';
export type CallbackReason = CallbackCondition | 't';

export const CANCEL = 0;
export const KEEP = 1;
export const SUSPEND = 2;
export type CallbackResult = typeof CANCEL | typeof KEEP | typeof SUSPEND;

/**
 * The function a channel calls back. It may be async; the channel waits for it before firing
 * again. It returns a {@link CallbackResult} (typed as number so that async functions returning
 * the constants infer without casts); anything else counts as CANCEL, with a warning.
 */
export type ChannelCallbackFn = (
  reason: CallbackReason,
  channelName: string,
) => number | Promise<number>;

export interface CallbackOptions {
  /** Maximum time between two events; when it passes, the callback gets `t`. */
  timeout?: TimeValue;
  /** Timeout for `read` on this channel (kept for later reads, as in NaviServer). */
  receiveTimeout?: TimeValue;
  /** Timeout for a buffered send to drain (kept for later writes). */
  sendTimeout?: TimeValue;
}

/** Parses `when` ("r", "rex", ["r","w"]…) into the set of conditions, with `x` always added. */
export function parseWhen(when: string | Iterable<CallbackCondition>): Set<CallbackCondition> {
  const letters = typeof when === 'string' ? [...when] : [...when];
  if (letters.length === 0 || letters.length > 4 || letters.some((c) => !'rwex'.includes(c))) {
    throw new UsageError(
      `invalid when specification: "${typeof when === 'string' ? when : letters.join('')}": should be one/more of r, w, e, or x`,
      { code: 'ERR_CHAN_INVALID_WHEN' },
    );
  }
  const set = new Set(letters as CallbackCondition[]);
  set.add('x');
  return set;
}

/** Parsed specifications by their text: registrations share them (they are never changed). */
const whenCache = new Map<string, ReadonlySet<CallbackCondition>>();

function parsedWhen(when: string): ReadonlySet<CallbackCondition> {
  let set = whenCache.get(when);
  if (set === undefined) {
    set = parseWhen(when);
    // Only the few valid spellings get here (parseWhen throws for the rest), so this stays small.
    whenCache.set(when, set);
  }
  return set;
}

/** The conditions in NaviServer's listing order, e.g. "rx". */
export function formatWhen(when: ReadonlySet<CallbackCondition>): string {
  return (['r', 'w', 'e', 'x'] as const).filter((c) => when.has(c)).join('');
}

/** What the registration holds; the channel drives it. */
export class CallbackRegistration {
  readonly fn: ChannelCallbackFn;
  readonly when: ReadonlySet<CallbackCondition>;
  readonly timeoutMs: number | undefined;
  suspended = false;
  /** A call is running (async callbacks): events wait for it. */
  running = false;

  constructor(
    fn: ChannelCallbackFn,
    when: string | Iterable<CallbackCondition>,
    options: CallbackOptions,
  ) {
    this.fn = fn;
    this.when = typeof when === 'string' ? parsedWhen(when) : parseWhen(when);
    this.timeoutMs =
      options.timeout === undefined ? undefined : parseTimeValue(options.timeout, 'timeout');
  }

  /** The name shown by `list`: the function's name, or "anonymous". */
  get displayName(): string {
    return this.fn.name || 'anonymous';
  }
}

/** Normalises what a callback returned; anything but 0/1/2 is treated as CANCEL. */
export function toCallbackResult(value: unknown): CallbackResult | undefined {
  return value === CANCEL || value === KEEP || value === SUSPEND ? value : undefined;
}

/** A callback's answer as a result: anything but 0/1/2 counts as CANCEL, with a warning. */
export function callbackAnswer(
  value: unknown,
  cb: CallbackRegistration,
  channelName: string,
): CallbackResult {
  const r = toCallbackResult(value);
  if (r === undefined) {
    console.warn(
      `connchan: callback ${cb.displayName} of channel ${channelName} returned ${String(value)}; treating it as 0 (cancel)`,
    );
  }
  return r ?? CANCEL;
}

/** A callback that threw (or rejected): a warning, and CANCEL (the channel is closed). */
export function callbackFailure(
  err: unknown,
  cb: CallbackRegistration,
  reason: CallbackReason,
  channelName: string,
): CallbackResult {
  console.warn(
    `connchan: callback ${cb.displayName} of channel ${channelName} failed (${reason}): ${String(err)}; closing the channel`,
  );
  return CANCEL;
}
