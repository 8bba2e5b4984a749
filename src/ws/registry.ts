/**
 * The process-wide index of live WebSockets by socket handle (their channel's name), which
 * tcllib's commands take as `sock`, and the library's log level (`loglevel`).
 */
import { UsageError } from '../errors.js';
import { processState } from '../process-state.js';
import type { WebSocketConnection } from './connection.js';
import { SlotMap } from '../io/slot-registry.js';

/** The log levels of the tcllib manual, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One registry and one log level per process, whichever copy of connchan asks. */
const shared = processState('ws/registry@2', () => ({
  // Not a Map: io/slot-registry.ts says why.
  bySock: new SlotMap<WebSocketConnection>(),
  /** The connection looked up last: a handler usually answers on the socket it was called for. */
  last: undefined as WebSocketConnection | undefined,
  level: 'error' as LogLevel,
}));
const bySock = shared.bySock;

/** @internal called by a connection when it starts and when it is gone. */
export function register(conn: WebSocketConnection): void {
  if (shared.last !== undefined && shared.last.name === conn.name) shared.last = undefined;
  bySock.set(conn.name, conn);
}

/** @internal */
export function unregister(conn: WebSocketConnection): void {
  if (shared.last === conn) shared.last = undefined;
  if (bySock.get(conn.name) === conn) bySock.delete(conn.name);
}

/** Every live WebSocket, in creation order. */
export function connections(): IterableIterator<WebSocketConnection> {
  return bySock.values();
}

/**
 * The connection a handle names: the connection itself, or its socket handle (channel name).
 *
 * @throws UsageError `ERR_WS_UNKNOWN_SOCKET` when no live WebSocket has that name.
 * @example
 * ```ts
 * lookup('conn3').send('text', 'hi');
 * ```
 */
export function lookup(sock: string | WebSocketConnection): WebSocketConnection {
  if (typeof sock !== 'string') return sock;
  const l = shared.last;
  if (l !== undefined && l.name === sock) return l;
  const conn = bySock.get(sock);
  if (conn === undefined) {
    throw new UsageError(`${JSON.stringify(sock)} is not a known WebSocket`, {
      code: 'ERR_WS_UNKNOWN_SOCKET',
    });
  }
  shared.last = conn;
  return conn;
}

/**
 * Sets or queries the library's log level (tcllib `loglevel`, default `error`). Messages at or
 * above the level go to `console.error` (warn and error) or `console.log` (the others).
 *
 * @example
 * ```ts
 * loglevel('debug');
 * loglevel(); // 'debug'
 * ```
 */
export function loglevel(newLevel?: LogLevel): LogLevel {
  if (newLevel !== undefined) {
    if (!LOG_LEVELS.includes(newLevel)) {
      throw new UsageError(`log level must be one of ${LOG_LEVELS.join(', ')}, not ${newLevel}`, {
        code: 'ERR_INVALID_OPTION',
      });
    }
    shared.level = newLevel;
  }
  return shared.level;
}

/** @internal logs `message` when `at` is at or above the current level. */
export function log(at: LogLevel, message: string): void {
  if (LOG_LEVELS.indexOf(at) < LOG_LEVELS.indexOf(shared.level)) return;
  if (at === 'warn' || at === 'error') console.error(`connchan ws [${at}] ${message}`);
  else console.log(`connchan ws [${at}] ${message}`);
}
