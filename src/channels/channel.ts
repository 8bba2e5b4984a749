/**
 * A Channel owns one connection (plain TCP or TLS, the same code either way) and offers
 * ns_connchan's operations on it: read, write (raw or buffered, always bounded), callbacks with
 * timeouts, close (flushing) and destroy (discarding), plus the counters `list` and `status`
 * report. Reading and writing never block the event loop; timeouts are timers.
 */
import type { Transport } from '../io/dial.js';
import type { ConnSocket } from '../io/conn-socket.js';
import { HandleSocket } from '../io/handle-socket.js';
import { ByteQueue } from '../proto/bytes/byte-queue.js';
import { parseTimeValue } from '../io/time-value.js';
import { ConnchanError } from '../errors.js';
import { FlushWaiters } from './flush-waiters.js';
import {
  ChannelExtras,
  F_CLOSED,
  F_EOF,
  F_EOF_DELIVERED,
  F_GONE,
  F_PAUSED,
  F_SOCKET_CLOSED,
} from './channel-extras.js';
import { SendStall } from './send-stall.js';
import {
  ChannelIoError,
  ChannelStateError,
  receiveTimeoutError,
  sendTimeoutError,
} from './errors.js';
import {
  CallbackRegistration,
  formatWhen,
  type CallbackCondition,
  type CallbackOptions,
  type ChannelCallbackFn,
} from './channel-callback.js';
import { CallbackDriver, type CallbackProbe } from './callback-driver.js';
import {
  resolveLimits,
  withUnboundedSendBuffer,
  type ChannelInit,
  type ChannelKind,
  type ChannelLimits,
  type ChannelOwnerHooks,
} from './channel-types.js';
import { attachSocket, endAfterFlush, isSendError } from './channel-socket.js';
import { CHANNEL_BRAND } from './channel-brand.js';

export { isChannel } from './channel-brand.js';

type Consumer = (this: unknown, chunk: Buffer, lent: boolean) => void;

export { DEFAULT_CHANNEL_LIMITS } from './channel-types.js';
export type {
  ChannelInit,
  ChannelKind,
  ChannelLimits,
  ChannelOwnerHooks,
} from './channel-types.js';

const EMPTY = Buffer.alloc(0);
const ignore = (): void => {};
/** Shared by every channel with nothing received and unread: the queue is made on first use. */
const NO_INPUT = new ByteQueue();

function peerFinishedEarlier(channel: Channel, closed: boolean): void {
  channel.replayEnd(closed);
}

export class Channel {
  /** See {@link isChannel}. */
  get [CHANNEL_BRAND](): true {
    return true;
  }

  readonly name: string;
  readonly kind: ChannelKind;
  readonly driver: string;
  readonly server: string;
  readonly startTime: number;
  readonly role: 'server' | 'client';
  #limits: Readonly<ChannelLimits>;
  readonly halfOpen: boolean;
  clientData: unknown;

  #socket: ConnSocket;
  /** Asked of the socket when first needed, unless given (a forwarded client's). */
  #peer: string | undefined;
  #recv: ByteQueue = NO_INPUT;
  #received = 0;
  #accepted = 0;
  /** State bits (channel-extras.ts: F_*), read and written through the accessors below. */
  #flags = 0;
  /** What few channels use (channel-extras.ts), made on first use: read as `this.#x?.field`. */
  #x: ChannelExtras | undefined;
  #consumer: Consumer | undefined;
  #consumerThis: unknown;
  /** The consumer takes reads lent (see {@link Channel.takeOver}). */
  #takesLent = false;
  #owner: unknown;
  #ownerHooks: ChannelOwnerHooks<unknown> | undefined;
  /** Drives the registered callback, if there is one (callback-driver.ts). */
  #driver: CallbackDriver | undefined;
  #progress = 0;
  /** One function (the common case: the table's), or several; undefined for none. */
  #onGone: ((channel: Channel) => void) | ((channel: Channel) => void)[] | undefined;

