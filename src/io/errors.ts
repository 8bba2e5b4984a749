/**
 * Errors of the I/O layer: connecting, TLS, timeouts. Each says what was tried and what
 * happened, and keeps the system error as `cause`.
 */
import { ConnchanError } from '../errors.js';

/** Connecting failed: refused, unknown host, unreachable, TLS handshake failure. */
export class ConnectError extends ConnchanError {
  readonly host: string;
  readonly port: number;
  constructor(
    message: string,
    options: { code: string; host: string; port: number; cause?: unknown },
  ) {
    super(message, options);
    this.host = options.host;
    this.port = options.port;
  }
}

/** Something took longer than its timeout allowed. `timeoutMs` says how long that was. */
export class TimeoutError extends ConnchanError {
  readonly timeoutMs: number;
  constructor(message: string, options: { code: string; timeoutMs: number; cause?: unknown }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The operation was aborted through an AbortSignal. */
export class AbortError extends ConnchanError {
  constructor(message = 'the operation was aborted', cause?: unknown) {
    super(message, { code: 'ERR_ABORTED', cause });
  }
}

/** Maps a Node system error from connect() to a ConnectError with a plain-words message. */
export function connectErrorFrom(
  err: NodeJS.ErrnoException,
  host: string,
  port: number,
): ConnectError {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new ConnectError(`connection to ${where} refused`, {
        code: 'ERR_CONNECT_REFUSED',
        host,
        port,
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectError(`host "${host}" not found`, {
        code: 'ERR_UNKNOWN_HOST',
        host,
        port,
        cause: err,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectError(`${where} is unreachable`, {
        code: 'ERR_CONNECT_UNREACHABLE',
        host,
        port,
        cause: err,
      });
    default:
      if (
        typeof err.code === 'string' &&
        /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(err.code)
      ) {
        return new ConnectError(`TLS handshake with ${where} failed: ${err.message}`, {
          code: 'ERR_TLS_HANDSHAKE',
          host,
          port,
          cause: err,
        });
      }
      return new ConnectError(`connecting to ${where} failed: ${err.message}`, {
        code: 'ERR_CONNECT_FAILED',
        host,
        port,
        cause: err,
      });
  }
}
