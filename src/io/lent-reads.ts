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
 * Node gives no `onread` option to the sockets a server accepts. The accepted socket (paused at
 * accept, with `pauseOnConnect`) is given it after construction, as its constructor would have:
 * its `kBuffer`/`kBufferCb` fields (found by their symbols' descriptions) and its handle's
 * `useUserBuffer`. That saves a second `net.Socket` per connection (about 30 µs of a 160 µs
 * WebSocket life). Where those fields are missing the accepted socket's handle moves to a new
 * `net.Socket` that has `onread` (two undocumented fields: `_handle`, `_server`), and where that
 * too is impossible the accepted socket is used with `'data'` events ({@link lendReads} returns
 * undefined).
 */
import { Socket } from 'node:net';
import type { ConnSocket } from './conn-socket.js';
import { wasmReadPage } from '../proto/ws/wasm-mask.js';

/**
 * The buffer every lent read lands in (one JavaScript thread: one read is handled at a time):
 * the WebAssembly masking module's read page where there is one, so that WebSocket payloads
 * are unmasked where they were read (src/proto/ws/wasm-mask.ts).
 */
export const LENT: Buffer = wasmReadPage ?? Buffer.allocUnsafeSlow(64 * 1024);

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
export type LentReadCallback = (this: ConnSocket, nread: number, buffer: Buffer) => boolean | void;

interface AcceptedSocket {
  _handle?: unknown;
  _server?: unknown;
  server?: unknown;
}

/**
 * A socket over `accepted`'s connection whose reads go to `onRead` in the lent buffer, or
 * undefined when this Node cannot (then use `accepted`, resumed). `accepted` must have been
 * paused at accept (`pauseOnConnect`). The answer is usually `accepted` itself, lent in place
 * and still paused (resume it); else a new socket, already reading, and `accepted` must not be
 * used afterwards.
 *
 * @example
 * ```ts
 * const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
 *   const socket = lendReads(accepted, true, function (nread, buf) {
 *     this.write(answerFor(buf.subarray(0, nread)));
 *   });
 *   if (socket === undefined || socket === accepted) accepted.resume();
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
  if (accepted.allowHalfOpen === allowHalfOpen && lendInPlace(accepted, handle, onRead)) {
    return accepted;
  }
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

/** The symbols of `net.Socket`'s `onread` fields, looked up on the first accepted socket. */
let onreadKeys: { buffer: symbol; callback: symbol } | null | undefined;

/**
 * Gives a paused accepted socket what the `onread` option would have given it, in Node's own
 * order (net.js `initSocketHandle`): the buffer and callback the stream's reads consult, then
 * the handle told to read into that buffer. False when this Node has no such fields.
 */
function lendInPlace(socket: Socket, handle: object, onRead: LentReadCallback): boolean {
  if (onreadKeys === undefined) {
    const symbols = Object.getOwnPropertySymbols(socket);
    const buffer = symbols.find((k) => k.description === 'kBuffer');
    const callback = symbols.find((k) => k.description === 'kBufferCb');
    onreadKeys = buffer && callback ? { buffer, callback } : null;
  }
  const use = (handle as { useUserBuffer?: unknown }).useUserBuffer;
  if (onreadKeys === null || typeof use !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  // Not a socket in the state we know (already lent, or reading): leave it to the fallback.
  if (fields[onreadKeys.buffer] !== null || fields[onreadKeys.callback] !== null) return false;
  fields[onreadKeys.buffer] = LENT;
  fields[onreadKeys.callback] = onRead;
  (use as (buffer: Buffer) => void).call(handle, LENT);
  return true;
}

/**
 * For a lent-read socket that no owner hears (channels/channel-socket.ts hands a channel its
 * copy directly): pushes an exact-size copy of the read into the socket's stream, as `'data'`.
 * (Fresh 64 KiB buffers for bulk reads, pushed without a copy, halved the 1 MiB WebSocket echo:
 * their external memory made V8 collect far more often than one copy costs.) Returns false
 * (stop reading) when the stream's buffer is full, as Node's own reads do.
 */
export function pushLentRead(socket: ConnSocket, nread: number, buffer: Buffer): boolean {
  const copy = Buffer.allocUnsafe(nread);
  buffer.copy(copy, 0, 0, nread);
  return socket.push(copy);
}
