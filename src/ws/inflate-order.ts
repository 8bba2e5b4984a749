/**
 * Keeps received events in order around compressed messages: inflating is asynchronous (zlib,
 * with a concurrency limit), so while one message inflates every later event waits in a queue,
 * and reading pauses when that queue grows long. Compressed text is validated as UTF-8 after
 * inflating (1007), as RFC 7692 §8 requires. A protocol error found behind an inflating message
 * waits its turn too: the messages before it are delivered first (as `ws` does, which parses
 * nothing further while it inflates), so an endpoint answers everything valid it received.
 */
import type { Buffer } from 'node:buffer';
import { ProtocolError } from '../errors.js';
import type { PerMessageDeflate } from '../io/deflate.js';
import { isValidUtf8 } from '../proto/bytes/utf8.js';
import type { WsCompressedEvent, WsEvent } from '../proto/ws/message-assembler.js';
import { Opcode } from '../proto/ws/opcodes.js';

/** Received events held behind an inflating message before reading pauses. */
const BACKLOG = 64;

/** What the orderer needs from its connection. */
export interface InflateOrderHooks {
  /** Handles an event whose turn has come (may start another inflation). */
  dispatch(ev: WsEvent): void;
  /** Delivers an inflated message. */
  message(type: 'text' | 'binary', data: string | Buffer): void;
  fail(err: unknown): void;
  /** True once the connection failed or closed: results are dropped. */
  stopped(): boolean;
  pause(): void;
  resume(): void;
}

export class InflateOrder {
  readonly #pmd: PerMessageDeflate;
  readonly #hooks: InflateOrderHooks;
  #queue: WsEvent[] | undefined;
  #opcode: number = Opcode.BINARY;
  #paused = false;
  /** A failure found behind the inflating message, applied once the events before it are out. */
  #failure: unknown;
  #failing = false;

  constructor(pmd: PerMessageDeflate, hooks: InflateOrderHooks) {
    this.#pmd = pmd;
    this.#hooks = hooks;
  }

  /** True while a message inflates: later events must go through {@link hold}. */
  get waiting(): boolean {
    return this.#queue !== undefined;
  }

  /** True while reading is paused because too many events wait. */
  get paused(): boolean {
    return this.#paused;
  }

  /** True once a failure waits behind the inflating message: nothing more is to be read. */
  get failing(): boolean {
    return this.#failing;
  }

  /** Fails the connection once the events queued before `err` have been dispatched. */
  holdFailure(err: unknown): void {
    this.#failing = true;
    this.#failure = err;
  }

  /** Queues an event behind the inflating message. */
  hold(ev: WsEvent): void {
    const q = this.#queue as WsEvent[];
    q.push(ev);
    if (q.length >= BACKLOG && !this.#paused) {
      this.#paused = true;
      this.#hooks.pause();
    }
  }

  /** Starts inflating a whole compressed message. */
  start(ev: WsCompressedEvent): void {
    this.#queue = [];
    this.#opcode = ev.opcode;
    this.#pmd.decompress(ev.data, true).then(this.#done, this.#hooks.fail);
  }

  readonly #done = (data: Buffer): void => {
    const hooks = this.#hooks;
    if (hooks.stopped()) return;
    if (this.#opcode === Opcode.TEXT) {
      // Node's decoder turns every invalid sequence into U+FFFD: only then is a check needed.
      const text = data.toString();
      if (text.includes('\ufffd') && !isValidUtf8(data)) {
        hooks.fail(
          new ProtocolError('Invalid WebSocket frame: invalid UTF-8 sequence', {
            code: 'ERR_WS_INVALID_UTF8',
            closeCode: 1007,
          }),
        );
        return;
      }
      hooks.message('text', text);
    } else {
      hooks.message('binary', data);
    }
    const q = this.#queue as WsEvent[];
    this.#queue = undefined;
    for (let i = 0; i < q.length; i++) {
      if (hooks.stopped()) return;
      if (this.#queue !== undefined) {
        // An event of the queue started another inflation: the rest waits behind it.
        for (let j = i; j < q.length; j++) (this.#queue as WsEvent[]).push(q[j]);
        return;
      }
      hooks.dispatch(q[i]);
    }
    if (this.#failing) {
      hooks.fail(this.#failure);
      return;
    }
    if (this.#queue === undefined && this.#paused) {
      this.#paused = false;
      hooks.resume();
    }
  };
}
