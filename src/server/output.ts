/**
 * Putting bytes of a response on a connection's socket: a chunk of a chunked body, and the whole
 * answers the server gives on its own (an error status with `Connection: close`).
 */
import type { ConnSocket } from '../io/conn-socket.js';
import { reasonPhrase } from '../proto/http1/status-codes.js';

const CRLF = '\r\n';

/**
 * Writes one piece of a chunked body: size line, data, CRLF.
 *
 * @example
 * ```ts
 * writeChunk(socket, 'hello', 5); // "5\r\nhello\r\n"
 * ```
 */
export function writeChunk(socket: ConnSocket, chunk: string | Uint8Array, len: number): boolean {
  socket.write(len.toString(16) + CRLF, 'latin1');
  socket.write(chunk);
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
