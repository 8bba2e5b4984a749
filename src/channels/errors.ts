/** Errors of the channel layer. Each names the channel and says what was wrong. */
import { ConnchanError } from '../errors.js';
import { TimeoutError } from '../io/errors.js';

/** A channel name that is not (or no longer) in the table. */
export class ChannelNotFoundError extends ConnchanError {
  readonly channel: string;
  constructor(name: string, server?: string) {
    super(
      server === undefined
        ? `channel "${name}" does not exist`
        : `channel "${name}" does not exist in server "${server}"`,
      { code: 'ERR_CHAN_NOT_FOUND' },
    );
    this.channel = name;
  }
}

/** An operation the channel's state does not allow: write after close, read after EOF, … */
export class ChannelStateError extends ConnchanError {
  readonly channel: string;
  constructor(name: string, message: string, code: string) {
    super(`channel "${name}": ${message}`, { code });
    this.channel = name;
  }
}

/** A send or receive on the socket failed; `errno` is the system's symbolic name (EPIPE, …). */
export class ChannelIoError extends ConnchanError {
  readonly channel: string;
  readonly errno: string | undefined;
  constructor(name: string, op: 'send' | 'receive', cause: NodeJS.ErrnoException) {
    super(`channel "${name}" ${op} operation failed: ${cause.message}`, {
      code: op === 'send' ? 'ERR_CHAN_SEND_FAILED' : 'ERR_CHAN_RECV_FAILED',
      cause,
    });
    this.channel = name;
    this.errno = cause.code;
  }
}

/** A read that waited `timeoutMs` and got nothing. */
export function receiveTimeoutError(name: string, timeoutMs: number): TimeoutError {
  return new TimeoutError(`channel "${name}" timeout on receive operation (${timeoutMs} ms)`, {
    code: 'ERR_CHAN_RECV_TIMEOUT',
    timeoutMs,
  });
}

/** A flush that waited `timeoutMs` and the send buffer did not drain. */
export function sendTimeoutError(name: string, timeoutMs: number): TimeoutError {
  return new TimeoutError(`channel "${name}" timeout on send operation (${timeoutMs} ms)`, {
    code: 'ERR_CHAN_SEND_TIMEOUT',
    timeoutMs,
  });
}
