/**
 * The closing handshake's pieces that need no connection state: which codes may be sent, the
 * close payloads (ours, the echo of the peer's), the code a failure closes with, the errors of
 * an overflow and a keep-alive timeout, the close information `disconnect` reports, and the
 * waits (close timeout, client linger).
 */
import { Buffer } from 'node:buffer';
import { ConnchanError, ProtocolError } from '../errors.js';
import { parseTimeValue } from '../io/time-value.js';
import { defaultCloseReason, encodeClosePayload } from '../proto/ws/close-codes.js';
import type { TimeValue } from '../io/time-value.js';
import type { WsCloseInfo } from './types.js';

const EMPTY = Buffer.alloc(0);
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
/** A client waits this long for the server to end TCP after the close frames were exchanged. */
export const CLIENT_LINGER_MS = 1000;

/** How long to wait for the peer's close frame after ours (`closeTimeout`), in ms. */
export function closeTimeoutMs(closeTimeout: TimeValue | undefined): number {
  return closeTimeout === undefined
    ? DEFAULT_CLOSE_TIMEOUT_MS
    : parseTimeValue(closeTimeout, 'closeTimeout');
}

/** 1005, 1006 and 1015 never travel in a close frame: closing with them cuts TCP at once. */
export function isUnsendableCode(code: number): boolean {
  return code === 1005 || code === 1006 || code === 1015;
}

/** Our close frame's payload: `code` and `reason` (default: the manual's text for the code). */
export function closePayload(code: number, reason: string | undefined): Buffer {
  return encodeClosePayload(code, reason ?? defaultCloseReason(code));
}

/**
 * The echoes of the codes nearly every close carries, made once: a payload is only ever copied
 * next to its frame header (frame-encoder.ts), never written to, so one buffer serves every
 * connection.
 */
const ECHO_1000 = encodeClosePayload(1000);
const ECHO_1001 = encodeClosePayload(1001);

/** The answer to the peer's close: its code echoed (RFC 6455 §5.5.1), none when it sent none. */
export function echoPayload(code: number): Buffer {
  if (code === 1000) return ECHO_1000;
  if (code === 1001) return ECHO_1001;
  return code === 1005 ? EMPTY : encodeClosePayload(code);
}

/** The close code a failure sends: a protocol error's own code, else 1011. */
export function failureCode(err: unknown): number {
  return err instanceof ProtocolError && err.closeCode !== undefined ? err.closeCode : 1011;
}

/** The error a sent message overflowed `maxBufferedBytes` with. */
export function overflowError(
  name: string,
  maxBuffered: number,
  queued: number,
  wanted: number,
): ConnchanError {
  return new ConnchanError(
    `WebSocket ${name}: send buffer over maxBufferedBytes (${maxBuffered} bytes; ` +
      `${queued} queued, ${wanted} more asked): the peer reads too slowly`,
    { code: 'ERR_WS_BUFFER_OVERFLOW' },
  );
}

/** The error of a peer that did not answer a keep-alive ping. */
export function keepaliveTimeoutError(name: string): ConnchanError {
  return new ConnchanError(`WebSocket ${name}: no answer to a keep-alive ping`, {
    code: 'ERR_WS_KEEPALIVE_TIMEOUT',
  });
}

/**
 * What `disconnect` reports: the peer's close code and reason when its close frame came (clean
 * when ours went out too and nothing failed), else 1006 with our failure's reason.
 */
export function closeInfoOf(
  received: { code: number; reason: string } | undefined,
  closeSent: boolean,
  failCode: number | undefined,
  failReason: string,
): WsCloseInfo {
  return received !== undefined
    ? {
        code: received.code,
        reason: received.reason,
        wasClean: closeSent && failCode === undefined,
      }
    : { code: 1006, reason: failReason, wasClean: false };
}
