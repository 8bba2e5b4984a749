/**
 * A plain TCP connection over its libuv handle, without `net.Socket`: the server's accepted
 * connections run on this (io/handle-accept.ts). A `net.Socket` is a Duplex stream: its
 * construction, its readable and writable states, each write's bookkeeping (`Writable.write` →
 * `writeGeneric`, a callback and a tick per write) and its destroy machinery cost about 37 µs of
 * a 100 µs WebSocket life and 1 KB of every idle connection. This is one object per connection:
 * reads land in the lent buffer (io/lent-reads.ts) and go to one callback, writes go straight to
 * the handle (libuv keeps them in order; those a read's handling makes, at the end of its turn),
 * and events are emitted only where something listens.
 *
 * It implements what the library uses of a socket ({@link ConnSocket}); anyone handed the
 * connection publicly gets a real `net.Socket` over the same handle ({@link HandleSocket.toNetSocket}).
 */
import { EventEmitter } from 'node:events';
import { Socket, type Server as NetServer } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { ConnSocket } from './conn-socket.js';
import { LENT, ownBytes, type LentReadCallback } from './lent-reads.js';
import type { StreamBinding, StreamReq, TcpHandle } from './stream-binding.js';

/** libuv's end of file (the same number on every platform). */
const UV_EOF = -4095;
/** `net.Socket`'s default writable high-water mark on Node 20. */
const HIGH_WATER_MARK = 16 * 1024;

/** What our accept hook needs of `net.Server`: its connection count and its close check. */
export interface CountingServer {
  _connections: number;
  _emitCloseIfDrained(): void;
}

type WriteCallback = (err?: Error | null) => void;

/** A write request that completed synchronously (no C++ wrap was attached): reused by the next. */
let spareReq: StreamReq | undefined;

function noop(): void {}

