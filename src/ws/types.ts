/**
 * The shapes every part of `ws/` shares: the event union (rule 9 of the house: one union on
 * `type`, offered as a handler, as EventEmitter events and as an async iterable), the handler
 * signature of the tcllib manual (`handler sock type msg`), and the per-connection options.
 */
import type { Buffer } from 'node:buffer';
import type { TimeValue } from '../io/time-value.js';
import type { WebSocketConnection } from './connection.js';

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
 * its data (and with the connection as `this`). Exceptions it throws are logged and do not
 * close the socket. A handler that looks only at `sock` and `type` is a {@link WsShortHandler}.
 */
export type WsHandler = (...args: WsHandlerArgs) => void;

/**
 * A handler that takes only the socket handle and the event type: `(sock, type) => …`. (A
 * {@link WsHandler} narrows `msg` by `type`, which a two-parameter function cannot be checked
 * against, so the functions that take a handler accept this shape too.)
 */
export type WsShortHandler = (sock: string, type: WsEventType) => void;

/**
 * Per-event callbacks in Bun's shape (`websocket: { open, message, close }`), each given the
 * connection: what a server endpoint or a client can take instead of a tcllib handler. One
 * object serves every connection of an endpoint.
 *
 * @example
 * ```ts
 * const handlers: WsHandlers<{ user: string }> = {
 *   open(ws) { ws.send(`hello ${ws.data.user}`); },
 *   message(ws, data, isBinary) { ws.send(data, { binary: isBinary }); },
 *   close(ws, code, reason) { console.log(ws.data.user, 'left', code, reason); },
 * };
 * ```
 */
export interface WsHandlers<D = unknown> {
  /** The connection is open (first event); attach listeners or send here. */
  open?(ws: WebSocketConnection<D>): void;
  /** A whole message: text as a string (`isBinary` false), binary as a Buffer. */
  message?(ws: WebSocketConnection<D>, data: string | Buffer, isBinary: boolean): void;
  ping?(ws: WebSocketConnection<D>, data: Buffer): void;
  pong?(ws: WebSocketConnection<D>, data: Buffer): void;
  /** The connection failed (protocol error from the peer, overflow, timeout). */
  error?(ws: WebSocketConnection<D>, error: Error): void;
  /** The connection is closed (last event): the peer's code, 1005 without one, 1006 without a close frame. */
  close?(ws: WebSocketConnection<D>, code: number, reason: string): void;
}

/** Any of the three handler shapes: tcllib's, its two-parameter form, or Bun-style callbacks. */
export type WsAnyHandler<D = unknown> = WsHandler | WsShortHandler | WsHandlers<D>;

/**
 * The EventEmitter events of a connection and their arguments. The `ws` package's names come
 * first (`open`, `message` with `(data, isBinary)`, `close` with `(code, reason)` once the
 * connection is gone, `ping`, `pong`, `error`); the tcllib event types follow (`connect`,
 * `text`, `binary`, `disconnect`, `timeout`), and the peer's close frame (tcllib's `close`
 * event type) is `closeframe` here, since `close` has `ws`'s meaning on an EventEmitter.
 */
export interface WebSocketConnectionEvents {
  open: [];
  message: [data: string | Buffer, isBinary: boolean];
  close: [code: number, reason: string];
  ping: [data: Buffer];
  pong: [data: Buffer];
  error: [error: Error];
  /** The send buffer went below its high-water mark. */
  drain: [];
  connect: [data: undefined];
  text: [data: string];
  binary: [data: Buffer];
  closeframe: [info: WsCloseInfo];
  disconnect: [info: WsCloseInfo];
  timeout: [data: undefined];
  /** A handler threw (it is logged too; the connection goes on). */
  handlerError: [error: unknown];
}

/** Options of the `ws`-style `send(data, options)`. */
export interface WsSendOptions {
  /** Send as binary (true) or text (false). Default: text for a string, binary for bytes. */
  binary?: boolean | undefined;
  /** False: a fragment, more of the same message follows. Default true. */
  fin?: boolean | undefined;
}

/** What the `ws`-style `send` takes: a string (text) or bytes of any kind (binary). */
export type WsData = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** What to do with a connection whose peer reads more slowly than it is sent to. */
export interface WsThrottleOptions {
  /** Stop reading from the connection while its send buffer holds more. Default 64 KiB (at least the socket's own high-water mark). */
  highWaterBytes?: number | undefined;
  /** Read again once it holds this much or less. Default a quarter of `highWaterBytes`. */
  lowWaterBytes?: number | undefined;
}

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
  /**
   * What a peer that reads more slowly than it is sent to gets. `'close'` (default): sends
   * queue up to `maxBufferedBytes`, past it the connection closes with 1008. `'throttle'` (or
   * its watermarks): the connection stops reading from the peer while its send buffer is above
   * the high-water mark and reads again below the low one, so a client that sends fast and
   * reads slowly is slowed down by TCP instead of disconnected (an echo or request/response
   * endpoint); `maxBufferedBytes` stays the hard bound.
   */
  backpressure?: 'close' | 'throttle' | WsThrottleOptions | undefined;
}
