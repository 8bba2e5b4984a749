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
import type { ChannelOwnerHooks } from '../channels/channel.js';
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
  makeReceiver,
  maxMessageBytesOf,
  throttleOf,
  type WsConnectionInit,
} from './connection-init.js';
import { emitEvent } from './connection-events.js';
import { wsStatus } from './connection-status.js';
import { EventQueue } from './event-queue.js';
import { ConnectionEnd } from './connection-end.js';
import { senderParts, setSenderHooks, WsSender } from './connection-send.js';
import { FrameWriter, type FrameWriterHooks } from './frame-writer.js';
import { handlerFunction, type LooseHandler } from './handlers.js';
import { beginNextTurn } from './begin-queue.js';
import { InflateOrder } from './inflate-order.js';
import {
  joinKeepalive,
  KA_RX,
  KEEPALIVE_TICKS,
  keepaliveMs,
  keepaliveTurn,
  leaveKeepalive,
  pingPayload,
  type KeepaliveHooks,
} from './keepalive.js';
import { connections, log, register, unregister } from './registry.js';
import type { WsConnectionEvent, WsEventType, WsHandler } from './types.js';

export type { WsConnectionInit } from './connection-init.js';
export { sendTyped } from './connection-send.js';

// What the channel, the frame writer and the keep-alive tell a connection: one object of
// functions for all connections (set in the class's static block, which can reach its private
// members), so that a connection costs no closures.
let channelHooks: ChannelOwnerHooks<WebSocketConnection>;
let writerHooks: FrameWriterHooks<WebSocketConnection>;
let keepaliveHooks: KeepaliveHooks<WebSocketConnection>;
let receive: (this: WebSocketConnection, chunk: Buffer, lent: boolean) => void;
let begin: (conn: WebSocketConnection) => void;
const terminate = (conn: WebSocketConnection): void => conn.terminate();

/** Why reading from the socket is paused (bits; the inflater keeps its own). */
const PAUSED_ITERATOR = 1;
const PAUSED_THROTTLE = 2;
const PAUSED_BY_USER = 4;

