/**
 * What a WebSocket adds to its channel's status in the channel table (its owner hooks' `status`): frame
 * and fragment buffers, state, role, subprotocol, extensions, message counts, buffered bytes
 * and the keep-alive interval.
 */
import type { WsReceiver } from '../proto/ws/receiver.js';
import type { WebSocketConnection } from './connection.js';

/** The status fields of one connection (its receiver and keep-alive are passed in: private). */
export function wsStatus(
  c: WebSocketConnection,
  receiver: WsReceiver,
  keepaliveMs: number,
): Record<string, unknown> {
  return {
    framebuffer: receiver.bufferedBytes,
    fragments: receiver.fragmentBytes,
    websocket: true,
    wsState: c.state,
    wsRole: c.role,
    protocol: c.protocol,
    extensions: c.extensions,
    messagesIn: c.messagesIn,
    messagesOut: c.messagesOut,
    bufferedAmount: c.bufferedAmount,
    keepaliveMs,
  };
}
