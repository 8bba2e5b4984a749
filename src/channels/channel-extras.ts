/**
 * What few channels use, kept apart from the channel and made on first use: the last errors,
 * timeouts changed by a callback, the send-stall watch, a pending read, a write tap, shutdown
 * hooks and flush waiters. A channel that carries a quiet WebSocket never makes one; each field
 * would otherwise cost every channel 8 bytes.
 */
import type { ConnchanError } from '../errors.js';
import type { FlushWaiters } from './flush-waiters.js';
import type { SendStall } from './send-stall.js';

export class ChannelExtras {
  lastSendError = '';
  lastRecvError = '';
  /** The connection's failure, if it failed: reads past the buffered bytes report it. */
  error: NodeJS.ErrnoException | ConnchanError | undefined;
  /** Set by a callback's options; undefined: the channel's limits. */
  receiveTimeoutMs: number | undefined;
  sendTimeoutMs: number | undefined;
  sendStall: SendStall | undefined;
  readWaiter: (() => void) | undefined;
  writeTap: ((bytes: Uint8Array, accepted: number) => void) | undefined;
  shutdownHooks: (() => void | Promise<void>)[] | undefined;
  flushWaiters: FlushWaiters | undefined;
}

/** The channel's state bits (one number instead of a field each). */
export const F_EOF = 1;
export const F_EOF_DELIVERED = 2;
/** Closed or destroyed by its owner: every further operation is an error. */
export const F_CLOSED = 4;
/** Out of the table (closed, or the peer finished and everything was read). */
export const F_GONE = 8;
export const F_SOCKET_CLOSED = 16;
export const F_PAUSED = 32;
