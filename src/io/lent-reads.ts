/**
 * Reads into one lent buffer: the accepted plain TCP sockets of the HTTP server read into a
 * single process-wide buffer through `net.Socket`'s `onread` option, instead of a fresh Buffer
 * per read pushed through the stream machinery. Per read that saves the read buffer's
 * allocation (64 KiB, then shrunk), its ArrayBuffer and Buffer objects, `Readable.push`, the
 * `'data'` emit and the `process.nextTick` of the stream's read-ahead: about a quarter of the
 * CPU a keep-alive hello world costs.
 *
 * The bytes of a read are valid only until the callback returns: the next read, on any socket,
 * overwrites them. Whoever keeps some must copy them ({@link ownBytes}).
 *
 * Node gives no `onread` to the sockets a server accepts, so the accepted socket (paused at
 * accept, with `pauseOnConnect`) hands its handle to a new `net.Socket` that has one. That uses
 * two long-standing but undocumented fields (`_handle`, `_server`); where they are missing the
 * accepted socket is used as it is, with `'data'` events ({@link lendReads} returns undefined).
 */
import { Socket } from 'node:net';

/** The buffer every lent read lands in (one JavaScript thread: one read is handled at a time). */
const LENT = Buffer.allocUnsafeSlow(64 * 1024);

/** Reads up to this many bytes get a remembered view (at most this many views are made). */
const VIEW_MAX = 2048;
/**
 * Views of the lent buffer's first n bytes, made once per length: a read of a length seen before
 * (a keep-alive client sends the same request again and again) costs no Buffer object. Sharing
 * is safe for the same reason lending is: nobody keeps lent bytes past the read without a copy.
 */
const VIEWS = new Array<Buffer | undefined>(VIEW_MAX + 1).fill(undefined);

/**
 * The first `nread` bytes of a read's `buffer` as a Buffer (a view: valid until the callback
 * returns). For the lent buffer, one remembered view per length.
 *
 * @example
 * ```ts
 * function onRead(this: Socket, nread: number, buffer: Buffer) {
 *   parser.feed(lentBytes(buffer, nread));
 * }
 * ```
 */
export function lentBytes(buffer: Buffer, nread: number): Buffer {
  if (buffer !== LENT || nread > VIEW_MAX) return buffer.subarray(0, nread);
  return (VIEWS[nread] ??= LENT.subarray(0, nread));
}

/** A copy of `bytes` when they are lent, else `bytes` itself. */
export function ownBytes(bytes: Buffer): Buffer {
  return bytes.buffer === LENT.buffer ? Buffer.from(bytes) : bytes;
}

/** Called with `this` the socket and the lent buffer, whose first `nread` bytes were read. */
export type LentReadCallback = (this: Socket, nread: number, buffer: Buffer) => boolean | void;

interface AcceptedSocket {
  _handle?: unknown;
  _server?: unknown;
  server?: unknown;
}

/**
 * A socket over `accepted`'s connection whose reads go to `onRead` in the lent buffer, or
 * undefined when this Node cannot (then use `accepted`, resumed). `accepted` must have been
 * paused at accept (`pauseOnConnect`) and must not be used afterwards.
 *
 * @example
 * ```ts
 * const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
 *   const socket = lendReads(accepted, true, function (nread, buf) {
 *     this.write(answerFor(buf.subarray(0, nread)));
 *   });
 * });
 * ```
 */
export function lendReads(
  accepted: Socket,
  allowHalfOpen: boolean,
  onRead: LentReadCallback,
): Socket | undefined {
  const old = accepted as unknown as AcceptedSocket;
  const handle = old._handle;
  if (handle === null || typeof handle !== 'object' || !('server' in old)) return undefined;
  const socket = new Socket({
    handle,
    allowHalfOpen,
    onread: { buffer: LENT, callback: onRead },
  } as ConstructorParameters<typeof Socket>[0]);
  // The new socket now owns the connection: it counts in the listener's connections (so that
  // net.Server's close still waits for it) and the old one is left inert.
  const moved = socket as unknown as AcceptedSocket;
  moved._server = old._server;
  moved.server = old.server;
  old._server = null;
  old._handle = null;
  return socket;
}

/**
 * For a lent-read socket that no owner hears (channels/channel-socket.ts hands a channel its
 * copy directly): pushes an exact-size copy of the read into the socket's stream, as `'data'`.
 * (Fresh 64 KiB buffers for bulk reads, pushed without a copy, halved the 1 MiB WebSocket echo:
 * their external memory made V8 collect far more often than one copy costs.) Returns false
 * (stop reading) when the stream's buffer is full, as Node's own reads do.
 */
export function pushLentRead(socket: Socket, nread: number, buffer: Buffer): boolean {
  const copy = Buffer.allocUnsafe(nread);
  buffer.copy(copy, 0, 0, nread);
  return socket.push(copy);
}
