/**
 * One WebSocket over one channel, either role: a {@link WsReceiver} fed straight from the
 * channel (`takeOver`), frames written with `channel.write`, automatic pongs, the closing
 * handshake with a bounded wait, keep-alive pings, permessage-deflate, and bounded send
 * buffering. Events go to the tcllib-style handler, to EventEmitter listeners and to an async
 * iterator, each only when present.
 *
 * ```
 *   CONNECTING ──start()──▶ CONNECTED ──close() / peer's close / failure──▶ CLOSING ──TCP gone──▶ CLOSED
 *        └───────────────────────────────TCP gone──────────────────────────────────────────────┘
 * ```
 * Hot path (small uncompressed messages): one `feed`/`next` loop per chunk, one event object
 * per message from the receiver, a handler call; sending encodes header and payload into one
 * buffer (`encodeFrameMerged`) with a reused options object and writes it once. Compressed
 * messages go through an ordered queue: later sends wait behind them, and later received events
 * wait behind an inflating message, so order is kept both ways.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { Channel, ChannelOwnerHooks } from '../channels/channel.js';
import { extendStatus, type ChannelStatus } from '../channels/channel-table.js';
import { UsageError } from '../errors.js';
import type { PerMessageDeflate } from '../io/deflate.js';
import { NEED_DATA } from '../proto/need-data.js';
import type { WsEvent } from '../proto/ws/message-assembler.js';
import { Opcode } from '../proto/ws/opcodes.js';
import type { WsReceiver } from '../proto/ws/receiver.js';
import {
  CLIENT_LINGER_MS,
  closeInfoOf,
  closePayload,
  closeTimeoutMs,
  echoPayload,
  failureCode,
  isUnsendableCode,
  keepaliveTimeoutError,
  overflowError,
} from './close-handshake.js';
import {
  EMPTY,
  makeDeflate,
  makeReceiver,
  maxBufferedOf,
  maxMessageBytesOf,
  type LooseHandler,
  type WsConnectionInit,
} from './connection-init.js';
import { wsStatus } from './connection-status.js';
import { EventQueue } from './event-queue.js';
import { FrameWriter, type FrameWriterHooks } from './frame-writer.js';
import { InflateOrder } from './inflate-order.js';
import { Keepalive, keepaliveMs, pingPayload, type KeepaliveHooks } from './keepalive.js';
import { badType, opcodeName, toBuffer, toOpcode } from './send-types.js';
import { log, register, unregister } from './registry.js';
import {
  isSubscribed,
  publish,
  subscribe,
  topicsOf,
  unsubscribe,
  type PublishOptions,
} from './topics.js';
import type { WsCloseInfo, WsConnectionEvent, WsEventType, WsHandler, WsState } from './types.js';

export type { WsConnectionInit } from './connection-init.js';

// What the channel, the frame writer and the keep-alive tell a connection: one object of
// functions for all connections (set in the class's static block, which can reach its private
// members), so that a connection costs no closures.
let channelHooks: ChannelOwnerHooks<WebSocketConnection>;
let writerHooks: FrameWriterHooks<WebSocketConnection>;
let keepaliveHooks: KeepaliveHooks<WebSocketConnection>;
let receive: (this: WebSocketConnection, chunk: Buffer) => void;
let statusOf: (channel: Channel) => Partial<ChannelStatus>;

/**
 * A live WebSocket. Made by `upgrade`, `takeover`, `open` or `handleNodeUpgrade`, never with
 * `new` by applications. Its `name` is the socket handle the tcllib-style functions take.
 *
 * @example
 * ```ts
 * const conn = await open('ws://127.0.0.1:8080/chat');
 * conn.on('text', (msg) => console.log(msg));
 * conn.send('text', 'hello');
 * for await (const ev of conn) if (ev.type === 'text') console.log(ev.data);
 * ```
 */
export class WebSocketConnection extends EventEmitter implements AsyncIterable<WsConnectionEvent> {
  /** The socket handle: the channel's name (`conn7`). */
  readonly name: string;
  readonly role: 'server' | 'client';
  readonly channel: Channel;
  /** The agreed subprotocol, or '' for none. */
  readonly protocol: string;
  /** The agreed extensions as sent in the handshake, or ''. */
  readonly extensions: string;
  readonly hostname: string | undefined;
  readonly path: string | undefined;

