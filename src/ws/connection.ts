/**
 * One WebSocket over one channel, either role: a {@link WsReceiver} fed straight from the
 * channel (`takeOver`), frames written with `channel.write`, automatic pongs, the closing
 * handshake with a bounded wait, keep-alive pings, permessage-deflate, and bounded send
 * buffering. Events go to the handler, to EventEmitter listeners and to an async iterator, each
 * only when present.
 *
 * ```
 *   CONNECTED ──close() / peer's close / failure──▶ CLOSING ──TCP gone──▶ CLOSED
 *       └──────────────────────────TCP gone──────────────────────────────▲
 * ```
 * One delivery model: a connection is open (it may send) from the moment it exists, but
 * dispatch of what it receives begins on the next turn of the event loop, with `connect`;
 * until then received bytes wait in the channel. Whoever got the connection (an awaited
 * `open()`, `upgrade()`, `takeover()`) has attached its consumers by then, so every consumer
 * sees every event, including frames that came in the same read as the handshake.
 *
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
import { HeaderList } from '../proto/http1/headers.js';
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
  throttleOf,
  type WsConnectionInit,
} from './connection-init.js';
import { emitEvent, READY_STATES } from './connection-events.js';
import { wsStatus } from './connection-status.js';
import { EventQueue } from './event-queue.js';
import { FrameWriter, type FrameWriterHooks } from './frame-writer.js';
import { handlerFunction, type LooseHandler } from './handlers.js';
import { InflateOrder } from './inflate-order.js';
import { Keepalive, keepaliveMs, pingPayload, type KeepaliveHooks } from './keepalive.js';
import {
  badType,
  opcodeName,
  toBuffer,
  toOpcode,
  wsOpcode,
  wsPayload,
  WsSendError,
  type WsSendRefusal,
} from './send-types.js';
import { log, register, unregister } from './registry.js';
import {
  isSubscribed,
  publish,
  subscribe,
  topicsOf,
  unsubscribe,
  type PublishOptions,
} from './topics.js';
import type {
  WebSocketConnectionEvents,
  WsCloseInfo,
  WsConnectionEvent,
  WsData,
  WsEventType,
  WsHandler,
  WsSendOptions,
  WsState,
} from './types.js';

export type { WsConnectionInit } from './connection-init.js';

// What the channel, the frame writer and the keep-alive tell a connection: one object of
// functions for all connections (set in the class's static block, which can reach its private
// members), so that a connection costs no closures.
let channelHooks: ChannelOwnerHooks<WebSocketConnection>;
let writerHooks: FrameWriterHooks<WebSocketConnection>;
let keepaliveHooks: KeepaliveHooks<WebSocketConnection>;
let receive: (this: WebSocketConnection, chunk: Buffer) => void;
let begin: (conn: WebSocketConnection) => void;
let statusOf: (channel: Channel) => Partial<ChannelStatus>;
/**
 * The tcllib-form send as a method every copy of connchan in the process can call on any
 * connection (see process-state.ts): a module-level hook would reach into `#private` fields of
 * another copy's class and fail.
 */
const SEND_TYPED: unique symbol = Symbol.for('connchan.ws.sendTyped');

/** Why reading from the socket is paused (bits; the inflater keeps its own). */
const PAUSED_ITERATOR = 1;
const PAUSED_THROTTLE = 2;
const PAUSED_BY_USER = 4;

/** Dispatch of received events: not yet begun, begun, or not begun when the socket closed. */
const NOT_BEGUN = 0;
const BEGUN = 1;
const GONE_BEFORE_BEGIN = 2;

const NO_HEADERS = new HeaderList();

/**
 * @internal Sends in the tcllib form (`type`, `msg`, `final`) whatever the arguments look like:
 * what the `send(sock, type, msg?, final?)` function calls.
 */
export function sendTyped(
  conn: WebSocketConnection,
  type: string | number,
  msg?: string | Uint8Array,
  final = true,
): number {
  return conn[SEND_TYPED](type, msg, final);
}

/**
 * A live WebSocket, with the `ws` package's shape (`send(data)`, `on('message', (data,
 * isBinary) => …)`, `on('close', (code, reason) => …)`, `ping`, `terminate`, `readyState`) and
 * tcllib's (`send(type, msg, final)`, the handler's event types). Made by `upgrade`,
 * `takeover`, `open` or `handleNodeUpgrade`, never with `new` by applications. Its `name` is
 * the socket handle the tcllib-style functions take; `data` is the application's (Bun's
 * `ws.data`).
 *
 * @example
 * ```ts
 * const conn = await open('ws://127.0.0.1:8080/chat');
 * conn.on('message', (data, isBinary) => console.log(isBinary ? 'bytes' : 'text', data));
 * conn.send('hello'); // text; conn.send(bytes) is binary
 * for await (const ev of conn) if (ev.type === 'text') console.log(ev.data);
 * ```
 */