/** Dispatch of received events: not yet begun, begun, or not begun when the socket closed. */
const NOT_BEGUN = 0;
const BEGUN = 1;
const GONE_BEFORE_BEGIN = 2;

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
  extends WsSender<D>
  implements AsyncIterable<WsConnectionEvent>
{
  #begun = NOT_BEGUN;
  readonly #handler: LooseHandler | undefined;
  /** Made on the first bytes received (an idle connection holds no decoder): see #received(). */
  #receiver: WsReceiver | undefined;
  readonly #maxMessageBytes: number;
  readonly #closeTimeoutMs: number;
  /** `[high, low]` watermarks with `backpressure: 'throttle'`, else undefined. */
  readonly #throttle: readonly [number, number] | undefined;
  /**
   * Keep-alive (keepalive.ts): the interval (0: off), the ping's payload, the sweep tick of the
   * next turn (0: not in a sweep) and the flags (KA_RX, KA_AWAITING). Numbers, not an object.
   */
  #kaMs = 0;
  #kaPing: Buffer = EMPTY;
  #kaDue = 0;
  #kaFlags = 0;
  #iter: EventQueue | undefined;
  #messagesIn = 0;
  /** Events received while a compressed message inflates, in order; undefined when none waits. */
  readonly #inflater: InflateOrder | undefined;
  #paused = 0;

  /** @internal use `upgrade`, `takeover`, `open` or `handleNodeUpgrade`. */
  constructor(init: WsConnectionInit<D>) {
    super(init, writerHooks);
    const channel = init.channel;
    this.#handler = handlerFunction(init.handler as WsHandler | undefined);
    const maxMessageBytes = maxMessageBytesOf(init);
    this.#maxMessageBytes = maxMessageBytes;
    // A limit the application set is checked now, not when the first frame comes.
    if (init.maxMessageBytes !== undefined) this.#received();
    const pmd = this.#pmd;
    if (pmd !== undefined) {
      this.#inflater = new InflateOrder(pmd, {
        dispatch: (ev) => this.#dispatch(ev),
        message: (type, data) => {
          this.#messagesIn++;
          this.#deliver(type, data);
        },
        fail: (err) => this.#fail(err),
        stopped: () => this.#end?.failCode !== undefined || this.state === 'CLOSED',
        pause: () => this.channel.transport.pause(),
        resume: () => this.#resumeIfFree(),
      });
    }
    this.#throttle = throttleOf(init, channel.transport.writableHighWaterMark);
    this.#closeTimeoutMs = closeTimeoutMs(init.closeTimeout);
    // The connection enforces its own bound (maxBufferedBytes); the channel must never cut a frame.
    channel.unboundSendBuffer();
    channel.setOwner(this, channelHooks);
    // Noted only: the connection joins its keep-alive sweep when dispatch begins.
    this.#kaMs = Math.max(0, keepaliveMs(init.keepalive ?? (this.#isClient ? 0 : 30)));
    if (init.ping !== undefined) this.#kaPing = pingPayload(init.ping);
    register(this as WebSocketConnection);
  }

  /**
   * @internal Begins dispatch on the next turn of the event loop (see the file comment): `connect`
   * first, then every received frame, those that came with the handshake included.
   */
  start(): void {
    beginNextTurn(this as WebSocketConnection, begin);
  }

  #begin(): void {
    const goneEarly = this.#begun === GONE_BEFORE_BEGIN;
    this.#begun = BEGUN;
    this.#deliver('connect', undefined);
    if (this.state === 'CLOSED') return;
    this.channel.takeOver(receive, this, true);
    if (goneEarly) {
      // The TCP connection ended before dispatch began: its last frames are in, now it is gone.
      this.#onSocketClose();
      return;
    }
    // The peer may have finished sending before we took over: nothing more will come.
    if (this.channel.eof) this.#endChannel();
    this.#kaStart();
  }

  /** The handler given at creation (tcllib `conninfo sock handler`). */
  get handler(): WsHandler | undefined {
    return this.#handler as WsHandler | undefined;
  }

  /** Whole messages received and sent so far. */
  get messagesIn(): number {
    return this.#messagesIn;
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
    if (this.state === 'CLOSED') return;
    if (isUnsendableCode(code)) {
      this.terminate();
      return;
    }
    if (this.#closeSent) return;
    this.#sendClose(closePayload(code, reason));
  }

  /** Cuts the connection at once, without a closing handshake (queued bytes are dropped). */
  terminate(): void {
    if (this.state === 'CLOSED') return;
    const already = this.channel.transport.destroyed;
    this.channel.destroy();
    // A socket destroyed earlier may have said 'close' already (or says it before we look again).
    if (already) queueMicrotask(() => this.#onSocketClose());
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
    if (options.ping !== undefined) this.#kaPing = pingPayload(options.ping);
    if (options.keepalive !== undefined) {
      const ms = Math.max(0, keepaliveMs(options.keepalive));
      const running = this.#kaDue !== 0;
      this.#kaStop();
      this.#kaMs = ms;
      // Before dispatch begins the interval is only noted: the first turn is one after it.
      if (running || this.#begun === BEGUN) this.#kaStart();
    }
  }

  /** The keep-alive interval in ms (0: off) and ping payload. */
  get keepalive(): { intervalMs: number; ping: Buffer } {
    return { intervalMs: this.#kaMs, ping: this.#kaPing };
  }

  /** Joins the keep-alive sweep of its interval: the first ping one interval from now. */
  #kaStart(): void {
    if (this.#kaMs <= 0 || this.#kaDue !== 0 || this.state !== 'CONNECTED') return;
    this.#kaFlags = 0;
    this.#kaDue = joinKeepalive(this.#kaMs, keepaliveHooks);
  }

  #kaStop(): void {
    if (this.#kaDue === 0) return;
    this.#kaDue = 0;
    leaveKeepalive(this.#kaMs, keepaliveHooks);
  }

  /** The sweep's tick: on its turn a connection pings, or times out when the last ping went unanswered. */
  #kaTick(ms: number, tick: number, judge: boolean): void {
    if (this.#kaDue === 0 || tick < this.#kaDue || ms !== this.#kaMs) return;
    this.#kaDue = tick + KEEPALIVE_TICKS;
    if (this.state !== 'CONNECTED') return;
    const flags = keepaliveTurn(this.#kaFlags);
    if (flags < 0) {
      // A late tick (this process was stalled): the peer gets another interval of ours.
      if (!judge) return;
      this.#kaStop();
      this.#keepaliveTimeout();
      return;
    }
    this.#kaFlags = flags;
    this.#writer.control(Opcode.PING, this.#kaPing);
  }

  /**
   * Resolves when the send buffer is below its high-water mark and no compressed message waits
   * (at once when it already is, or when the connection is closed).
   */
  drained(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return this.#ending().drained();
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
    if (this.state === 'CLOSED') q.end();
    else this.#iter = q;
    return q;
  }

  // The send layer's fields (connection-send.ts).
  get #writer(): FrameWriter<WebSocketConnection> {
    return senderParts.writer(this);
  }
  get #pmd(): PerMessageDeflate | undefined {
    return senderParts.pmd(this);
  }
  get #end(): ConnectionEnd | undefined {
    return senderParts.end(this);
  }
  #ending(): ConnectionEnd {
    return senderParts.ending(this);
  }
  /** Derived rather than kept: a field each would cost every connection 8 bytes. */
  get #isClient(): boolean {
    return this.role === 'client';
  }
  get #closeSent(): boolean {
    return senderParts.end(this)?.closeSent === true;
  }

  // --- receiving -----------------------------------------------------------------------------

  /** Received bytes: ours, or `lent` (io/lent-reads.ts: the receiver copies what it keeps). */
  #onData(chunk: Buffer, lent: boolean): void {
    this.#kaFlags |= KA_RX;
    if (this.#end?.failCode !== undefined || this.#inflater?.failing) return;
    const r = this.#receiver ?? this.#received();
    if (lent) r.feedLent(chunk);
    else r.feed(chunk);
    // Everything the handlers send while this chunk is processed leaves in one write: small
    // frames are gathered by the writer, which corks the socket if anything else must go first
    // (frame-writer.ts). Inside another connection's batch, this socket is corked here.
    const socket = this.channel.transport;
    const writer = this.#writer;
    const batch = writer.startBatch();
    if (!batch) socket.cork();
    try {
      for (let ev = r.next(); ev !== NEED_DATA; ev = r.next()) {
        if (this.#inflater?.waiting) this.#inflater.hold(ev);
        else this.#dispatch(ev);
        if (this.#end?.failCode !== undefined) break;
      }
    } catch (err) {
      // Behind a message still inflating, the failure waits for it (and what came before).
      if (this.#inflater?.waiting) this.#inflater.holdFailure(err);
      else this.#fail(err);
    } finally {
      if (lent) r.releaseLent();
      if (batch) writer.endBatch();
      else socket.uncork();
    }
    const t = this.#throttle;
    if (t !== undefined && this.bufferedAmount > t[0]) this.#pauseFor(PAUSED_THROTTLE);
  }

  #received(): WsReceiver {
    const role = this.#isClient ? 'client' : 'server';
    return (this.#receiver = makeReceiver(role, this.#maxMessageBytes, this.#pmd !== undefined));
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
    if (this.#paused === 0) this.channel.transport.pause();
    this.#paused |= reason;
  }

  #resumeIfFree(): void {
    if (this.#paused === 0 && !this.#inflater?.paused && this.state !== 'CLOSED') {
      this.channel.transport.resume();
    }
  }

  /** Throttled: read again once the send buffer is down to the low-water mark. */
  #unthrottleIfLow(): void {
    if (this.bufferedAmount <= (this.#throttle as [number, number])[1]) {
      this.#paused &= ~PAUSED_THROTTLE;
      this.#resumeIfFree();
    } else if (!this.#writer.busy && !this.channel.transport.writableNeedDrain) {
      // Below the socket's own mark no 'drain' comes: hear when what is queued has left.
      this.channel.transport.write(EMPTY, () => this.#onDrain());
    }
  }

  #onPeerClose(code: number, reason: string): void {
    this.#ending().received = { code, reason };
    this.#deliver('close', { code, reason, wasClean: this.#closeSent });
    if (!this.#closeSent) {
      this.#sendClose(echoPayload(code));
    } else {
      this.#closeHandshakeDone();
    }
  }

  /** Both close frames are out: the server ends TCP, the client gives it a moment to. */
  #closeHandshakeDone(): void {
    if (!this.#isClient) {
      // The client will send nothing more: no waiting for its FIN (nor paying for its reset).
      this.#writer.flush();
      this.channel.closeAfterPeerDone();
      return;
    }
    this.#armCloseTimer(CLIENT_LINGER_MS);
  }

  // --- sending ---------------------------------------------------------------------------------

  /** Sends a close frame after everything accepted so far (queued behind compression if need be). */
  #sendClose(payload: Buffer): void {
    this.#ending().closeSent = true;
    if (this.state === 'CONNECTED') senderParts.setState(this, 'CLOSING');
    this.#kaStop();
    if (this.#writer.busy) {
      this.#writer.closeAfterQueue(payload);
    } else {
      this.#writer.write(Opcode.CLOSE, true, false, payload);
      this.#afterCloseWritten();
    }
  }

  #afterCloseWritten(): void {
    const end = this.#end;
    if (end?.failCode !== undefined) this.#endChannel();
    else if (end?.received !== undefined) this.#closeHandshakeDone();
    else this.#armCloseTimer(this.#closeTimeoutMs);
  }

  /** A send would pass `maxBufferedBytes`: refuse it, keep what was accepted, close with 1008. */
  #overflow(wanted: number): void {
    const err = overflowError(this.name, this.maxBufferedBytes, this.bufferedAmount, wanted);
    this.#ending().refusal = 'ERR_WS_BUFFER_OVERFLOW';
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
    const end = this.#ending();
    if (end.failCode !== undefined || this.state === 'CLOSED') return;
    end.failCode = code;
    end.failReason = reason;
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
    this.#ending().arm(ms, terminate, this as WebSocketConnection);
  }

  #keepaliveTimeout(): void {
    this.#deliver('timeout', undefined);
    this.#failWith(1001, 'keep-alive timeout', keepaliveTimeoutError(this.name));
  }

  #isDrained(): boolean {
    return (
      this.state === 'CLOSED' || (!this.#writer.busy && !this.channel.transport.writableNeedDrain)
    );
  }

  #onDrain(): void {
    // The peer reads what we send: a sign of life for the keep-alive, even while we do not read.
    this.#kaFlags |= KA_RX;
    if ((this.#paused & PAUSED_THROTTLE) !== 0) this.#unthrottleIfLow();
    if (!this.#isDrained()) return;
    this.#end?.releaseDrainWaiters();
    if (this.listenerCount('drain') > 0) this.emit('drain');
  }

  #onSocketClose(): void {
    if (this.state === 'CLOSED') return;
    if (this.#begun === NOT_BEGUN) {
      // Dispatch has not begun: `connect` and the frames that came first are still to be heard.
      this.#begun = GONE_BEFORE_BEGIN;
      return;
    }
    senderParts.setState(this, 'CLOSED');
    this.#kaStop();
    this.#pmd?.close();
    this.#writer.clear();
    unregister(this as WebSocketConnection);
    const end = this.#ending();
    const info = closeInfoOf(end.received, this.#closeSent, end.failCode, end.failReason);
    this.#deliver('disconnect', info);
    this.#iter?.end();
    end.settle(info);
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
      status: (c) => wsStatus(c, c.#receiver ?? c.#received(), c.#kaMs),
    };
    writerHooks = {
      closed: (c) => c.state === 'CLOSED',
      failed: (c, err) => c.#fail(err),
      closeWritten: (c) => c.#afterCloseWritten(),
      idle: (c) => c.#onDrain(),
      writeFailed: (c, err) => log('info', `${c.name}: send failed: ${String(err)}`),
    };
    keepaliveHooks = {
      members: connections,
      tick: (c, ms, tick, judge) => c.#kaTick(ms, tick, judge),
    };
    receive = function (this: WebSocketConnection, chunk: Buffer, lent: boolean): void {
      this.#onData(chunk, lent);
    };
    begin = (c) => c.#begin();
    setSenderHooks({
      close: (c, reason) => c.close(1000, reason),
      overflow: (c, wanted) => c.#overflow(wanted),
    });
  }
}
