/**
 * What a {@link WebSocketConnection} is made from: the handshake's outcome and the options
 * (`WsConnectionInit`), their defaults, and the parts built from them (the frame receiver and
 * permessage-deflate) before the connection exists.
 */
import { Buffer } from 'node:buffer';
import type { Channel } from '../channels/channel.js';
import { PerMessageDeflate } from '../io/deflate.js';
import type { PerMessageDeflateAgreement } from '../proto/ws/permessage-deflate-params.js';
import { WsReceiver } from '../proto/ws/receiver.js';
import type { HeaderList } from '../proto/http1/headers.js';
import type { WsAnyHandler, WsConnectionOptions } from './types.js';

/** What creates a connection passes in (the handshake's outcome and the options). */
export interface WsConnectionInit<D = unknown> extends WsConnectionOptions {
  channel: Channel;
  role: 'server' | 'client';
  handler?: WsAnyHandler<D> | undefined;
  /** The agreed subprotocol. */
  protocol?: string | undefined;
  /** The agreed `Sec-WebSocket-Extensions` value ('' for none). */
  extensions?: string | undefined;
  /** The agreed permessage-deflate parameters, when compression was negotiated. */
  deflate?: PerMessageDeflateAgreement | undefined;
  /** The host name a client connected to (reported by `conninfo peername` and matched by `find`). */
  hostname?: string | undefined;
  /** The request path. */
  path?: string | undefined;
  /** The request's query string, without the `?` (parsed when asked for). */
  query?: string | undefined;
  /**
   * The opening request's headers (server side): our server's list, or a node:http request's
   * `rawHeaders` (`[name, value, …]`, made a list when asked for).
   */
  requestHeaders?: HeaderList | readonly string[] | undefined;
  /** Application data for the connection's lifetime (`conn.data`). */
  data?: D | undefined;
}

export const EMPTY = Buffer.alloc(0);
const DEFAULT_MAX_MESSAGE = 100 * 1024 * 1024;
const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;

/** The largest message (and frame payload) accepted, in bytes. */
export function maxMessageBytesOf(init: WsConnectionInit): number {
  return init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
}

/**
 * The throttle's watermarks `[high, low]` in bytes, or undefined when the policy is to close
 * (the default). The high mark defaults to a quarter of `maxBufferedBytes` (4 MiB): low enough
 * that a peer which does not read is stopped well before the hard bound, high enough that large
 * messages in flight both ways (an echo of 1 MiB messages) never pause reading; a high mark of
 * 64 KiB made such an echo half-duplex, at 0.6× the speed. It is at least the socket's own mark,
 * so that the socket's `drain` always comes once the buffer empties.
 */
export function throttleOf(
  init: WsConnectionInit,
  socketHighWater: number,
): readonly [high: number, low: number] | undefined {
  const p = init.backpressure;
  if (p === undefined || p === 'close') return undefined;
  const o = p === 'throttle' ? {} : p;
  const high = Math.max(o.highWaterBytes ?? maxBufferedOf(init) / 4, socketHighWater);
  const low = Math.min(o.lowWaterBytes ?? high / 4, high);
  // Connections of an endpoint share their marks (read only): not a pair per connection.
  const last = lastThrottle;
  if (last !== undefined && last[0] === high && last[1] === low) return last;
  return (lastThrottle = [high, low]);
}

let lastThrottle: readonly [high: number, low: number] | undefined;

/** The send-buffer bound (`maxBufferedBytes`), in bytes. */
export function maxBufferedOf(init: WsConnectionInit): number {
  return init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
}

/** The frame receiver for the role; RSV1 is allowed only when compression was negotiated. */
export function makeReceiver(
  role: 'server' | 'client',
  maxMessageBytes: number,
  deflated: boolean,
): WsReceiver {
  return new WsReceiver({
    role,
    maxPayloadBytes: maxMessageBytes,
    maxMessageBytes,
    allowRsv1: deflated,
  });
}

/** permessage-deflate with the agreed parameters, or undefined when it was not negotiated. */
export function makeDeflate(
  init: WsConnectionInit,
  maxMessageBytes: number,
): PerMessageDeflate | undefined {
  if (init.deflate === undefined) return undefined;
  return new PerMessageDeflate(init.deflate, init.role, {
    maxMessageBytes,
    threshold: init.deflateThreshold,
  });
}