export class WebSocketConnection<D = unknown>
  extends EventEmitter<WebSocketConnectionEvents>
  implements AsyncIterable<WsConnectionEvent>
{
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /** The socket handle: the channel's name (`conn7`). */
  readonly name: string;
  readonly role: 'server' | 'client';
  readonly channel: Channel;
  /** The agreed subprotocol, or '' for none. */
  readonly protocol: string;
  /** The agreed extensions as sent in the handshake, or ''. */
  readonly extensions: string;
  readonly hostname: string | undefined;
  /** The path of the opening request. */
  readonly path: string | undefined;
  /** The application's data for this connection (from `beforeUpgrade`, `upgrade` or `open`). */
  data: D;

  #state: WsState = 'CONNECTED';
  #begun = NOT_BEGUN;
  readonly #handler: LooseHandler | undefined;
  readonly #receiver: WsReceiver;
  readonly #pmd: PerMessageDeflate | undefined;
  readonly #client: boolean;
  readonly #maxBuffered: number;
  readonly #closeTimeoutMs: number;
  readonly #writer: FrameWriter<WebSocketConnection>;
  /** `[high, low]` watermarks with `backpressure: 'throttle'`, else undefined. */
  readonly #throttle: [number, number] | undefined;
  /** The query string (parsed on first use), and the peer's handshake headers. */
  #query: string | URLSearchParams | undefined;
  #headers: HeaderList | readonly string[] | undefined;
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
  /** Why the last refused send was refused. */
  #refusal: WsSendRefusal | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  /** Events received while a compressed message inflates, in order; undefined when none waits. */
  readonly #inflater: InflateOrder | undefined;
  #paused = 0;
  #drainWaiters: (() => void)[] | undefined;
  #closedPromise: Promise<WsCloseInfo> | undefined;
  #resolveClosed: ((info: WsCloseInfo) => void) | undefined;
  #closeInfo: WsCloseInfo | undefined;

  /** @internal use `upgrade`, `takeover`, `open` or `handleNodeUpgrade`. */
  constructor(init: WsConnectionInit<D>) {
    super();
    const channel = init.channel;
    this.channel = channel;
    this.name = channel.name;
    this.role = init.role;
    this.#client = init.role === 'client';
    this.#handler = handlerFunction(init.handler as WsHandler | undefined);
    this.protocol = init.protocol ?? '';
    this.extensions = init.extensions ?? '';
    this.hostname = init.hostname;
    this.path = init.path;
    this.data = init.data as D;
    this.#query = init.query;
    this.#headers = init.requestHeaders;
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
    this.#throttle = throttleOf(init, channel.socket.writableHighWaterMark);
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
    register(this as WebSocketConnection);
  }

  /**
   * @internal Begins dispatch on the next turn of the event loop (see the file comment): `connect`
   * first, then every received frame, those that came with the handshake included.
   */
  start(): void {
    setImmediate(begin, this);
  }

  #begin(): void {
    const goneEarly = this.#begun === GONE_BEFORE_BEGIN;
    this.#begun = BEGUN;
    this.#deliver('connect', undefined);
    if (this.#state === 'CLOSED') return;
    this.channel.takeOver(receive, this);
    if (goneEarly) {
      // The TCP connection ended before dispatch began: its last frames are in, now it is gone.
      this.#onSocketClose();
      return;
    }
    // The peer may have finished sending before we took over: nothing more will come.
    if (this.channel.eof) this.#endChannel();
    this.#keepalive?.start();
  }

  /** CONNECTED, CLOSING or CLOSED (tcllib's `conninfo sock state`). */
  get state(): WsState {
    return this.#state;
  }

  /** 1 (OPEN), 2 (CLOSING) or 3 (CLOSED), as `ws` and browsers number them. */
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATES[this.#state];
  }
  get CONNECTING(): 0 {
    return 0;
  }
  get OPEN(): 1 {
    return 1;
  }
  get CLOSING(): 2 {
    return 2;
  }
  get CLOSED(): 3 {
    return 3;
  }

  /** The handler given at creation (tcllib `conninfo sock handler`). */
  get handler(): WsHandler | undefined {
    return this.#handler as WsHandler | undefined;
  }

  /** The query of the opening request (empty when it had none). */
  get query(): URLSearchParams {
    const q = this.#query;
    if (q instanceof URLSearchParams) return q;
    const parsed = new URLSearchParams(q ?? '');
    this.#query = parsed;
    return parsed;
  }

  /** The peer's headers of the opening handshake: the request's on a server, the `101`'s on a client. */
  get headers(): HeaderList {
    const h = this.#headers;
    if (h === undefined) return NO_HEADERS;
    if (h instanceof HeaderList) return h;
    const list = new HeaderList([...h]);
    this.#headers = list;
    return list;
  }

  /** The peer's IP address. */
  get remoteAddress(): string | undefined {
    return this.channel.socket.remoteAddress;
  }

  /** The peer's port. */
  get remotePort(): number | undefined {
    return this.channel.socket.remotePort;
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

  /** Why the last refused `send` returned -1 (made when asked for); undefined if none was refused. */
  get sendError(): WsSendError | undefined {
    const r = this.#refusal;
    return r === undefined ? undefined : new WsSendError(this.name, r);
  }

  /**
   * Sends a message. Two forms, told apart by the arguments:
   *
   * - `ws`'s: `send(data, options?)`: a string goes as text, bytes (Buffer, any typed array,
   *   DataView, ArrayBuffer) as binary; `options.binary` overrides, `options.fin: false` makes
   *   a fragment.
   * - tcllib's: `send(type, msg, final?)` with `type` `text`, `binary`, `ping`, `pong` (any
   *   case) or an opcode number; with `final` false the message goes on in later calls of the
   *   same type (sent as continuation frames). A lone argument is always data: for a ping use
   *   `ping()`, or the `send(sock, 'ping')` function.
   *
   * Returns the bytes written (for a compressed message: the bytes accepted before compressing),
   * or -1 when the message was refused; `sendError` then says why (closing, closed, over
   * `maxBufferedBytes`, or the connection broke). What was accepted is written, in order, before
   * any close frame.
   *
   * @throws UsageError `ERR_WS_INVALID_TYPE` for an unknown type, a fragment of another type or
   *   data of another kind, and the frame encoder's errors (a control payload over 125 bytes).
   * @example
   * ```ts
   * conn.send('hello');                // text
   * conn.send(Buffer.from([1, 2, 3])); // binary
   * conn.send('text', 'hello');        // tcllib's form
   * conn.send('binary', part1, false);
   * conn.send('binary', part2);
   * ```
   */
  send(data: WsData, options?: WsSendOptions): number;
  send(type: string | number, msg: string | Uint8Array, final?: boolean): number;
  send(
    data: WsData | number,
    msgOrOptions?: string | Uint8Array | WsSendOptions,
    final?: boolean,
  ): number {
    if (
      typeof msgOrOptions === 'string' ||
      typeof data === 'number' ||
      final !== undefined ||
      msgOrOptions instanceof Uint8Array
    ) {
      return this.#sendTyped(
        toOpcode(data as string | number),
        msgOrOptions as string | Uint8Array | undefined,
        final ?? true,
      );
    }
    const options = msgOrOptions as WsSendOptions | undefined;
    return this.#sendTyped(wsOpcode(data, options), wsPayload(data), options?.fin ?? true);
  }

  /** @internal See {@link sendTyped}. */
  [SEND_TYPED](
    type: string | number,
    msg: string | Uint8Array | undefined,
    final: boolean,
  ): number {
    return this.#sendTyped(toOpcode(type), msg, final);
  }

  #sendTyped(opcode: number, msg: string | Uint8Array | undefined, final: boolean): number {
    if (opcode === Opcode.CLOSE) {
      this.close(1000, typeof msg === 'string' ? msg : undefined);
      return 0;
    }
    if (this.#closeSent || this.#state === 'CLOSED') {
      return this.#refuse(this.#state === 'CLOSED' ? 'ERR_WS_CLOSED' : 'ERR_WS_CLOSING');
    }
    const payload =
      msg === undefined ? EMPTY : typeof msg === 'string' ? Buffer.from(msg) : toBuffer(msg);
    if (opcode >= 0x8) return this.#written(this.#writer.control(opcode, payload));
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
    return this.#written(this.#writer.write(wire, final, false, payload));
  }

  #written(n: number): number {
    return n === -1 ? this.#refuse('ERR_WS_WRITE_FAILED') : n;
  }

  #refuse(why: WsSendRefusal): -1 {
    this.#refusal = why;
    return -1;
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
      return fallback === undefined ? -2 : this.#sendTyped(fallback.type, fallback.msg, true);
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
   * 1000) and `reason` (default: the manual's text for the code, cut to 123 bytes) after
   * everything already accepted, then waits up to `closeTimeout` for the peer's close before
   * cutting the connection. Codes 1005, 1006 and 1015 cannot be sent: they close the TCP
   * connection at once, without a close frame.
   *
   * @throws UsageError `ERR_WS_INVALID_CLOSE_CODE` for a code that may not be sent.
   * @example
   * ```ts
   * conn.close(4000, 'bye');
   * ```
   */
  close(code = 1000, reason?: string): void {
    if (this.#state === 'CLOSED') return;
    if (isUnsendableCode(code)) {
      this.terminate();
      return;
    }
    if (this.#closeSent) return;
    this.#sendClose(closePayload(code, reason));
  }

  /** Cuts the connection at once, without a closing handshake (queued bytes are dropped). */
  terminate(): void {
    if (this.#state === 'CLOSED') return;
    const already = this.channel.socket.destroyed;
    this.channel.destroy();
    // A socket destroyed earlier may have said 'close' already (or says it before we look again).
    if (already) queueMicrotask(() => this.#onSocketClose());
  }

  /** Sends a ping (at most 125 bytes). Returns the bytes written or -1. */
  ping(data: string | Uint8Array = EMPTY): number {
    return this.#sendTyped(Opcode.PING, data, true);
  }

  /** Sends an unsolicited pong (at most 125 bytes). Returns the bytes written or -1. */
  pong(data: string | Uint8Array = EMPTY): number {
    return this.#sendTyped(Opcode.PONG, data, true);
  }

  /** Stops reading from the peer (as `ws`'s `pause()`): no events until {@link resume}. */
  pause(): void {
    this.#pauseFor(PAUSED_BY_USER);
  }

  /** Reads from the peer again after {@link pause}. */
  resume(): void {
    this.#paused &= ~PAUSED_BY_USER;
    this.#resumeIfFree();
  }

  /** True while {@link pause} holds reading back. */
  get isPaused(): boolean {
    return (this.#paused & PAUSED_BY_USER) !== 0;
  }

  /**
   * Changes keep-alive settings (tcllib `configure -keepalive N -ping text`). `keepalive` is in
   * seconds (or a time string such as `"250ms"`); 0 or less turns pings off. A peer that sends
   * nothing (no pong, no data) and reads nothing for a whole interval after a ping gets a
   * `timeout` event and is closed (close frame 1001, then the TCP connection; the local
   * `disconnect` reports 1006).
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
    return (this.#keepalive ??= new Keepalive(keepaliveHooks, this as WebSocketConnection));
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
   * Every event from now on (from `connect` on when taken before dispatch begins), in order,
   * ending after `disconnect`. One iterator at a time; while it lags more than 1024 events
   * behind, reading from the socket pauses.
   */
  [Symbol.asyncIterator](): AsyncIterator<WsConnectionEvent> {
    if (this.#iter !== undefined) {
      throw new UsageError('this WebSocket already has an iterator', { code: 'ERR_WS_ITERATOR' });
    }
    const q = new EventQueue(() => {
      this.#paused &= ~PAUSED_ITERATOR;
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
    if (this.#failCode !== undefined || this.#inflater?.failing) return;
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
      // Behind a message still inflating, the failure waits for it (and what came before).
      if (this.#inflater?.waiting) this.#inflater.holdFailure(err);
      else this.#fail(err);
    } finally {
      if (batch) writer.endBatch();
      socket.uncork();
    }
    const t = this.#throttle;
    if (t !== undefined && this.bufferedAmount > t[0]) this.#pauseFor(PAUSED_THROTTLE);
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

  #pauseFor(reason: number): void {
    if (this.#paused === 0) this.channel.socket.pause();
    this.#paused |= reason;
  }

  #resumeIfFree(): void {
    if (this.#paused === 0 && !this.#inflater?.paused && this.#state !== 'CLOSED') {
      this.channel.socket.resume();
    }
  }

  /** Throttled: read again once the send buffer is down to the low-water mark. */
  #unthrottleIfLow(): void {
    if (this.bufferedAmount <= (this.#throttle as [number, number])[1]) {
      this.#paused &= ~PAUSED_THROTTLE;
      this.#resumeIfFree();
    } else if (!this.#writer.busy && !this.channel.socket.writableNeedDrain) {
      // Below the socket's own mark no 'drain' comes: hear when what is queued has left.
      this.channel.socket.write(EMPTY, () => this.#onDrain());
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

  /** Sends a close frame after everything accepted so far (queued behind compression if need be). */
  #sendClose(payload: Buffer): void {
    this.#closeSent = true;
    if (this.#state === 'CONNECTED') this.#state = 'CLOSING';
    this.#keepalive?.stop();
    if (this.#writer.busy) {
      this.#writer.closeAfterQueue(payload);
    } else {
      this.#writer.write(Opcode.CLOSE, true, false, payload);
      this.#afterCloseWritten();
    }
  }

  #afterCloseWritten(): void {
    if (this.#failCode !== undefined) this.#endChannel();
    else if (this.#closeReceived !== undefined) this.#closeHandshakeDone();
    else this.#armCloseTimer(this.#closeTimeoutMs);
  }

  /** A send would pass `maxBufferedBytes`: refuse it, keep what was accepted, close with 1008. */
  #overflow(wanted: number): void {
    const err = overflowError(this.name, this.#maxBuffered, this.bufferedAmount, wanted);
    this.#refusal = 'ERR_WS_BUFFER_OVERFLOW';
    this.#failWith(1008, 'send buffer limit exceeded', err);
  }

  // --- failures, timers, the end ---------------------------------------------------------------

  /** Fails the connection: `error` event, close frame with the error's code, TCP closed. */
  #fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#failWith(failureCode(err), error.message, error);
  }

  /**
   * Fails the connection. What `send` accepted before still goes out, then the close frame
   * (RFC 6455 §7.1.7 lets an endpoint finish what it accepted; ws does so too), then TCP ends.
   */
  #failWith(code: number, reason: string, error: Error): void {
    if (this.#failCode !== undefined || this.#state === 'CLOSED') return;
    this.#failCode = code;
    this.#failReason = reason;
    log('notice', `${this.name}: failing with ${code}: ${error.message}`);
    this.#deliver('error', error);
    if (this.#closeSent) {
      // Our close frame is out or queued: once it is, the channel ends (#afterCloseWritten).
      if (!this.#writer.busy) this.#endChannel();
      return;
    }
    this.#sendClose(closePayload(code, reason));
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
    // The peer reads what we send: a sign of life for the keep-alive, even while we do not read.
    const k = this.#keepalive;
    if (k !== undefined) k.rx = true;
    if ((this.#paused & PAUSED_THROTTLE) !== 0) this.#unthrottleIfLow();
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
    if (this.#begun === NOT_BEGUN) {
      // Dispatch has not begun: `connect` and the frames that came first are still to be heard.
      this.#begun = GONE_BEFORE_BEGIN;
      return;
    }
    this.#state = 'CLOSED';
    this.#keepalive?.stop();
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#pmd?.close();
    this.#writer.clear();
    unregister(this as WebSocketConnection);
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

  /** One event to every consumer present: the handler, the iterator, the listeners. */
  #deliver(type: WsEventType, data: unknown): void {
    const h = this.#handler;
    if (h !== undefined) {
      try {
        h.call(this, this.name, type, data);
      } catch (err) {
        log('error', `${this.name}: handler failed on ${type}: ${String(err)}`);
        if (this.listenerCount('handlerError') > 0) this.emit('handlerError', err);
      }
    }
    const iter = this.#iter;
    if (iter !== undefined && !iter.push({ type, data } as WsConnectionEvent)) {
      if ((this.#paused & PAUSED_ITERATOR) === 0) this.#pauseFor(PAUSED_ITERATOR);
    }
    emitEvent(this as unknown as EventEmitter, type, data);
  }

  static {
    channelHooks = {
      drain: (c) => c.#onDrain(),
      close: (c) => c.#onSocketClose(),
      // The server's graceful shutdown: a closing handshake (1001), which the server then awaits
      // up to its grace period. (The channel's callback stays free for the application.)
      shutdown: (c) => c.close(1001),
      callbackName: 'websocket',
      condition: 'x',
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
    begin = (c) => c.#begin();
    statusOf = (channel) => {
      const c = channel.owner;
      return c instanceof WebSocketConnection
        ? (wsStatus(c, c.#receiver, c.#keepalive) as Partial<ChannelStatus>)
        : {};
    };
  }
}
