/**
 * The sending half of a connection: frames encoded (masked for clients, with a mask key from the
 * pooled random buffer) and written to the channel, small frames as one buffer, large ones as
 * header and payload corked together; and an ordered queue for what must wait behind a message
 * being compressed (compression is asynchronous), with an optional close frame after it.
 */
import { Buffer } from 'node:buffer';
import type { Channel } from '../channels/channel.js';
import { UsageError } from '../errors.js';
import type { PerMessageDeflate } from '../io/deflate.js';
import { nextMaskKey } from '../io/mask-keys.js';
import { encodeFrame, encodeFrameMerged } from '../proto/ws/frame-encoder.js';
import { Opcode } from '../proto/ws/opcodes.js';
import { OutQueue } from './out-queue.js';

/** What the writer tells its connection. */
export interface FrameWriterHooks {
  /** True once the connection is gone: queued frames are dropped. */
  closed(): boolean;
  /** Compressing a queued message failed. */
  failed(err: unknown): void;
  /** The close frame queued with {@link FrameWriter.closeAfterQueue} was written. */
  closeWritten(): void;
  /** The queue has emptied. */
  idle(): void;
  /** Logs a failed write. */
  writeFailed(err: unknown): void;
}

const EMPTY = Buffer.alloc(0);
/** Frames up to this size are written as one buffer (header and payload copied together). */
const MERGE_MAX = 16 * 1024;

// One options object for every frame encoded: the encoder reads it during the call only.
const FRAME: {
  opcode: Opcode;
  fin: boolean;
  rsv1: boolean;
  payload: Uint8Array;
  maskKey: Uint8Array | undefined;
} = { opcode: Opcode.TEXT, fin: true, rsv1: false, payload: EMPTY, maskKey: undefined };

export class FrameWriter {
  readonly #channel: Channel;
  readonly #client: boolean;
  readonly #pmd: PerMessageDeflate | undefined;
  readonly #hooks: FrameWriterHooks;
  readonly #out = new OutQueue();

  constructor(
    channel: Channel,
    client: boolean,
    pmd: PerMessageDeflate | undefined,
    hooks: FrameWriterHooks,
  ) {
    this.#channel = channel;
    this.#client = client;
    this.#pmd = pmd;
    this.#hooks = hooks;
  }

  /** Something is queued or being compressed: new data frames must queue behind it. */
  get busy(): boolean {
    return this.#out.busy;
  }

  /** Payload bytes waiting in the queue. */
  get queuedBytes(): number {
    return this.#out.bytes;
  }

  /** Encodes and writes one frame now. Returns the bytes written, or -1 when the write failed. */
  write(opcode: number, fin: boolean, rsv1: boolean, payload: Uint8Array): number {
    const f = FRAME;
    f.opcode = opcode as Opcode;
    f.fin = fin;
    f.rsv1 = rsv1;
    f.payload = payload;
    f.maskKey = this.#client ? nextMaskKey() : undefined;
    const channel = this.#channel;
    try {
      if (payload.length <= MERGE_MAX || this.#client) {
        const buf = encodeFrameMerged(f);
        f.payload = EMPTY;
        channel.write(buf);
        return buf.length;
      }
      const [head, body] = encodeFrame(f);
      f.payload = EMPTY;
      const socket = channel.socket;
      socket.cork();
      channel.write(head);
      channel.write(body);
      socket.uncork();
      return head.length + body.length;
    } catch (err) {
      f.payload = EMPTY;
      if (err instanceof UsageError) throw err;
      this.#hooks.writeFailed(err);
      return -1;
    }
  }

  /** Writes a control frame now (they may go between the frames of a message). */
  control(opcode: number, payload: Buffer): number {
    if (payload.length > 125) {
      throw new UsageError(`a control frame holds at most 125 bytes, not ${payload.length}`, {
        code: 'ERR_WS_CONTROL_TOO_LONG',
      });
    }
    return this.write(opcode, true, false, payload);
  }

  /** Writes frames encoded elsewhere (a broadcast) now. Returns their size or -1. */
  writeEncoded(frames: readonly Buffer[], size: number): number {
    const channel = this.#channel;
    try {
      if (frames.length === 1) {
        channel.write(frames[0]);
      } else {
        channel.socket.cork();
        for (const f of frames) channel.write(f);
        channel.socket.uncork();
      }
      return size;
    } catch (err) {
      this.#hooks.writeFailed(err);
      return -1;
    }
  }

  /** Queues a data frame (compressed when `compress`) behind what is queued already. */
  queue(opcode: number, fin: boolean, payload: Buffer, compress: boolean): void {
    this.#out.push(opcode, fin, payload, compress);
    this.#pump();
  }

  /** Writes `payload` as a close frame once the queue is empty; `closeWritten` follows. */
  closeAfterQueue(payload: Buffer): void {
    this.#out.pendingClose = payload;
    this.#pump();
  }

  /** Drops everything queued (the connection failed or is gone). */
  clear(): void {
    this.#out.clear();
    this.#out.pendingClose = undefined;
  }

  #pump(): void {
    const out = this.#out;
    if (out.pumping) return;
    out.pumping = true;
    void this.#pumpLoop();
  }

  async #pumpLoop(): Promise<void> {
    const out = this.#out;
    const hooks = this.#hooks;
    try {
      while (out.length > 0) {
        const item = out.peek();
        let payload: Uint8Array = item.payload;
        let rsv1 = false;
        if (item.compress) {
          payload = await (this.#pmd as PerMessageDeflate).compress(item.payload, item.fin);
          rsv1 = item.opcode !== Opcode.CONTINUATION;
        }
        out.shift();
        if (hooks.closed()) return;
        this.write(item.opcode, item.fin, rsv1, payload);
      }
      const close = out.pendingClose;
      if (close !== undefined) {
        out.pendingClose = undefined;
        this.write(Opcode.CLOSE, true, false, close);
        hooks.closeWritten();
      }
    } catch (err) {
      if (!hooks.closed()) hooks.failed(err);
    } finally {
      out.pumping = false;
      hooks.idle();
    }
  }
}
