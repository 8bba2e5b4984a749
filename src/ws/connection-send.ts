/**
 * The sending side of a {@link WebSocketConnection}: its state, the frame writer, `send` in
 * both forms (`ws`'s and tcllib's), frames encoded once for many connections, pings and pongs,
 * the send-buffer bound, and the record of how the connection ends. The receiving side, the
 * closing handshake and keep-alive are connection.ts, which reaches this layer's fields through
 * {@link senderParts} (one object of functions for all connections: no closures per connection).
 */
import { Buffer } from 'node:buffer';
import type { PerMessageDeflate } from '../io/deflate.js';
import { Opcode } from '../proto/ws/opcodes.js';
import { ConnectionEnd } from './connection-end.js';
import { WebSocketBase } from './connection-base.js';
import { READY_STATES } from './connection-events.js';
import {
  EMPTY,
  makeDeflate,
  maxBufferedOf,
  maxMessageBytesOf,
  type WsConnectionInit,
} from './connection-init.js';
import type { WebSocketConnection } from './connection.js';
import { FrameWriter, type FrameWriterHooks } from './frame-writer.js';
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
import type { WsCloseInfo, WsData, WsSendOptions, WsState } from './types.js';

/**
 * The tcllib-form send as a method every copy of connchan in the process can call on any
 * connection (see process-state.ts): a module-level hook would reach into `#private` fields of
 * another copy's class and fail.
 */
const SEND_TYPED: unique symbol = Symbol.for('connchan.ws.sendTyped');

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
  return (conn as WsSender)[SEND_TYPED](type, msg, final);
}

/** @internal What the layer above tells the send layer: a close asked for, an overflow. */
export interface SenderHooks {
  close(conn: WebSocketConnection, reason: string | undefined): void;
  overflow(conn: WebSocketConnection, wanted: number): void;
}

/** @internal The send layer's fields, for connection.ts (set in the class's static block). */
export interface SenderParts {
  writer(conn: WsSender): FrameWriter<WebSocketConnection>;
  pmd(conn: WsSender): PerMessageDeflate | undefined;
  end(conn: WsSender): ConnectionEnd | undefined;
  ending(conn: WsSender): ConnectionEnd;
  setState(conn: WsSender, state: WsState): void;
}

export const senderParts = {} as SenderParts;
let hooks: SenderHooks;

/** @internal Called once by connection.ts's static block. */
export function setSenderHooks(h: SenderHooks): void {
  hooks = h;
}

/** @internal The base of {@link WebSocketConnection} that sends; not exported from the package. */
export class WsSender<D = unknown> extends WebSocketBase<D> {
  #state: WsState = 'CONNECTED';
  readonly #pmd: PerMessageDeflate | undefined;
  readonly #maxBuffered: number;
  readonly #writer: FrameWriter<WebSocketConnection>;
  #messagesOut = 0;
  /** Opcode of the fragmented message being sent, or -1. */
  #fragOpcode = -1;
  #fragCompressed = false;
  /** Made when the end begins (connection-end.ts): close frames, failure, refusals, waiters. */
  #end: ConnectionEnd | undefined;

  constructor(init: WsConnectionInit<D>, writerHooks: FrameWriterHooks<WebSocketConnection>) {
    super(init);
    this.#pmd = makeDeflate(init, maxMessageBytesOf(init));
    this.#maxBuffered = maxBufferedOf(init);
    const self = this as unknown as WebSocketConnection;
    this.#writer = new FrameWriter(
      init.channel,
      init.role === 'client',
      this.#pmd,
      writerHooks,
      self,
    );
  }

  /** CONNECTED, CLOSING or CLOSED (tcllib's `conninfo sock state`). */
  get state(): WsState {
    return this.#state;
  }

  /** 1 (OPEN), 2 (CLOSING) or 3 (CLOSED), as `ws` and browsers number them. */
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATES[this.#state];
  }

  /** Bytes accepted by `send` that have not yet been handed to the kernel. */
  get bufferedAmount(): number {
    return this.channel.sendBuffer + this.#writer.queuedBytes;
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
    const r = this.#end?.refusal;
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
      hooks.close(
        this as unknown as WebSocketConnection,
        typeof msg === 'string' ? msg : undefined,
      );
      return 0;
    }
    // Not CONNECTED: our close frame went out (CLOSING), or the connection is CLOSED.
    if (this.#state !== 'CONNECTED') {
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
      hooks.overflow(this as unknown as WebSocketConnection, payload.length);
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
    this.#ending().refusal = why;
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
      if (closeOnOverflow) hooks.overflow(this as unknown as WebSocketConnection, size);
      return -1;
    }
    if (this.#writer.busy || this.#isClient) {
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

  /** Sends a ping (at most 125 bytes). Returns the bytes written or -1. */
  ping(data: string | Uint8Array = EMPTY): number {
    return this.#sendTyped(Opcode.PING, data, true);
  }

  /** Sends an unsolicited pong (at most 125 bytes). Returns the bytes written or -1. */
  pong(data: string | Uint8Array = EMPTY): number {
    return this.#sendTyped(Opcode.PONG, data, true);
  }

  /** Resolves with the close information once the connection is closed. */
  closed(): Promise<WsCloseInfo> {
    return this.#ending().closed();
  }

  #ending(): ConnectionEnd {
    return (this.#end ??= new ConnectionEnd());
  }

  /** Derived rather than kept: a field each would cost every connection 8 bytes. */
  get #isClient(): boolean {
    return this.role === 'client';
  }
  get #closeSent(): boolean {
    return this.#end?.closeSent === true;
  }

  static {
    senderParts.writer = (c) => c.#writer;
    senderParts.pmd = (c) => c.#pmd;
    senderParts.end = (c) => c.#end;
    senderParts.ending = (c) => c.#ending();
    senderParts.setState = (c, s) => {
      c.#state = s;
    };
  }
}