  // --- packed state: the bits of #flags under their names; #x is read as this.#x?.field --------
  #flag(bit: number, on: boolean): void {
    this.#flags = on ? this.#flags | bit : this.#flags & ~bit;
  }
  get #eof(): boolean {
    return (this.#flags & F_EOF) !== 0;
  }
  set #eof(on: boolean) {
    this.#flag(F_EOF, on);
  }
  get #eofDelivered(): boolean {
    return (this.#flags & F_EOF_DELIVERED) !== 0;
  }
  set #eofDelivered(on: boolean) {
    this.#flag(F_EOF_DELIVERED, on);
  }
  get #closed(): boolean {
    return (this.#flags & F_CLOSED) !== 0;
  }
  set #closed(on: boolean) {
    this.#flag(F_CLOSED, on);
  }
  get #gone(): boolean {
    return (this.#flags & F_GONE) !== 0;
  }
  set #gone(on: boolean) {
    this.#flag(F_GONE, on);
  }
  get #socketClosed(): boolean {
    return (this.#flags & F_SOCKET_CLOSED) !== 0;
  }
  set #socketClosed(on: boolean) {
    this.#flag(F_SOCKET_CLOSED, on);
  }
  get #paused(): boolean {
    return (this.#flags & F_PAUSED) !== 0;
  }
  set #paused(on: boolean) {
    this.#flag(F_PAUSED, on);
  }
  #extras(): ChannelExtras {
    return (this.#x ??= new ChannelExtras());
  }
  /** The receive timeout: a callback's, else the limits'. */
  get #receiveTimeoutMs(): number {
    return this.#x?.receiveTimeoutMs ?? this.#limits.receiveTimeoutMs;
  }
  /** The send timeout: a callback's, else the limits'. */
  get #sendTimeoutMs(): number {
    return this.#x?.sendTimeoutMs ?? this.#limits.sendTimeoutMs;
  }

  constructor(init: ChannelInit) {
    this.name = init.name;
    this.kind = init.kind;
    this.driver = init.driver;
    this.server = init.server;
    this.startTime = init.startTime ?? Date.now();
    this.role = init.role;
    this.clientData = init.clientData;
    // Most channels have no limits of their own: they share the frozen defaults.
    this.#limits = resolveLimits(init.limits);
    this.halfOpen = init.halfOpen ?? false;
    this.#socket = init.socket;
    this.#peer = init.peer;
    const initial = init.initialData;
    if (initial !== undefined) {
      // Bytes read before the channel existed (a request's read-ahead) are received all the same.
      for (const chunk of initial) {
        this.#queue().push(chunk);
        this.#received += chunk.length;
      }
    }
    const socket = init.socket;
    const ended = socket.readableEnded;
    const closed = socket.closed;
    attachSocket(socket, this, init.tcpKeepAlive !== false);
    // The peer finished before the channel existed (a client that half-closed or left while a
    // handler was busy): its end is handed over as if it had just come.
    if (ended || closed) setImmediate(peerFinishedEarlier, this, closed);
  }

  /** @internal the end (and close) the socket reported before the channel was made. */
  replayEnd(closed: boolean): void {
    if (!this.#eof) this.onSocketEnd();
    if (closed && !this.#socketClosed) this.onSocketClose();
  }

  /**
   * The channel's limits. Shared and frozen: change them with {@link unboundSendBuffer} or by
   * creating the channel with other limits.
   */
  get limits(): Readonly<ChannelLimits> {
    return this.#limits;
  }

  /**
   * Lifts the send-buffer bound, for a protocol that bounds its own buffering (WebSockets never
   * let the channel cut a frame).
   */
  unboundSendBuffer(): void {
    this.#limits = withUnboundedSendBuffer(this.#limits);
  }

  #queue(): ByteQueue {
    if (this.#recv === NO_INPUT) this.#recv = new ByteQueue();
    return this.#recv;
  }

  /**
   * The socket underneath (for adapters that take the connection over): a `net.Socket` (or
   * `tls.TLSSocket`). A connection the server accepted on its bare TCP handle
   * (io/handle-socket.ts) becomes one here, on first use, and stays one.
   */
  get socket(): Transport {
    const s = this.#socket;
    if (s instanceof HandleSocket) this.#socket = s.toNetSocket();
    return this.#socket as Transport;
  }

  /**
   * @internal The socket as the library uses it, without making a `net.Socket` of a bare
   * handle's connection (what the library's own protocols should use instead of `socket`).
   */
  get transport(): ConnSocket {
    return this.#socket;
  }
  /** Address of the other side. */
  get peer(): string {
    // Read once, while the socket is open (a closed socket no longer knows its peer).
    this.#peer ??= this.#socket.remoteAddress ?? '';
    return this.#peer;
  }
  get received(): number {
    return this.#received;
  }
  /** Bytes handed to the kernel (accepted minus still queued). */
  get sent(): number {
    return this.#accepted - this.sendBuffer;
  }
  /** Bytes accepted by `write` but not yet handed to the kernel. */
  get sendBuffer(): number {
    return this.#socketClosed ? 0 : this.#socket.writableLength;
  }
  /** Received bytes not yet read. */
  get receiveBuffer(): number {
    return this.#recv.length;
  }
  get eof(): boolean {
    return this.#eof && this.#recv.length === 0;
  }
  /** Closed by its owner (close, destroy, a callback's 0). */
  get closed(): boolean {
    return this.#closed;
  }
  /** No longer in its table: closed, or the connection ended and all input was read. */
  get gone(): boolean {
    return this.#gone;
  }
  get lastSendError(): string {
    return this.#x?.lastSendError ?? '';
  }
  get lastReceiveError(): string {
    return this.#x?.lastRecvError ?? '';
  }
  get callback(): CallbackRegistration | undefined {
    return this.#driver?.registration;
  }
  /**
   * The registered callback's conditions, e.g. "rx"; without one, the owning protocol's (a
   * WebSocket's `x`), else "".
   */
  get condition(): string {
    const cb = this.#driver?.registration;
    return cb ? formatWhen(cb.when) : (this.#ownerHooks?.condition ?? '');
  }
  /** The registered callback's name; without one, the owning protocol's (`websocket`), else "". */
  get callbackName(): string {
    return this.#driver?.registration.displayName ?? this.#ownerHooks?.callbackName ?? '';
  }

  /** Adds a function called once when the channel leaves the table (closed, destroyed, or its peer finished). */
  onGone(fn: (channel: Channel) => void): void {
    if (this.#gone) fn(this);
    else {
      const fns = this.#onGone;
      this.#onGone = fns === undefined ? fn : Array.isArray(fns) ? [...fns, fn] : [fns, fn];
    }
  }

  /**
   * Reads what has arrived. Waits (up to the receive timeout) when nothing has; resolves with
   * an empty buffer at end of input.
   */
  async read(options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<Buffer> {
    this.#assertOpen('read');
    if (this.#x?.readWaiter) {
      // Two readers would race for the same bytes, and one would take "nothing" for EOF.
      throw new ChannelStateError(this.name, 'a read is already pending', 'ERR_CHAN_READ_PENDING');
    }
    if (this.#recv.length === 0 && !this.#eof) {
      await this.#waitReadable(options.timeoutMs ?? this.#receiveTimeoutMs);
    }
    const error = this.#x?.error;
    if (this.#recv.length === 0 && error !== undefined) {
      throw error instanceof ConnchanError
        ? error
        : new ChannelIoError(this.name, 'receive', error);
    }
    return this.takeBuffered(options.maxBytes);
  }

  /**
   * Takes what has arrived without waiting: the bytes, or an empty buffer when there are none
   * (then `eof` tells whether more can come).
   */
  takeBuffered(maxBytes = Infinity): Buffer {
    const n = Math.min(this.#recv.length, maxBytes);
    if (n === 0) {
      if (this.#eof && !this.#eofDelivered) {
        this.#eofDelivered = true;
        this.#progress++;
        this.#maybeFinished();
      }
      return EMPTY;
    }
    this.#progress++;
    const out = this.#recv.consume(n);
    this.#resumeIfRoom();
    return out;
  }

  /**
   * Puts bytes back in front of the unread input, e.g. what a parser read past the end of a
   * response head, so that the next `read` returns them first.
   */
  unread(chunks: readonly Buffer[]): void {
    if (chunks.length === 0) return;
    const q = this.#queue();
    const rest = q.drain();
    for (const c of chunks) q.push(c);
    for (const c of rest) q.push(c);
    this.#wake();
  }

  /**
   * Writes bytes. Unbuffered (the default) accepts as much as fits under the send-buffer bound
   * and returns that count, which may be less than the length: the caller writes the rest later
   * (e.g. from a `w` callback). Buffered accepts all or throws when the bound would be exceeded.
   *
   * Returns -1, and throws nothing, when the channel can send no more: it was closed, its
   * connection failed or ended for sending, its peer went away, or a send timed out. A writer
   * driven by a timer stops on -1 instead of crashing the process.
   */
  write(data: Uint8Array | string, options: { buffered?: boolean } = {}): number {
    const socket = this.#socket;
    if (this.#closed || this.#socketClosed || !socket.writable) return -1;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const len = bytes.length;
    if (len === 0) return 0;
    const room = this.#limits.maxSendBufferBytes - this.#socket.writableLength;
    let n = len;
    if (len > room) {
      if (options.buffered) {
        throw new ChannelStateError(
          this.name,
          `send buffer full: ${this.#socket.writableLength} bytes queued, limit ${this.#limits.maxSendBufferBytes}`,
          'ERR_CHAN_SEND_BUFFER_FULL',
        );
      }
      n = Math.max(0, room);
      if (n === 0) return 0;
    }
    const out = n === len ? bytes : bytes.subarray(0, n);
    if (!socket.write(out) && this.#sendTimeoutMs > 0) {
      this.#stallWatch().blocked(this.#sendTimeoutMs);
    }
    this.#accepted += n;
    this.#progress++;
    this.#x?.writeTap?.(out, n);
    return n;
  }

  #stallWatch(): SendStall {
    const x = this.#extras();
    return (x.sendStall ??= new SendStall(this.#socket, (ms) => this.#sendTimedOut(ms)));
  }

  /**
   * A write could not proceed for the send timeout: the channel fails as on a send error (the
   * `e` callback hears of it, `status` shows `senderror` ETIMEDOUT), queued bytes are dropped
   * and the connection closed.
   */
  #sendTimedOut(timeoutMs: number): void {
    const err = sendTimeoutError(this.name, timeoutMs);
    const x = this.#extras();
    x.lastSendError = 'ETIMEDOUT';
    x.error = err;
    this.#eof = true;
    x.flushWaiters?.rejectAll(err);
    this.#socket.destroy();
    const driver = this.#driver;
    if (driver?.hears('e')) void driver.invoke('e');
    else this.#wake();
  }

  /** Sees every write (for `debug`); undefined removes it. */
  setWriteTap(tap: ((bytes: Uint8Array, accepted: number) => void) | undefined): void {
    this.#extras().writeTap = tap;
  }

  /**
   * Waits until the send buffer is empty, or the send timeout passes (then TimeoutError).
   * The promise form of NaviServer's "write an empty string from a w callback until sendbuffer
   * is 0".
   */
  flush(timeoutMs = this.#sendTimeoutMs || this.#limits.closeWaitMs): Promise<void> {
    if (this.sendBuffer === 0) return Promise.resolve();
    const x = this.#extras();
    const waiting = (x.flushWaiters ??= new FlushWaiters(this.name)).wait(timeoutMs);
    // 'drain' only comes after a write that filled the socket's buffer: below that mark, the
    // callback of an empty write (called in order, after what is queued) says it is out.
    if (!this.#socket.writableNeedDrain) {
      this.#socket.write(EMPTY, () => x.flushWaiters?.releaseAll());
    }
    return waiting;
  }

  /** Registers (or replaces) the callback. */
  setCallback(
    fn: ChannelCallbackFn,
    when: string | Iterable<CallbackCondition>,
    options: CallbackOptions = {},
  ): void {
    this.#assertOpen('callback');
    const reg = new CallbackRegistration(fn, when, options);
    if (options.receiveTimeout !== undefined) {
      this.#extras().receiveTimeoutMs = parseTimeValue(options.receiveTimeout, 'receiveTimeout');
    }
    if (options.sendTimeout !== undefined) {
      this.#extras().sendTimeoutMs = parseTimeValue(options.sendTimeout, 'sendTimeout');
    }
    this.#driver?.stop();
    const driver = new CallbackDriver(this, reg, this.#probe());
    this.#driver = driver;
    driver.armTimer();
    this.#progress++;
    driver.schedule();
  }

  /** Removes the callback without closing the channel. */
  clearCallback(): void {
    this.#driver?.stop();
    this.#driver = undefined;
  }

  /** What the callback driver may look at of this channel's private state. */
  #probe(): CallbackProbe {
    return {
      readable: () => this.#readable(),
      writable: () => this.#writable(),
      progress: () => this.#progress,
      isCurrent: (driver) => this.#driver === driver,
      settle: () => this.#maybeFinished(),
    };
  }

  /**
   * Hands every received byte to `consumer` from now on, starting with those already buffered.
   * Used by protocols built on channels (WebSockets) that parse straight from the socket.
   * With `takesLent`, the reads of a socket that reads into the lent buffer (io/lent-reads.ts)
   * come without a copy, with `lent` true: their bytes are valid only until `consumer` returns
   * (it copies what it keeps).
   */
  takeOver<T>(
    consumer: (this: T, chunk: Buffer, lent: boolean) => void,
    thisArg?: T,
    takesLent = false,
  ): void {
    this.#consumer = consumer as Consumer;
    this.#consumerThis = thisArg;
    this.#takesLent = takesLent;
    for (const chunk of this.#recv.drain()) consumer.call(thisArg as T, chunk, false);
    this.#resumeIfRoom();
  }

  /**
   * Makes `owner` the protocol on this channel: `hooks` (one object shared by all owners of a
   * kind) hear of the socket's `drain` and `close` after the channel has handled them.
   */
  setOwner<T>(owner: T, hooks: ChannelOwnerHooks<T>): void {
    this.#owner = owner;
    this.#ownerHooks = hooks as ChannelOwnerHooks<unknown>;
  }

  /** The protocol object given to {@link setOwner}, if any. */
  get owner(): unknown {
    return this.#owner;
  }

  /** @internal What the owning protocol adds to `status` (its hooks' `status`), if anything. */
  ownerStatus(): Record<string, unknown> | undefined {
    return this.#ownerHooks?.status?.(this.#owner);
  }

  /**
   * Adds a function run when the channel's server shuts down, before the grace period: how a
   * protocol on the channel says goodbye (a WebSocket closes with 1001).
   */
  onShutdown(fn: () => void | Promise<void>): void {
    (this.#extras().shutdownHooks ??= []).push(fn);
  }

  /** The server is shutting down: runs the shutdown hooks and fires the `x` reason. */
  async notifyShutdown(): Promise<void> {
    if (this.#closed) return;
    const hooks = this.#x?.shutdownHooks;
    if (hooks !== undefined) await Promise.all(hooks.map((fn) => fn()));
    const owner = this.#ownerHooks;
    if (owner?.shutdown !== undefined) await owner.shutdown(this.#owner);
    const driver = this.#driver;
    if (driver && !this.#closed) await driver.invoke('x');
  }

  /**
   * Closes the channel: leaves the table at once, then lets queued bytes go out (up to
   * `closeWaitMs`) and closes the connection. Unlike NaviServer, nothing buffered is lost.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leaveTable();
    this.#endSocket(false);
  }

  /**
   * @internal Closes as {@link close}, without waiting for the peer to end its side: it has
   * said all it will (a finished WebSocket closing handshake), so the connection closes as soon
   * as our end is written.
   */
  closeAfterPeerDone(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leaveTable();
    this.#endSocket(true);
  }

  /** Closes at once, discarding anything still queued. */
  destroy(): void {
    this.#closed = true;
    this.#leaveTable();
    this.#socket.destroy();
  }

  // --- internals -------------------------------------------------------------------------

  #assertOpen(op: string): void {
    if (this.#closed) {
      throw new ChannelStateError(
        this.name,
        `cannot ${op}: the channel is closed`,
        'ERR_CHAN_CLOSED',
      );
    }
  }

  /** Leaves the table: the callback is dropped and a pending read wakes (to find EOF). */
  #leaveTable(): void {
    this.#driver?.stop();
    this.#driver = undefined;
    const x = this.#x;
    if (x !== undefined) {
      x.sendStall?.clear();
      const waiter = x.readWaiter;
      x.readWaiter = undefined;
      waiter?.();
    }
    if (this.#gone) return;
    this.#gone = true;
    const fns = this.#onGone;
    this.#onGone = undefined;
    if (typeof fns === 'function') fns(this);
    else if (fns !== undefined) for (const fn of fns) fn(this);
  }

  /**
   * Ends our side after queued bytes have left, waiting at most `closeWaitMs`. Meanwhile input
   * is read and dropped, so that late data from the peer does not make the kernel answer with a
   * reset that would destroy what we just flushed.
   */
  #endSocket(peerDone: boolean): void {
    if (this.#socketClosed) return;
    this.#consumer = ignore;
    this.#consumerThis = undefined;
    this.#takesLent = false;
    endAfterFlush(this.#socket, this.#limits.closeWaitMs, peerDone);
  }

  /**
   * @internal a read of a socket reading into the lent buffer (channel-socket.ts onLentRead):
   * to a consumer that takes it lent, else copied, as 'data'.
   */
  onSocketLent(bytes: Buffer): void {
    if (!this.#takesLent) {
      this.onSocketData(Buffer.from(bytes));
      return;
    }
    this.#received += bytes.length;
    (this.#consumer as Consumer).call(this.#consumerThis, bytes, true);
  }

  /** @internal the socket's 'data'. */
  onSocketData(chunk: Buffer): void {
    this.#received += chunk.length;
    const consumer = this.#consumer;
    if (consumer !== undefined) {
      consumer.call(this.#consumerThis, chunk, false);
      return;
    }
    this.#queue().push(chunk);
    if (this.#recv.length >= this.#limits.maxReceiveBufferBytes && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#wake();
  }

  #resumeIfRoom(): void {
    if (this.#paused && this.#recv.length < this.#limits.maxReceiveBufferBytes / 2) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** @internal the socket's 'drain'. */
  onSocketDrain(): void {
    const x = this.#x;
    if (x !== undefined) {
      x.sendStall?.clear();
      x.flushWaiters?.releaseAll();
    }
    this.#wake();
    const hooks = this.#ownerHooks;
    if (hooks !== undefined) hooks.drain(this.#owner);
  }

  /** @internal the socket's 'end'. */
  onSocketEnd(): void {
    this.#eof = true;
    this.#wake();
    this.#maybeFinished();
  }

  /** @internal the socket's 'error'. */
  onSocketError(err: NodeJS.ErrnoException): void {
    const errno = err.code ?? err.message;
    const x = this.#extras();
    if (isSendError(errno)) x.lastSendError = errno;
    else x.lastRecvError = errno;
    x.error = err;
    this.#eof = true;
    const driver = this.#driver;
    if (driver?.hears('e')) void driver.invoke('e');
    else this.#wake();
  }

  /** @internal the socket's 'close'. */
  onSocketClose(): void {
    const x = this.#x;
    if (x !== undefined) {
      x.sendStall?.clear();
      x.flushWaiters?.releaseAll();
    }
    this.#socketClosed = true;
    this.#eof = true;
    this.#wake();
    this.#maybeFinished();
    const hooks = this.#ownerHooks;
    if (hooks !== undefined) hooks.close(this.#owner);
  }

  /**
   * A channel whose peer has finished leaves the table once nothing in it can still be read
   * and no callback still has to be told: the table never keeps a dead entry. Its own side is
   * ended after its queued bytes leave, unless it is half-open (then only a full close counts).
   */
  #maybeFinished(): void {
    if (this.#gone || !this.#eof) return;
    if (this.halfOpen && !this.#socketClosed) return;
    if (this.#recv.length > 0) return;
    const cb = this.#driver?.registration;
    const mustTell = cb !== undefined && cb.when.has('r') && !this.#eofDelivered;
    if (mustTell) return;
    this.#leaveTable();
    this.#endSocket(false);
  }

  #waitReadable(timeoutMs: number): Promise<void> {
    const x = this.#extras();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        x.readWaiter = undefined;
        reject(receiveTimeoutError(this.name, timeoutMs));
      }, timeoutMs);
      x.readWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Something changed: wake a pending read and let the callback look again. */
  #wake(): void {
    this.#progress++;
    const x = this.#x;
    if (x?.readWaiter !== undefined && (this.#recv.length > 0 || this.#eof)) {
      const waiter = x.readWaiter;
      x.readWaiter = undefined;
      waiter();
    }
    this.#driver?.schedule();
  }

  #readable(): boolean {
    return this.#recv.length > 0 || (this.#eof && !this.#eofDelivered);
  }

  #writable(): boolean {
    return !this.#socketClosed && this.#socket.writable && !this.#socket.writableNeedDrain;
  }
}
