/**
 * What connchan tells observers, on Node's `diagnostics_channel` (as undici does): a response
 * ended, a connection was detached, a channel left its table. A publish costs nothing while no
 * one subscribes, and the channels are named, so every copy of connchan in the process (ESM,
 * CommonJS, several installs) publishes to the same subscribers. `connchan serve --log-level
 * info` is built on them.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { DIAGNOSTICS, type ResponseMessage } from 'connchan';
 *
 * subscribe(DIAGNOSTICS.response, (m) => {
 *   const r = m as ResponseMessage;
 *   console.log(r.request.method, r.request.target, r.status, r.bytes, r.durationMs);
 * });
 * ```
 */
import { channel } from 'node:diagnostics_channel';
import type { HeaderList } from './proto/http1/headers.js';

/** The names of connchan's diagnostics channels. */
export const DIAGNOSTICS = Object.freeze({
  /** A server response ended: {@link ResponseMessage}. */
  response: 'connchan:server:response',
  /** A request's connection was detached into a channel: {@link DetachMessage}. */
  detach: 'connchan:server:detach',
  /** A channel or listener left its table (closed): {@link ChannelCloseMessage}. */
  channelClose: 'connchan:channel:close',
} as const);

/** The request a server message is about (an `HttpContext` is one). */
export interface RequestInfo {
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly target: string;
  readonly path: string;
  readonly version: '1.0' | '1.1';
  readonly headers: HeaderList;
  /** Client address (the forwarded one in reverse-proxy mode). */
  readonly peer: string;
  /** The driver (listener) it came in on. */
  readonly driver: string;
  /** When the request head was complete, ms since the epoch. */
  readonly startTime: number;
}

export interface ResponseMessage {
  /** The server's name. */
  server: string;
  request: RequestInfo;
  status: number;
  /** Bytes written for the response, head included. */
  bytes: number;
  /** From the complete request head to the end of the response. */
  durationMs: number;
}

export interface DetachMessage {
  server: string;
  /**
   * The request. Its `peer` is asked of the socket when first read: read it during the publish
   * (the channel may be gone later).
   */
  request: RequestInfo;
  /** The channel the connection became. */
  channel: string;
  durationMs: number;
}

export interface ChannelCloseMessage {
  readonly name: string;
  readonly server: string;
  readonly kind: string;
  readonly driver: string;
  /**
   * The client's address. Asked of the socket when first read, unless already known (the
   * application or a trusted proxy named it): read it during the publish, when the socket still
   * knows it ('' once it is gone, e.g. after a reset).
   */
  readonly peer: string;
  /** When the channel started, ms since the epoch. */
  readonly startTime: number;
  readonly sent: number;
  readonly received: number;
  readonly clientData: unknown;
}

/** @internal */
export const responseChannel = channel(DIAGNOSTICS.response);
/** @internal */
export const detachChannel = channel(DIAGNOSTICS.detach);
/** @internal */
export const channelCloseChannel = channel(DIAGNOSTICS.channelClose);
