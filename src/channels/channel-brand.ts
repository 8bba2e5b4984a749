/**
 * How a channel is recognised across copies of connchan loaded in one process (an ESM and a
 * CommonJS copy each have their own `Channel` class, so `instanceof` cannot tell).
 */
import type { Channel } from './channel.js';

/** Marks channels of every copy of connchan in the process (see process-state.ts). */
export const CHANNEL_BRAND = Symbol.for('connchan.channel');

/**
 * Whether `value` is a channel, made by this copy of connchan or by another one loaded in the
 * process.
 *
 * @example
 * ```ts
 * if (isChannel(x)) x.write('hello');
 * ```
 */
export function isChannel(value: unknown): value is Channel {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [CHANNEL_BRAND]?: boolean })[CHANNEL_BRAND] === true
  );
}
