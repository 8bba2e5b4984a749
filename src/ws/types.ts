/**
 * The shapes every part of `ws/` shares: the event union (rule 9 of the house: one union on
 * `type`, offered as a handler, as EventEmitter events and as an async iterable), the handler
 * signature of the tcllib manual (`handler sock type msg`), and the per-connection options.
 */
import type { Buffer } from 'node:buffer';
import type { TimeValue } from '../io/time-value.js';

/** tcllib's `conninfo sock state`, plus `CLOSING` between the two close frames. */
export type WsState = 'CONNECTING' | 'CONNECTED' | 'CLOSING' | 'CLOSED';

/** How a connection ended or is ending: the close code and reason, and whether both close frames were exchanged. */
export interface WsCloseInfo {
  /** The peer's close code; 1005 when its close frame had none, 1006 when no close frame came. */
  code: number;
  reason: string;
  /** True when both close frames were exchanged (only meaningful on `disconnect`). */
  wasClean: boolean;
}

/** One event of a WebSocket, discriminated on `type` (the callback types of the tcllib manual). */
export type WsConnectionEvent =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Buffer }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'connect'; data: undefined }
  | { type: 'close'; data: WsCloseInfo }
  | { type: 'disconnect'; data: WsCloseInfo }
  | { type: 'timeout'; data: undefined }
  | { type: 'error'; data: Error };

/** The `type` of a {@link WsConnectionEvent}. */
export type WsEventType = WsConnectionEvent['type'];

/** The `msg` argument that goes with an event type. */
export type WsEventData<T extends WsEventType> = Extract<WsConnectionEvent, { type: T }>['data'];

/**
 * The handler's arguments as a union of tuples, so that TypeScript narrows `msg` when the
 * handler tests `type` (`if (type === 'text') msg.toUpperCase()`).
 */
export type WsHandlerArgs = {
  [T in WsEventType]: [sock: string, type: T, msg: WsEventData<T>];
}[WsEventType];

/**
 * The tcllib handler: called with the socket handle (the channel name), the event type and
 * its data. Exceptions it throws are reported with `console.error` and do not close the socket.
 */
export type WsHandler = (...args: WsHandlerArgs) => void;

/** Options of one WebSocket connection, whatever created it. */
export interface WsConnectionOptions {
  /**
   * Keep-alive ping interval (tcllib `-keepalive`): a number of **seconds** as in the manual, or
   * a time string (`"250ms"`, `"1.5"`). 0 or less turns it off. Default 30 s for servers, off
   * for clients.
   */
  keepalive?: number | string | undefined;
  /** Payload of the keep-alive pings (tcllib `-ping`). Default empty. */
  ping?: string | Buffer | undefined;
  /** Largest incoming message, compressed or inflated; bigger ones close with 1009. Default 100 MiB (as ws). */
  maxMessageBytes?: number | undefined;
  /**
   * Most bytes queued for sending (kernel-bound buffer plus messages waiting for the
   * compressor). A send that would go past it is refused (returns -1) and the connection is
   * closed with 1008 and an `error` event (`ERR_WS_BUFFER_OVERFLOW`). Default 16 MiB.
   */
  maxBufferedBytes?: number | undefined;
  /** How long `close` waits for the peer's close frame and end of TCP before cutting the connection. Default 5 s. */
  closeTimeout?: TimeValue | undefined;
  /** Messages smaller than this go out uncompressed even when permessage-deflate was agreed. Default 1024 bytes. */
  deflateThreshold?: number | undefined;
}
