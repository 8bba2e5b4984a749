/**
 * How a response's bytes go on the socket: a whole short response in one write, a head with its
 * body, a piece of a streamed body (chunked for HTTP/1.1 without a length), and the last chunk.
 * Which to use and the connection's state stay with the connection (connection.ts).
 */
import type { ConnSocket } from '../io/conn-socket.js';
import type { HttpContext } from './context.js';
import { writeChunk } from './output.js';
import { FEED_THRESHOLD_BYTES, feedBody } from './body-feeder.js';

const LAST_CHUNK = '0\r\n\r\n';

/** A response to this status has no body (RFC 9110 §6.4.1). */
export function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** Byte length of a whole body given to `end()`. */
export function bodyLength(body: string | Uint8Array | undefined): number {
  return body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/**
 * Writes `head` and a whole body of `len` bytes: in one write when small, corked when up to the
 * feeding threshold; a larger body is fed piece by piece after this returns (`fed` is called
 * once it has all been written) and true is returned.
 *
 * @example
 * ```ts
 * writeHeadAndBody(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', 'hi', 2, false, done);
 * ```
 */
export function writeHeadAndBody(
  socket: ConnSocket,
  head: string,
  body: string | Uint8Array | undefined,
  len: number,
  noBody: boolean,
  fed: () => void,
): boolean {
  if (noBody || len === 0) socket.write(head, 'latin1');
  else if (typeof body === 'string' && len <= 16384) {
    // A body whose UTF-8 length is its length is ASCII: latin1 copies it byte for byte,
    // cheaper than UTF-8 encoding it.
    socket.write(head + body, len === body.length ? 'latin1' : 'utf8');
  } else if (len <= FEED_THRESHOLD_BYTES) {
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(body!);
    socket.uncork();
  } else {
    socket.write(head, 'latin1');
    feedBody(socket, typeof body === 'string' ? Buffer.from(body) : body!, fed);
    return true;
  }
  return false;
}

/**
 * Writes `head` (empty once sent) and one piece of a streamed body: chunked for HTTP/1.1
 * without a Content-Length, as is otherwise. Returns write()'s backpressure answer.
 *
 * @example
 * ```ts
 * writeBodyPiece(socket, ctx, '', 'more text');
 * ```
 */
export function writeBodyPiece(
  socket: ConnSocket,
  ctx: HttpContext,
  head: string,
  chunk: string | Uint8Array,
): boolean {
  if (head !== '') socket.write(head, 'latin1');
  if (ctx.method === 'HEAD' || bodiless(ctx.statusCode)) return !socket.writableNeedDrain;
  const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  if (len === 0) return !socket.writableNeedDrain;
  if (ctx.contentLength < 0 && ctx.version === '1.1') return writeChunk(socket, chunk, len);
  return socket.write(chunk);
}

/** Ends a chunked body (HTTP/1.1 without a Content-Length) with its last chunk. */
export function writeLastChunk(socket: ConnSocket, ctx: HttpContext, noBody: boolean): void {
  if (!noBody && ctx.contentLength < 0 && ctx.version === '1.1') socket.write(LAST_CHUNK, 'latin1');
}
