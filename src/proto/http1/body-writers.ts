/**
 * Chunked transfer coding, writing side (RFC 9112 §7.1). The data of a chunk is never copied:
 * a chunk is three buffers (size line, data, CRLF) for a vectored or corked write.
 */
import { Buffer } from 'node:buffer';
import { appendFields, type HeaderInit } from './writers.js';

const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Encodes one chunk as `[size line, data, CRLF]`; `data` itself is passed through, not copied.
 * Empty data gives `[]`: a zero-size chunk would end the body (use {@link lastChunk}).
 *
 * @example
 * ```ts
 * socket.cork();
 * for (const b of encodeChunk(Buffer.from('hello'))) socket.write(b); // 5\r\nhello\r\n
 * socket.uncork();
 * ```
 */
export function encodeChunk(data: Uint8Array): Buffer[] {
  const n = data.length;
  if (n === 0) return [];
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, n);
  return [Buffer.from(`${n.toString(16)}\r\n`, 'latin1'), body, CRLF];
}

/**
 * The last chunk, optional trailer fields, and the blank line that ends a chunked body. Trailer
 * names and values are validated like header fields (`UsageError` on CR/LF injection).
 *
 * @example
 * ```ts
 * socket.write(lastChunk());                            // 0\r\n\r\n
 * socket.write(lastChunk([['Digest', 'sha-256=abc']])); // 0\r\nDigest: sha-256=abc\r\n\r\n
 * ```
 */
export function lastChunk(trailers?: HeaderInit): Buffer {
  return Buffer.from(appendFields('0\r\n', trailers) + '\r\n', 'latin1');
}