  #state: WsState = 'CONNECTING';
  #handler: LooseHandler | undefined;
  readonly #receiver: WsReceiver;
  readonly #pmd: PerMessageDeflate | undefined;
  readonly #client: boolean;
  readonly #maxBuffered: number;
  readonly #closeTimeoutMs: number;
  readonly #writer: FrameWriter<WebSocketConnection>;
  /** Made when keep-alive is configured (most clients, servers by default). */
  #keepalive: Keepalive<WebSocketConnection> | undefined;
  #iter: EventQueue | undefined;
  #messagesIn = 0;
  #messagesOut = 0;
  /** Opcode of the fragmented message being sent, or -1. */
  #fragOpcode = -1;
  #fragCompressed = false;
  #closeSent = false;
  #closeReceived: { code: number; reason: string } | undefined;
  /** Set when we failed the connection (protocol error, overflow, timeout). */
  #failCode: number | undefined;
  #failReason = '';
  #closeTimer: NodeJS.Timeout | undefined;
  /** Events received while a compressed message inflates, in order; undefined when none waits. */
  readonly #inflater: InflateOrder | undefined;
  #pausedIter = false;
  #drainWaiters: (() => void)[] | undefined;
  #closedPromise: Promise<WsCloseInfo> | undefined;
  #resolveClosed: ((info: WsCloseInfo) => void) | undefined;
  #closeInfo: WsCloseInfo | undefined;

