/**
 * RFC 6455 §7.4 close codes: which may travel on the wire, how a close frame's payload is read
 * and written, and the default reason texts of the tcllib `websocket` manual (`::websocket::close`).
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, UsageError } from '../../errors.js';
import { isValidUtf8 } from '../bytes/utf8.js';

/**
 * The registered close codes (RFC 6455 §7.4.1 and the IANA registry).
 *
 * @example
 * ```ts
 * encodeClosePayload(CloseCode.GOING_AWAY, 'shutting down');
 * ```
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Never on the wire: "the close frame had no status code". */
  NO_STATUS: 1005,
  /** Never on the wire: "the connection dropped without a close frame". */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** Never on the wire: "the TLS handshake failed". */
  TLS_HANDSHAKE: 1015,
} as const;

/** Longest reason that fits a control frame: 125 bytes of payload less the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * True when `code` may appear in a close frame: 1000–1003, 1007–1014 (1012–1014 are registered,
 * accepted as ws does) and 3000–4999 (libraries, frameworks, applications). Everything else,
 * including 1004, 1005, 1006 and 1015, is invalid on the wire.
 *
 * @example
 * ```ts
 * isValidWireCloseCode(1000); // true
 * isValidWireCloseCode(1005); // false: means "no status", never sent
 * ```
 */
export function isValidWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** What a close frame said. `code` is absent when the payload was empty (status 1005). */
export interface ClosePayload {
  code?: number;
  reason: string;
}

/**
 * Reads a close frame's payload (RFC 6455 §5.5.1). An empty payload has no code (the peer's
 * status is then 1005, "no status received"). Throws {@link ProtocolError} with close code 1002
 * for a 1-byte payload or a code that may not be sent, and 1007 for a reason that is not UTF-8.
 *
 * @example
 * ```ts
 * decodeClosePayload(Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])); // { code: 1000, reason: 'bye' }
 * decodeClosePayload(Buffer.alloc(0)); // { reason: '' }
 * ```
 */
export function decodeClosePayload(payload: Uint8Array): ClosePayload {
  const n = payload.length;
  if (n === 0) return { reason: '' };
  if (n === 1) {
    throw new ProtocolError('Invalid close frame: a 1-byte payload cannot hold a status code', {
      code: 'ERR_WS_INVALID_CLOSE_PAYLOAD',
      closeCode: 1002,
    });
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidWireCloseCode(code)) {
    throw new ProtocolError(`Invalid close frame: status code ${code} may not be sent`, {
      code: 'ERR_WS_INVALID_CLOSE_CODE',
      closeCode: 1002,
    });
  }
  if (n === 2) return { code, reason: '' };
  const raw = payload.subarray(2);
  if (!isValidUtf8(raw)) {
    throw new ProtocolError('Invalid close frame: the reason is not valid UTF-8', {
      code: 'ERR_WS_INVALID_UTF8',
      closeCode: 1007,
    });
  }
  return { code, reason: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8') };
}

/**
 * Writes a close frame's payload: the 2-byte code then the reason in UTF-8, cut to
 * {@link MAX_CLOSE_REASON_BYTES} bytes without splitting a character. Without a code the payload
 * is empty (a reason then needs a code). Throws {@link UsageError} for a code that may not be
 * sent (1005, 1006 and 1015 never may).
 *
 * @example
 * ```ts
 * encodeClosePayload(1001, 'Endpoint going away'); // <03 e9 45 6e 64 …>
 * encodeClosePayload(); // empty: a close frame without status
 * ```
 */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) {
    if (reason.length > 0) {
      throw new UsageError('A close reason needs a close code', {
        code: 'ERR_WS_INVALID_CLOSE_CODE',
      });
    }
    return Buffer.alloc(0);
  }
  if (!isValidWireCloseCode(code)) {
    throw new UsageError(`Close code ${code} may not be sent`, {
      code: 'ERR_WS_INVALID_CLOSE_CODE',
    });
  }
  let text = Buffer.from(reason, 'utf8');
  if (text.length > MAX_CLOSE_REASON_BYTES) {
    // Back up to the lead byte of the character that would straddle the limit. The encoding of a
    // JS string is always well-formed (lone surrogates become U+FFFD), so the prefix is too.
    let end = MAX_CLOSE_REASON_BYTES;
    while (end > 0 && (text[end] & 0xc0) === 0x80) end--;
    text = text.subarray(0, end);
  }
  const out = Buffer.allocUnsafe(2 + text.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  text.copy(out, 2);
  return out;
}

/**
 * The default reason texts of the tcllib `websocket` manual (`::websocket::close`), sent when a
 * close gives a code but no reason.
 */
const DEFAULT_REASONS: ReadonlyMap<number, string> = new Map([
  [1000, 'Normal closure'],
  [1001, 'Endpoint going away'],
  [1002, 'Protocol Error'],
  [1003, 'Received incompatible data type'],
  [1006, 'Abnormal closure'],
  [1007, 'Received data not consistent with type'],
  [1008, 'Policy violation'],
  [1009, 'Received message too big'],
  [1010, 'Missing extension'],
  [1011, 'Unexpected condition'],
  [1015, 'TLS handshake error'],
]);

/**
 * The reason text the tcllib `websocket` manual gives for a known code, or `''` for a code it
 * does not list (1012–1014, 3000–4999, …). 1006 and 1015 have texts for reporting a closure
 * locally, though they are never sent.
 *
 * @example
 * ```ts
 * defaultCloseReason(1000); // 'Normal closure'
 * defaultCloseReason(4000); // ''
 * ```
 */
export function defaultCloseReason(code: number): string {
  return DEFAULT_REASONS.get(code) ?? '';
}
