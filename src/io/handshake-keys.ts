/**
 * The two node:crypto pieces of the RFC 6455 opening handshake, kept out of the pure
 * `proto/ws/handshake.ts`: the client's random key and the server's accept value.
 */
import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';

/** The GUID RFC 6455 §1.3 appends to the key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * A fresh `Sec-WebSocket-Key`: 16 random bytes in base64 (24 characters).
 *
 * @example
 * ```ts
 * const key = generateKey();
 * socket.write(buildClientRequest({ host, path, key }));
 * ```
 */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The `Sec-WebSocket-Accept` value for a key: base64 of SHA-1(key + GUID) (RFC 6455 §4.2.2).
 *
 * @example
 * ```ts
 * acceptFor('dGhlIHNhbXBsZSBub25jZQ=='); // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
 * ```
 */
export function acceptFor(key: string): string {
  // The key is base64 (ASCII): its UTF-8 and Latin-1 bytes are the same.
  if (oneShotHash !== undefined) return oneShotHash('sha1', key + WEBSOCKET_GUID, 'base64');
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID, 'latin1')
    .digest('base64');
}

/**
 * `crypto.hash` (Node ≥ 20.12): one call, no Hash object, about twice as fast as
 * createHash/update/digest for a handshake key; undefined on older Node.
 */
const oneShotHash = (
  crypto as {
    hash?: (algorithm: string, data: string, outputEncoding: 'base64') => string;
  }
).hash;