/** A Node-shaped system error (`code`, `errno`, `syscall`), as `net.Socket` reports them. */
function errnoError(status: number, syscall: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const err = new Error(`${syscall} ${code}`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = status;
  err.syscall = syscall;
  return err;
}

function callAll(cb: unknown, err: Error | null): void {
  if (typeof cb === 'function') (cb as WriteCallback)(err);
  else if (Array.isArray(cb)) for (const f of cb as WriteCallback[]) f(err);
}

/**
 * One plain TCP connection on its libuv handle.
 *
 * @example
 * ```ts
 * const socket = new HandleSocket(binding, handle, server, true, function (nread, buf) {
 *   this.write(buf.subarray(0, nread)); // echo (the bytes are lent: write copies them)
 * });
 * ```
 */
export class HandleSocket extends EventEmitter implements ConnSocket {
  /** The handle, as `net.Socket` names it (null once closed). */
  _handle: TcpHandle | null;
  readonly allowHalfOpen: boolean;
  readonly writableHighWaterMark = HIGH_WATER_MARK;
  destroyed = false;
  closed = false;
  readableEnded = false;
  #b: StreamBinding;
  #server: CountingServer | null;
  #onRead: LentReadCallback;
  /** Bytes given to write whose write has not completed (as `writableLength`). */
  #queued = 0;
  /** Bytes handed to the handle (written or queued in libuv). */
  #dispatched = 0;
  /** Bytes held by a cork. */
  #batchBytes = 0;
  #needDrain = false;
  #corked = 0;
  #batch: Buffer[] | undefined;
  #batchCallbacks: WriteCallback[] | undefined;
  /** Whether one of the corks is the turn's hold ({@link HandleSocket.#holdWritesForTurn}). */
  #heldForTurn = false;
  /**
   * Where the batch stood when a cork of the caller's began inside the hold: the chunks (and
   * callbacks, bytes) before it only the hold keeps back, so a destroy writes them, as they would
   * have been written without the hold; the rest is the cork's, dropped.
   */
  #heldChunks = 0;
  #heldCallbacks = 0;
  #heldBytes = 0;
  #ended = false;
  #finished = false;
  #paused = false;
  #error: Error | undefined;
  #peer: Record<string, unknown> | undefined;
  #local: Record<string, unknown> | undefined;
  #moved: Socket | undefined;

  constructor(
    binding: StreamBinding,
    handle: TcpHandle,
    server: CountingServer | null,
    allowHalfOpen: boolean,
    onRead: LentReadCallback,
  ) {
    super();
    this.#b = binding;
    this._handle = handle;
    this.#server = server;
    this.allowHalfOpen = allowHalfOpen;
    this.#onRead = onRead;
    handle.connchanSocket = this;
    handle.onread = HandleSocket.#handleRead;
    handle.useUserBuffer(LENT);
    handle.readStart();
  }

  // --- reading -----------------------------------------------------------------------------

  static #handleRead(this: TcpHandle): void {
    const s = this.connchanSocket as HandleSocket;
    const b = s.#b;
    const nread = b.state[b.kReadBytesOrError]!;
    if (nread > 0) {
      if (!s.#heldForTurn) s.#holdWritesForTurn();
      s.#onRead.call(s, nread, LENT);
    } else if (nread === UV_EOF) s.#onEof();
    else if (nread < 0) s.destroy(errnoError(nread, 'read'));
  }

  /**
   * Holds what a read's handling writes until every read of this event-loop turn is handled
   * (`setImmediate`: right after libuv's poll phase), then writes each socket's share at once.
   * Under load a poll hands over many ready sockets; answering them in one burst instead of one
   * by one lets the peer's process wake once for the burst, where each lone write could wake it
   * again (on loopback the writer pays for that wake-up: `sock_def_readable`, 19 % of a
   * hello-world server's CPU in one profile). A lone request waits only for the rest of its own
   * turn, and several writes of one socket leave in one `writev`. Only writes count that the
   * socket's own read handling makes; a cork of the caller's nests inside the hold.
   */
  #holdWritesForTurn(): void {
    this.#heldForTurn = true;
    this.#corked++;
    if (HandleSocket.#heldThisTurn.push(this) === 1) setImmediate(HandleSocket.#releaseHeld);
  }

  /** The sockets whose writes this turn holds. */
  static #heldThisTurn: HandleSocket[] = [];

  /** The turn's reads are handled: each held socket writes (unless a cork of its own remains). */
  static #releaseHeld(): void {
    const held = HandleSocket.#heldThisTurn;
    HandleSocket.#heldThisTurn = [];
    for (let i = 0; i < held.length; i++) {
      const s = held[i]!;
      if (!s.#heldForTurn) continue;
      s.#heldForTurn = false;
      s.uncork();
    }
  }

  #onEof(): void {
    this.readableEnded = true;
    this._handle?.readStop();
    this.emit('end');
    if (this.#finished) this.destroy();
    else if (!this.allowHalfOpen) this.end();
  }

  /** For a read nobody takes lent: hands it on as `'data'`. */
  push(chunk: Buffer): boolean {
    this.emit('data', chunk);
    return true;
  }

  pause(): this {
    if (!this.#paused) {
      this.#paused = true;
      this._handle?.readStop();
    }
    return this;
  }

  resume(): this {
    if (this.#paused) {
      this.#paused = false;
      if (!this.readableEnded) this._handle?.readStart();
    }
    return this;
  }

  isPaused(): boolean {
    return this.#paused;
  }

  // --- writing -----------------------------------------------------------------------------

  get writable(): boolean {
    return !this.#ended && !this.destroyed;
  }

  get writableLength(): number {
    return this.#queued;
  }

  get writableNeedDrain(): boolean {
    return this.#needDrain;
  }

  /** Bytes written or queued, as `net.Socket` counts them (what is sent is this − writableLength). */
  get bytesWritten(): number {
    return this.#dispatched + this.#batchBytes;
  }

  get writableCorked(): number {
    return this.#corked;
  }

  write(chunk: Uint8Array | string, cb?: WriteCallback): boolean;
  write(chunk: Uint8Array | string, encoding?: BufferEncoding, cb?: WriteCallback): boolean;
  write(
    chunk: Uint8Array | string,
    encoding?: BufferEncoding | WriteCallback,
    cb?: WriteCallback,
  ): boolean {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (!this.writable) {
      const code = this.destroyed ? 'ERR_STREAM_DESTROYED' : 'ERR_STREAM_WRITE_AFTER_END';
      const err = Object.assign(new Error(`write after ${this.destroyed ? 'destroy' : 'end'}`), {
        code,
      });
      if (cb) process.nextTick(cb, err);
      return false;
    }
    if (this.#corked > 0) {
      // Held past this call: a view of a lent read would be overwritten by the next read.
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk, encoding ?? 'utf8')
          : ownBytes(toBuffer(chunk));
      (this.#batch ??= []).push(bytes);
      if (cb) (this.#batchCallbacks ??= []).push(cb);
      this.#queued += bytes.length;
      this.#batchBytes += bytes.length;
    } else {
      this.#dispatch(chunk, encoding, cb, false);
    }
    if (this.#queued < HIGH_WATER_MARK) return true;
    this.#needDrain = true;
    return false;
  }

  /**
   * Hands one chunk (or a corked batch: one chunk or an array) to the handle. `counted`: the
   * bytes are in `writableLength` already (a batch's are counted when written to the cork).
   */
  #dispatch(
    chunk: Uint8Array | string | Buffer[],
    encoding: string | undefined,
    cb: unknown,
    counted: boolean,
  ): void {
    const h = this._handle!;
    const b = this.#b;
    const req = spareReq ?? new b.WriteWrap();
    spareReq = undefined;
    req.handle = h;
    req.oncomplete = HandleSocket.#writeDone;
    let err: number;
    if (typeof chunk === 'string') {
      if (encoding === 'latin1' || encoding === 'binary') err = h.writeLatin1String(req, chunk);
      else if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8')
        err = h.writeUtf8String(req, chunk);
      else err = h.writeBuffer(req, Buffer.from(chunk, encoding as BufferEncoding));
    } else if (Array.isArray(chunk)) {
      err = h.writev(req, chunk, true);
    } else {
      err = h.writeBuffer(req, chunk);
    }
    const bytes = b.state[b.kBytesWritten]!;
    if (err !== 0) {
      req.handle = undefined;
      const e = errnoError(err, 'write');
      if (cb !== undefined) process.nextTick(callAll, cb, e);
      this.destroy(e);
      return;
    }
    this.#dispatched += bytes;
    if (b.state[b.kLastWriteWasAsync] === 0) {
      // Written whole by try_write: no C++ request was made, so the object is free again.
      req.handle = undefined;
      spareReq = req;
      if (counted) this.#completed(bytes);
      if (cb !== undefined) process.nextTick(callAll, cb, null);
      return;
    }
    req.owner = this;
    req.bytes = bytes;
    req.cb = cb;
    // libuv writes from the buffers' memory later: they must stay alive until then.
    req.data = chunk;
    if (!counted) this.#queued += bytes;
  }

  static #writeDone(this: StreamReq, status: number): void {
    const s = this.owner as HandleSocket;
    const cb = this.cb;
    this.owner = this.cb = this.handle = this.data = undefined;
    s.#completed(this.bytes);
    if (status < 0) {
      // Failed, or cancelled by a destroy (libuv cancels queued writes when the handle closes).
      const err = errnoError(status, 'write');
      callAll(cb, err);
      s.destroy(err);
      return;
    }
    callAll(cb, null);
  }

  /** `bytes` left the queue: at an empty queue after a refused write, `'drain'`. */
  #completed(bytes: number): void {
    this.#queued -= bytes;
    if (this.#queued === 0 && this.#needDrain && !this.destroyed) {
      this.#needDrain = false;
      this.emit('drain');
    }
  }

  cork(): void {
    if (this.#corked === 1 && this.#heldForTurn) this.#noteHeld();
    this.#corked++;
  }

  uncork(): void {
    if (this.#corked === 0) return;
    if (--this.#corked === 0) {
      // Uncorked to the end (the hold's cork too): the hold is over for this turn.
      this.#heldForTurn = false;
      this.#flushBatch();
    }
  }

  /** A cork of the caller's begins inside the hold: everything batched so far is the hold's. */
  #noteHeld(): void {
    this.#heldChunks = this.#batch?.length ?? 0;
    this.#heldCallbacks = this.#batchCallbacks?.length ?? 0;
    this.#heldBytes = this.#batchBytes;
  }

  #flushBatch(): void {
    const batch = this.#batch;
    const cbs = this.#batchCallbacks;
    this.#batch = this.#batchCallbacks = undefined;
    this.#batchBytes = this.#heldChunks = this.#heldCallbacks = this.#heldBytes = 0;
    if (batch === undefined || this.destroyed) return;
    this.#dispatch(batch.length === 1 ? batch[0]! : batch, undefined, cbs, true);
  }

  end(cb?: () => void): this;
  end(chunk: Uint8Array | string, cb?: () => void): this;
  end(chunk: Uint8Array | string, encoding?: BufferEncoding, cb?: () => void): this;
  end(
    chunk?: Uint8Array | string | (() => void),
    encoding?: BufferEncoding | (() => void),
    cb?: () => void,
  ): this {
    if (typeof chunk === 'function') [cb, chunk] = [chunk, undefined];
    if (typeof encoding === 'function') [cb, encoding] = [encoding, undefined];
    if (chunk !== undefined && this.writable) this.write(chunk, encoding as BufferEncoding);
    if (cb) this.once('finish', cb);
    if (this.#ended || this.destroyed) return this;
    this.#heldForTurn = false;
    if (this.#corked > 0) {
      this.#corked = 0;
      this.#flushBatch();
    }
    this.#ended = true;
    const h = this._handle;
    if (h === null) return this;
    // libuv shuts the write side down after the writes queued before it.
    const req = new this.#b.ShutdownWrap();
    req.handle = h;
    req.owner = this;
    req.oncomplete = HandleSocket.#shutdownDone;
    const err = h.shutdown(req);
    if (err !== 0) this.destroy(errnoError(err, 'shutdown'));
    return this;
  }

  static #shutdownDone(this: StreamReq, status: number): void {
    const s = this.owner as HandleSocket;
    this.owner = this.handle = undefined;
    if (s.destroyed) return;
    if (status < 0) {
      s.destroy(errnoError(status, 'shutdown'));
      return;
    }
    s.#finished = true;
    s.emit('finish');
    if (s.readableEnded) s.destroy();
  }

  // --- closing -----------------------------------------------------------------------------

  /** Closes the connection now (what is not yet written is dropped); `'error'` then `'close'`. */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    if (this.#heldForTurn) {
      // What only the hold kept back leaves, as it would have without the hold (a handler's
      // last answer before a destroy: an error status, a close frame); a cork's part is dropped.
      this.#heldForTurn = false;
      if (this.#corked > 1) this.#dropCorkedPart();
      this.#corked = 0;
      this.#flushBatch();
      if (this.destroyed) {
        // That write failed and destroyed the socket: the caller's reason is the one reported.
        if (error !== undefined) this.#error = error;
        return this;
      }
    }
    this.destroyed = true;
    this.#error = error;
    this.#batch = this.#batchCallbacks = undefined;
    this.#queued -= this.#batchBytes;
    this.#batchBytes = 0;
    const h = this._handle;
    if (h === null) return this;
    h.onread = noop;
    h.close(HandleSocket.#handleClosed);
    return this;
  }

  /** Drops what a cork of the caller's added to the batch since {@link HandleSocket.#noteHeld}. */
  #dropCorkedPart(): void {
    this.#queued -= this.#batchBytes - this.#heldBytes;
    this.#batchBytes = this.#heldBytes;
    this.#batch = this.#heldChunks > 0 ? this.#batch!.slice(0, this.#heldChunks) : undefined;
    this.#batchCallbacks = this.#batchCallbacks?.slice(0, this.#heldCallbacks);
  }

  static #handleClosed(this: TcpHandle): void {
    const s = this.connchanSocket as HandleSocket;
    this.connchanSocket = undefined;
    s._handle = null;
    s.closed = true;
    const server = s.#server;
    if (server !== null) {
      s.#server = null;
      server._connections--;
      server._emitCloseIfDrained();
    }
    const err = s.#error;
    if (err !== undefined && s.listenerCount('error') > 0) s.emit('error', err);
    s.emit('close', err !== undefined);
  }

  // --- options and addresses ---------------------------------------------------------------

  setNoDelay(noDelay = true): this {
    this._handle?.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this._handle?.setKeepAlive(enable, Math.floor(initialDelay / 1000));
    return this;
  }

  #name(local: boolean): Record<string, unknown> | undefined {
    const known = local ? this.#local : this.#peer;
    if (known !== undefined || this._handle === null) return known;
    // Shaped as Node fills it (address, family, port): its setters find the fields in place
    // instead of adding three properties one transition at a time.
    const out: Record<string, unknown> = { address: '', family: '', port: 0 };
    const err = local ? this._handle.getsockname(out) : this._handle.getpeername(out);
    if (err !== 0) return undefined;
    if (local) this.#local = out;
    else this.#peer = out;
    return out;
  }

  get remoteAddress(): string | undefined {
    return this.#name(false)?.address as string | undefined;
  }
  get remotePort(): number | undefined {
    return this.#name(false)?.port as number | undefined;
  }
  get remoteFamily(): string | undefined {
    return this.#name(false)?.family as string | undefined;
  }
  get localAddress(): string | undefined {
    return this.#name(true)?.address as string | undefined;
  }
  get localPort(): number | undefined {
    return this.#name(true)?.port as number | undefined;
  }

  // --- handing over ------------------------------------------------------------------------

  /**
   * The connection as a real `net.Socket` over the same handle, for whoever is handed the socket
   * publicly (`Channel.socket`). From then on that socket owns the connection: this object's
   * listeners and fields (a channel's owner mark) move to it, and this object must not be used.
   * Made once; corked bytes are written first.
   *
   * @example
   * ```ts
   * const socket = handleSocket.toNetSocket(); // a net.Socket, reading and writing as before
   * ```
   */
  toNetSocket(): Socket {
    if (this.#moved !== undefined) return this.#moved;
    this.#heldForTurn = false;
    if (this.#corked > 0) {
      this.#corked = 0;
      this.#flushBatch();
    }
    const h = this._handle;
    let socket: Socket;
    if (h === null || this.destroyed) {
      socket = new Socket();
      socket.destroy();
    } else {
      h.connchanSocket = undefined;
      h.readStop(); // net.Socket starts reading itself (a second start fails with EALREADY)
      socket = new Socket({
        handle: h,
        allowHalfOpen: this.allowHalfOpen,
        pauseOnCreate: this.#paused || this.readableEnded,
        onread: { buffer: LENT, callback: this.#onRead },
      } as ConstructorParameters<typeof Socket>[0]);
      if (this.readableEnded) socket.push(null);
      if (this.#ended) socket.end();
      // The new socket counts in the listener's connections from now on.
      const moved = socket as unknown as { _server: unknown; server: unknown };
      moved._server = moved.server = this.#server as unknown as NetServer;
      this.#server = null;
    }
    // Our own marks (a channel's owner: channels/channel-socket.ts), not EventEmitter's.
    const fields = this as unknown as Record<symbol, unknown>;
    for (const key of Object.getOwnPropertySymbols(this)) {
      if (key.description?.startsWith('connchan.')) {
        (socket as unknown as Record<symbol, unknown>)[key] = fields[key];
      }
    }
    const events = (socket as unknown as { _events: Record<string | symbol, unknown> })._events;
    for (const event of this.eventNames()) {
      const listeners = this.rawListeners(event);
      // As channels/channel-socket.ts does: Node's own 'end' listener (a no-op on a half-open
      // socket) is replaced by ours rather than joined in a two-listener array.
      const own = events?.[event];
      const halfOpenEnd = event === 'end' && this.allowHalfOpen && listeners.length === 1;
      if (halfOpenEnd && typeof own === 'function' && own.name === 'onReadableStreamEnd') {
        events[event] = listeners[0];
        continue;
      }
      for (const listener of listeners) {
        socket.on(event as string, listener as (...args: unknown[]) => void);
      }
    }
    this.removeAllListeners();
    this._handle = null;
    this.destroyed = true;
    this.#moved = socket;
    return socket;
  }
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}
