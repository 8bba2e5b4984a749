/**
 * Putting bytes of a response on a connection's socket: bodies with their framing (chunked,
 * Content-Length, close-delimited), large buffers in pieces, and the whole answers the server
 * gives on its own (an error status with `Connection: close`).
 */
import type { Transport } from '../io/dial.js';
import { reasonPhrase } from '../proto/http1/status-codes.js';

const CRLF = '\r\n';
/** Large bodies leave in pieces of this size, so that the send-stall check sees them go. */
const PIECE_BYTES = 64 * 1024;

/**
 * Writes `chunk`, in pieces when it is large: a write completes only when all of it has left,
 * so one 10 MB write to a slow client would look like a stall for minutes.
 *
 * @example
 * ```ts
 * const ok = writeBytes(socket, body); // false: above the high-water mark
 * ```
 */
export function writeBytes(socket: Transport, chunk: string | Uint8Array): boolean {
  if (chunk.length <= PIECE_BYTES) return socket.write(chunk);
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  let ok = true;
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
    ok = socket.write(bytes.subarray(at, at + PIECE_BYTES));
  }
  return ok;
}

/**
 * Writes one piece of a chunked body: size line, data, CRLF.
 *
 * @example
 * ```ts
 * writeChunk(socket, 'hello', 5); // "5\r\nhello\r\n"
 * ```
 */
export function writeChunk(socket: Transport, chunk: string | Uint8Array, len: number): boolean {
  socket.write(len.toString(16) + CRLF, 'latin1');
  writeBytes(socket, chunk);
  return socket.write(CRLF, 'latin1');
}

/**
 * A whole answer of the server's own (`400`, `408`, `417`…) with a text body and
 * `Connection: close`, plus `headers` (e.g. `Allow`).
 *
 * @example
 * ```ts
 * socket.end(closingAnswer(417, 'expectation "foo" cannot be met\n'));
 * ```
 */
export function closingAnswer(
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): string {
  let head = `HTTP/1.1 ${status} ${reasonPhrase(status) || 'Bad Request'}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return head + body;
}
