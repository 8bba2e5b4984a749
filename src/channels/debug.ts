/**
 * `debug channel ?level?` (NaviServer 5): 1 logs every send on the channel, 2 also copies every
 * byte sent to a file `OUT-<channel>-<random>` in the temporary directory. Returns the previous
 * level.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel } from './channel.js';
import { UsageError } from '../errors.js';
import { processState } from '../process-state.js';

interface DebugState {
  level: number;
  fd?: number;
  path?: string;
}

/** Per channel, one map per process (a channel may be made by another copy of connchan). */
const { states } = processState('channels/debug@1', () => ({
  states: new WeakMap<Channel, DebugState>(),
}));

/** The file level 2 writes to, or undefined. */
export function debugFile(channel: Channel): string | undefined {
  return states.get(channel)?.path;
}

/**
 * @example
 * ```ts
 * setDebugLevel(chan, 2); // later: readFileSync(debugFile(chan)!) holds every byte sent
 * ```
 */
export function setDebugLevel(channel: Channel, level?: number): number {
  const state = states.get(channel) ?? { level: 0 };
  const previous = state.level;
  if (level === undefined) return previous;
  if (!Number.isInteger(level) || level < 0 || level > 2) {
    throw new UsageError(`debug level must be 0, 1 or 2, not ${level}`, {
      code: 'ERR_CHAN_INVALID_DEBUG_LEVEL',
    });
  }
  if (state.fd !== undefined && level < 2) {
    closeSync(state.fd);
    state.fd = undefined;
  }
  if (level === 2 && state.fd === undefined) {
    state.path = join(tmpdir(), `OUT-${channel.name}-${randomBytes(4).toString('hex')}`);
    state.fd = openSync(state.path, 'a', 0o600);
  }
  state.level = level;
  states.set(channel, state);
  channel.setWriteTap(
    level === 0
      ? undefined
      : (bytes, accepted) => {
          console.debug(
            `connchan: channel ${channel.name} send ${accepted} bytes (send buffer ${channel.sendBuffer})`,
          );
          if (state.fd !== undefined) writeSync(state.fd, bytes);
        },
  );
  if (previous === 0) {
    channel.onGone(() => {
      if (state.fd !== undefined) closeSync(state.fd);
      state.fd = undefined;
    });
  }
  return previous;
}