  /** @internal use `upgrade`, `takeover`, `open` or `handleNodeUpgrade`. */
  constructor(init: WsConnectionInit) {
    super();
    const channel = init.channel;
    this.channel = channel;
    this.name = channel.name;
    this.role = init.role;
    this.#client = init.role === 'client';
    this.#handler = init.handler as LooseHandler | undefined;
    this.protocol = init.protocol ?? '';
    this.extensions = init.extensions ?? '';
    this.hostname = init.hostname;
    this.path = init.path;
    const maxMessageBytes = maxMessageBytesOf(init);
    this.#receiver = makeReceiver(init, maxMessageBytes);
    this.#pmd = makeDeflate(init, maxMessageBytes);
    if (this.#pmd !== undefined) {
      this.#inflater = new InflateOrder(this.#pmd, {
        dispatch: (ev) => this.#dispatch(ev),
        message: (type, data) => {
          this.#messagesIn++;
          this.#deliver(type, data);
        },
        fail: (err) => this.#fail(err),
        stopped: () => this.#failCode !== undefined || this.#state === 'CLOSED',
        pause: () => this.channel.socket.pause(),
        resume: () => this.#resumeIfFree(),
      });
    }
    this.#maxBuffered = maxBufferedOf(init);
    this.#closeTimeoutMs = closeTimeoutMs(init.closeTimeout);
    this.#writer = new FrameWriter(channel, this.#client, this.#pmd, writerHooks, this);
    // The connection enforces its own bound (maxBufferedBytes); the channel must never cut a frame.
    channel.unboundSendBuffer();
    channel.setOwner(this, channelHooks);
    this.configure({
      keepalive: init.keepalive ?? (this.#client ? 0 : 30),
      ping: init.ping ?? EMPTY,
    });
    extendStatus(channel, statusOf);
    register(this);
  }

  /** @internal Delivers `connect` and starts reading (after the creator has had the object). */
  start(): void {
    queueMicrotask(() => {
      if (this.#state !== 'CONNECTING') return;
      this.#state = 'CONNECTED';
      this.#deliver('connect', undefined);
      if (this.#state === 'CONNECTED' || this.#state === 'CLOSING') {
        this.channel.takeOver(receive, this);
        // The peer may have finished sending before we took over: nothing more will come.
        if (this.channel.eof) this.#endChannel();
      }
      this.#keepalive?.start();
    });
  }

  /** CONNECTING, CONNECTED, CLOSING or CLOSED. */
  get state(): WsState {
    return this.#state;
  }

  /** The handler given at creation (tcllib `conninfo sock handler`). */
  get handler(): WsHandler | undefined {
    return this.#handler as WsHandler | undefined;
  }

  /** Bytes accepted by `send` that have not yet been handed to the kernel. */
  get bufferedAmount(): number {
    return this.channel.sendBuffer + this.#writer.queuedBytes;
  }

  /** Whole messages received and sent so far. */
  get messagesIn(): number {
    return this.#messagesIn;
  }
  get messagesOut(): number {
    return this.#messagesOut;
  }

  /** True when permessage-deflate was negotiated. */
  get compressed(): boolean {
    return this.#pmd !== undefined;
  }

  /**
   * Sends a message, a fragment or a control frame (tcllib `send`). `type` is `text`, `binary`,
   * `ping`, `pong` (any case) or an opcode number; with `final` false the message goes on in
   * later calls of the same type (sent as continuation frames) until one with `final` true.
   * Returns the bytes written (for a compressed message: the bytes accepted before compressing),
   * or -1 when nothing could be sent (closing, closed, I/O error, or over `maxBufferedBytes`).
   *
   * @throws UsageError `ERR_WS_NOT_CONNECTED` before the handshake completed,
   *   `ERR_WS_INVALID_TYPE` for an unknown type or a fragment of another type, and the frame
   *   encoder's errors (a control payload over 125 bytes).
   * @example
   * ```ts
   * conn.send('text', 'hello');
   * conn.send('binary', part1, false);
   * conn.send('binary', part2);
   * ```
   */
  send(type: string | number, msg?: string | Uint8Array, final = true): number {
    const opcode = toOpcode(type);
    if (this.#state === 'CONNECTING') {
      throw new UsageError(`WebSocket ${this.name} is not connected yet`, {
        code: 'ERR_WS_NOT_CONNECTED',
      });
    }
    if (opcode === Opcode.CLOSE) {
      this.close(1000, typeof msg === 'string' ? msg : undefined);
      return 0;
    }
    if (this.#closeSent || this.#state === 'CLOSED') return -1;
    const payload =
      msg === undefined ? EMPTY : typeof msg === 'string' ? Buffer.from(msg) : toBuffer(msg);
    if (opcode >= 0x8) return this.#writer.control(opcode, payload);
    let wire = opcode;
    let compress = false;
    if (this.#fragOpcode !== -1) {
      if (opcode !== this.#fragOpcode && opcode !== Opcode.CONTINUATION) {
        throw badType(`a ${opcodeName(opcode)} fragment in the middle of a fragmented message`);
      }
      wire = Opcode.CONTINUATION;
      compress = this.#fragCompressed;
    } else {
      if (opcode === Opcode.CONTINUATION)
        throw badType('a continuation with no message to continue');
      compress = this.#pmd !== undefined && this.#pmd.isCompressible(payload.length);
      this.#fragCompressed = compress;
    }
    this.#fragOpcode = final ? -1 : this.#fragOpcode === -1 ? opcode : this.#fragOpcode;
    if (this.bufferedAmount + payload.length > this.#maxBuffered) {
      this.#overflow(payload.length);
      return -1;
    }
    if (final) this.#messagesOut++;
    if (compress || this.#writer.busy) {
      this.#writer.queue(wire, final, payload, compress);
      return payload.length;
    }
    return this.#writer.write(wire, final, false, payload);
  }

  /**
   * @internal Writes frames encoded once for many connections (`broadcast`, topics): `messages`
   * whole messages in `size` bytes, `deflated` when they were compressed by a fresh compressor.
   * Returns the bytes written, -1 when skipped (closing, in the middle of a fragmented send, or
   * over `maxBufferedBytes`: then, with `closeOnOverflow`, the connection is also closed with
   * 1008), or -2 when the frames cannot be shared (queued compressed messages must go first, or
   * a client masks its own) and no `fallback` was given: the caller sends the messages one by one.
   */
  sendEncoded(
    frames: readonly Buffer[],
    size: number,
    fallback: { type: number; msg: Buffer } | undefined,
    closeOnOverflow: boolean,
    messages = 1,
    deflated = false,
  ): number {
    if (this.#state !== 'CONNECTED' || this.#closeSent || this.#fragOpcode !== -1) return -1;
    if (this.bufferedAmount + size > this.#maxBuffered) {
      if (closeOnOverflow) this.#overflow(size);
      return -1;
    }
    if (this.#writer.busy || this.#client) {
      return fallback === undefined ? -2 : this.send(fallback.type, fallback.msg);
    }
    // The peer's window now holds a message our compressor never saw: its next one starts afresh.
    if (deflated) this.#pmd?.forgetContext();
    this.#messagesOut += messages;
    return this.#writer.writeEncoded(frames, size);
  }

  /** The send-buffer bound (`maxBufferedBytes`). */
  get maxBufferedBytes(): number {
    return this.#maxBuffered;
  }

  /** @internal The LZ77 window the peer inflates our messages with; 0 without compression. */
  get deflateWindowBits(): number {
    return this.#pmd?.deflateWindowBits ?? 0;
  }

  // --- topics (Bun's shape; the registry is topics.ts) -----------------------------------------

  /**
   * Subscribes to a topic: every `publish` to it reaches this WebSocket, until `unsubscribe` or
   * the connection closes.
   *
   * @example
   * ```ts
   * conn.subscribe('/chat/lobby');
   * conn.publish('/chat/lobby', 'hello'); // everyone in the lobby but conn
   * ```
   */
  subscribe(topic: string): void {
    subscribe(this, topic);
  }

  /** Leaves a topic; false when it was not subscribed. */
  unsubscribe(topic: string): boolean {
    return unsubscribe(this, topic);
  }

  isSubscribed(topic: string): boolean {
    return isSubscribed(this, topic);
  }

  /** The topics this WebSocket is subscribed to. */
  get subscriptions(): string[] {
    return topicsOf(this);
  }

  /**
   * Publishes to every subscriber of `topic` but this connection (Bun's `ws.publish`), in this
   * process and, in a cluster, everywhere. Returns the local subscribers it was queued for.
   */
  publish(topic: string, data: string | Uint8Array, options: PublishOptions = {}): number {
    return publish(topic, data, { ...options, exclude: this });
  }

  /**
   * Starts the closing handshake (tcllib `close`): sends a close frame with `code` (default
   * 1000) and `reason` (default: the manual's text for the code, cut to 123 bytes), then waits
   * up to `closeTimeout` for the peer's close before cutting the connection. Codes 1005, 1006 and
   * 1015 cannot be sent: they close the TCP connection at once, without a close frame.
   *
   * @throws UsageError `ERR_WS_INVALID_CLOSE_CODE` for a code that may not be sent.
   * @example
   * ```ts
   * conn.close(4000, 'bye');
   * ```
   */
  close(code = 1000, reason?: string): void {
    if (this.#state === 'CLOSED') return;
    if (isUnsendableCode(code) || this.#state === 'CONNECTING') {
      this.terminate();
      return;
    }
    if (this.#closeSent) return;
    this.#sendClose(closePayload(code, reason));
  }

  /** Cuts the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.#state === 'CLOSED') return;
    const already = this.channel.socket.destroyed;
    this.channel.destroy();
    // A socket destroyed earlier may have said 'close' already (or says it before we look again).
    if (already) queueMicrotask(() => this.#onSocketClose());
  }

  /** Sends a ping (at most 125 bytes). Returns the bytes written or -1. */
  ping(data: string | Uint8Array = EMPTY): number {
    return this.send(Opcode.PING, data);
  }

  /**
   * Changes keep-alive settings (tcllib `configure -keepalive N -ping text`). `keepalive` is in
   * seconds (or a time string such as `"250ms"`); 0 or less turns pings off. A peer that sends
   * nothing (no pong, no data) for a whole interval after a ping gets a `timeout` event and is
   * closed (close frame 1001, then the TCP connection; the local `disconnect` reports 1006).
   *
   * @example
   * ```ts
   * conn.configure({ keepalive: 10, ping: 'are you there?' });
   * ```
   */
  configure(options: { keepalive?: number | string; ping?: string | Uint8Array }): void {
    if (options.ping !== undefined) {
      const p = pingPayload(options.ping);
      if (p.length > 0 || this.#keepalive !== undefined) this.#keepaliveState().payload = p;
    }
    if (options.keepalive !== undefined) {
      const ms = keepaliveMs(options.keepalive);
      if (ms > 0 || this.#keepalive !== undefined) this.#keepaliveState().set(ms);
    }
  }

  #keepaliveState(): Keepalive<WebSocketConnection> {
    return (this.#keepalive ??= new Keepalive(keepaliveHooks, this));
  }

  /** The keep-alive interval in ms (0: off) and ping payload. */
  get keepalive(): { intervalMs: number; ping: Buffer } {
    const k = this.#keepalive;
    return { intervalMs: k?.intervalMs ?? 0, ping: k?.payload ?? EMPTY };
  }

  /**
   * Resolves when the send buffer is below its high-water mark and no compressed message waits
   * (at once when it already is, or when the connection is closed).
   */
  drained(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  /** Resolves with the close information once the connection is closed. */
  closed(): Promise<WsCloseInfo> {
    if (this.#closeInfo !== undefined) return Promise.resolve(this.#closeInfo);
    this.#closedPromise ??= new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    return this.#closedPromise;
  }

  /**
   * Every event from now on, in order, ending after `disconnect`. One iterator at a time; while
   * it lags more than 1024 events behind, reading from the socket pauses.
   */
  [Symbol.asyncIterator](): AsyncIterator<WsConnectionEvent> {
    if (this.#iter !== undefined) {
      throw new UsageError('this WebSocket already has an iterator', { code: 'ERR_WS_ITERATOR' });
    }
    const q = new EventQueue(() => {
      this.#pausedIter = false;
      this.#resumeIfFree();
    });
    if (this.#state === 'CLOSED') q.end();
    else this.#iter = q;
    return q;
  }

  // --- receiving -----------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    const k = this.#keepalive;
    if (k !== undefined) k.rx = true;
    if (this.#failCode !== undefined) return;
    const r = this.#receiver;
    r.feed(chunk);
    // Everything the handlers send while this chunk is processed leaves in one write: small
    // frames are gathered by the writer, anything else waits in the corked socket.
    const socket = this.channel.socket;
    const writer = this.#writer;
    const batch = writer.startBatch();
    socket.cork();
    try {
      for (let ev = r.next(); ev !== NEED_DATA; ev = r.next()) {
        if (this.#inflater?.waiting) this.#inflater.hold(ev);
        else this.#dispatch(ev);
        if (this.#failCode !== undefined) break;
      }
    } catch (err) {
      this.#fail(err);
    } finally {
      if (batch) writer.endBatch();
      socket.uncork();
    }
  }

  #dispatch(ev: WsEvent): void {
    switch (ev.type) {
      case 'text':
        this.#messagesIn++;
        this.#deliver('text', ev.data);
        return;
      case 'binary':
        this.#messagesIn++;
        this.#deliver('binary', ev.data);
        return;
      case 'compressed':
        (this.#inflater as InflateOrder).start(ev);
        return;
      case 'ping':
        if (!this.#closeSent) this.#writer.control(Opcode.PONG, ev.data);
        this.#deliver('ping', ev.data);
        return;
      case 'pong':
        this.#deliver('pong', ev.data);
        return;
      case 'close':
        this.#onPeerClose(ev.code, ev.reason);
        return;
    }
  }

  #resumeIfFree(): void {
    if (!this.#inflater?.paused && !this.#pausedIter && this.#state !== 'CLOSED') {
      this.channel.socket.resume();
    }
  }

  #onPeerClose(code: number, reason: string): void {
    this.#closeReceived = { code, reason };
    this.#deliver('close', { code, reason, wasClean: this.#closeSent });
    if (!this.#closeSent) {
      this.#sendClose(echoPayload(code));
    } else {
      this.#closeHandshakeDone();
    }
  }

  /** Both close frames are out: the server ends TCP, the client gives it a moment to. */
  #closeHandshakeDone(): void {
    if (!this.#client) {
      this.#endChannel();
      return;
    }
    this.#armCloseTimer(CLIENT_LINGER_MS);
  }

  // --- sending ---------------------------------------------------------------------------------

  #sendClose(payload: Buffer): void {
    this.#closeSent = true;
    if (this.#state === 'CONNECTED') this.#state = 'CLOSING';
    this.#keepalive?.stop();
    if (this.#writer.busy) {
      this.#writer.closeAfterQueue(payload);
    } else {
      this.#writeClose(payload);
    }
  }

  #writeClose(payload: Buffer): void {
    this.#writer.write(Opcode.CLOSE, true, false, payload);
    this.#afterCloseWritten();
  }

  #afterCloseWritten(): void {
    if (this.#failCode !== undefined) this.#endChannel();
    else if (this.#closeReceived !== undefined) this.#closeHandshakeDone();
    else this.#armCloseTimer(this.#closeTimeoutMs);
  }

  #overflow(wanted: number): void {
    const err = overflowError(this.name, this.#maxBuffered, this.bufferedAmount, wanted);
    this.#writer.clear();
    this.#failWith(1008, 'send buffer limit exceeded', err);
  }

  // --- failures, timers, the end ---------------------------------------------------------------

  /** Fails the connection: `error` event, close frame with the error's code, TCP closed. */
  #fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#failWith(failureCode(err), error.message, error);
  }

  #failWith(code: number, reason: string, error: Error): void {
    if (this.#failCode !== undefined || this.#state === 'CLOSED') return;
    this.#failCode = code;
    this.#failReason = reason;
    log('notice', `${this.name}: failing with ${code}: ${error.message}`);
    this.#deliver('error', error);
    if (this.#closeSent) {
      this.#endChannel();
      return;
    }
    this.#closeSent = true;
    if (this.#state === 'CONNECTED') this.#state = 'CLOSING';
    this.#keepalive?.stop();
    this.#writer.clear();
    this.#writeClose(closePayload(code, reason));
  }

  #endChannel(): void {
    this.#writer.flush();
    if (!this.channel.closed) this.channel.close();
    // channel.close() waits (closeWaitMs) for queued bytes, then destroys the socket.
  }

  #armCloseTimer(ms: number): void {
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#closeTimer = setTimeout(() => this.terminate(), ms);
    this.#closeTimer.unref();
  }

  #keepaliveTimeout(): void {
    this.#deliver('timeout', undefined);
    this.#failWith(1001, 'keep-alive timeout', keepaliveTimeoutError(this.name));
  }

  #isDrained(): boolean {
    return (
      this.#state === 'CLOSED' || (!this.#writer.busy && !this.channel.socket.writableNeedDrain)
    );
  }

  #onDrain(): void {
    if (!this.#isDrained()) return;
    const waiters = this.#drainWaiters;
    if (waiters !== undefined && waiters.length > 0) {
      this.#drainWaiters = undefined;
      for (const w of waiters) w();
    }
    if (this.listenerCount('drain') > 0) this.emit('drain');
  }

  #onSocketClose(): void {
    if (this.#state === 'CLOSED') return;
    this.#state = 'CLOSED';
    this.#keepalive?.stop();
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#pmd?.close();
    this.#writer.clear();
    unregister(this);
    const info = closeInfoOf(
      this.#closeReceived,
      this.#closeSent,
      this.#failCode,
      this.#failReason,
    );
    this.#closeInfo = info;
    this.#deliver('disconnect', info);
    this.#iter?.end();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w();
    this.#resolveClosed?.(info);
    if (!this.channel.gone) this.channel.destroy();
  }

  #deliver<T extends WsEventType>(type: T, data: unknown): void {
    const h = this.#handler;
    if (h !== undefined) {
      try {
        h(this.name, type, data);
      } catch (err) {
        log('error', `${this.name}: handler failed on ${type}: ${String(err)}`);
        if (this.listenerCount('handlerError') > 0) this.emit('handlerError', err);
      }
    }
    const iter = this.#iter;
    if (
      iter !== undefined &&
      !iter.push({ type, data } as WsConnectionEvent) &&
      !this.#pausedIter
    ) {
      this.#pausedIter = true;
      this.channel.socket.pause();
    }
    if (this.listenerCount(type) > 0) this.emit(type, data);
  }

  static {
    channelHooks = {
      drain: (c) => c.#onDrain(),
      close: (c) => c.#onSocketClose(),
      // The server's graceful shutdown: a closing handshake (1001), which the server then awaits
      // up to its grace period. (The channel's callback stays free for the application.)
      shutdown: (c) => c.close(1001),
    };
    writerHooks = {
      closed: (c) => c.#state === 'CLOSED',
      failed: (c, err) => c.#fail(err),
      closeWritten: (c) => c.#afterCloseWritten(),
      idle: (c) => c.#onDrain(),
      writeFailed: (c, err) => log('info', `${c.name}: send failed: ${String(err)}`),
    };
    keepaliveHooks = {
      active: (c) => c.#state === 'CONNECTED',
      ping: (c, payload) => c.#writer.control(Opcode.PING, payload),
      timeout: (c) => c.#keepaliveTimeout(),
    };
    receive = function (this: WebSocketConnection, chunk: Buffer): void {
      this.#onData(chunk);
    };
    statusOf = (channel) => {
      const c = channel.owner;
      return c instanceof WebSocketConnection
        ? (wsStatus(c, c.#receiver, c.#keepalive) as Partial<ChannelStatus>)
        : {};
    };
  }
}
