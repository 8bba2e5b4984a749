/**
 * Sending one message to many WebSockets: the frame is encoded once and the same bytes are
 * written to every server-side endpoint (client endpoints mask per frame, so they get their
 * own). Broadcast frames go out uncompressed even where permessage-deflate was agreed, which
 * RFC 7692 allows per message: encoding once beats compressing once per socket.
 */
import { Buffer } from 'node:buffer';
import { encodeFrame, encodeFrameMerged } from '../proto/ws/frame-encoder.js';
import type { Opcode } from '../proto/ws/opcodes.js';
import type { WebSocketConnection } from './connection.js';
import { toOpcode } from './send-types.js';
import { lookup } from './registry.js';

/** What {@link broadcast} did. */
export interface BroadcastResult {
  /** Endpoints the message was written to (or queued for). */
  sent: number;
  /** Endpoints skipped: closing, mid-fragment, unknown, or over their send-buffer bound. */
  skipped: number;
}

/**
 * Sends one text or binary message to every endpoint in `socks` (handles or connections).
 * An endpoint whose send buffer would pass its `maxBufferedBytes` is skipped, or with
 * `onOverflow: 'close'` closed with 1008.
 *
 * @example
 * ```ts
 * broadcast(find(), 'text', JSON.stringify({ tick: Date.now() }));
 * ```
 */
export function broadcast(
  socks: Iterable<string | WebSocketConnection>,
  type: 'text' | 'binary' | number,
  msg: string | Uint8Array,
  options: { onOverflow?: 'skip' | 'close' } = {},
): BroadcastResult {
  const opcode = toOpcode(type);
  const payload =
    typeof msg === 'string'
      ? Buffer.from(msg)
      : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  const frames =
    payload.length <= 16 * 1024
      ? [encodeFrameMerged({ opcode: opcode as Opcode, payload })]
      : encodeFrame({ opcode: opcode as Opcode, payload });
  const size = frames.reduce((n, f) => n + f.length, 0);
  const fallback = { type: opcode, msg: payload };
  const closeOnOverflow = options.onOverflow === 'close';
  const result: BroadcastResult = { sent: 0, skipped: 0 };
  for (const s of socks) {
    let conn: WebSocketConnection;
    try {
      conn = lookup(s);
    } catch {
      result.skipped++;
      continue;
    }
    if (conn.sendEncoded(frames, size, fallback, closeOnOverflow) >= 0) result.sent++;
    else result.skipped++;
  }
  return result;
}
