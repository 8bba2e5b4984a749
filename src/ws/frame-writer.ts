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
import { FastBuffer } from '../proto/ws/views.js';
import { OutQueue } from './out-queue.js';
import { waitingPublishes } from './publish-order.js';

/** What the writer tells its connection. */
export interface FrameWriterHooks<T> {
  /** True once the connection is gone: queued frames are dropped. */
  closed(owner: T): boolean;
  /** Compressing a queued message failed. */
  failed(owner: T, err: unknown): void;
  /** The close frame queued with {@link FrameWriter.closeAfterQueue} was written. */
  closeWritten(owner: T): void;
  /** The queue has emptied. */
  idle(owner: T): void;
  /** Logs a failed write. */
  writeFailed(owner: T, err: unknown): void;
}

const EMPTY = Buffer.alloc(0);
/**
 * Payloads up to this size are copied next to their header into the encoder's slab (no
 * allocation) and written as one buffer; larger ones go out as header and payload views
 * (writev): copying them would cost an allocation and a pass over the bytes, and garbage.
 */
const MERGE_MAX = 2 * 1024 - 16;

// One options object for every frame encoded: the encoder reads it during the call only.
const FRAME: {
  opcode: Opcode;
  fin: boolean;
  rsv1: boolean;
  payload: Uint8Array;
  maskKey: Uint8Array | undefined;
} = { opcode: Opcode.TEXT, fin: true, rsv1: false, payload: EMPTY, maskKey: undefined };

// The batch: while a connection handles a received chunk, the small frames it sends are
// gathered and leave in one write when the chunk is done. The encoder puts unmasked frames one
// after the other in its slab, so consecutive frames are usually one growing view (no copy);
// a frame elsewhere writes what was gathered first. One writer batches at a time (handling a
// chunk is synchronous); other writers write at once.
let batchActive = false;
let pendingAb: ArrayBufferLike | undefined;
let pendingStart = 0;
let pendingEnd = 0;
/**
 * The batch's socket once something had to be written before the batch ends (a frame elsewhere
 * in the slab, a large frame, a broadcast): corked then, so that everything still leaves in one
 * write. A chunk that sends one small frame (an echo, a close reply) never corks: its frame is
 * written straight, without the stream buffering a corked write costs.
 */
let batchCorked: Channel['transport'] | undefined;

export class FrameWriter<T = unknown> {
  readonly #channel: Channel;
  readonly #client: boolean;
  readonly #pmd: PerMessageDeflate | undefined;
  /** Shared by every writer of a kind of owner; called with the owner (no closures per writer). */
  readonly #hooks: FrameWriterHooks<T>;
  readonly #owner: T;
  /** Made when something first has to wait (compression); most connections never queue. */
  #out: OutQueue | undefined;
  /** This writer is the one gathering (see the batch above). */
  #batching = false;

  constructor(
    channel: Channel,
    client: boolean,
    pmd: PerMessageDeflate | undefined,
    hooks: FrameWriterHooks<T>,
    owner: T,
  ) {
    this.#channel = channel;
    this.#client = client;
    this.#pmd = pmd;
    this.#hooks = hooks;
    this.#owner = owner;
  }

  /** Something is queued or being compressed: new data frames must queue behind it. */
  get busy(): boolean {
    const out = this.#out;
    return out !== undefined && out.busy;
  }

  /** Bytes waiting in the queue or the batch. */
  get queuedBytes(): number {
    const out = this.#out;
    const batched = this.#batching && pendingAb !== undefined ? pendingEnd - pendingStart : 0;
    return (out === undefined ? 0 : out.bytes) + batched;
  }

  /**
   * Starts gathering small frames (the connection handles a received chunk). False when another
   * writer is gathering already: then this one writes at once.
   */
  startBatch(): boolean {
    if (batchActive) return false;
    batchActive = true;
    this.#batching = true;
    return true;
  }

  /** Writes what was gathered and stops gathering. */
  endBatch(): void {
    if (!this.#batching) return;
    this.flush();
    this.#batching = false;
    batchActive = false;
    const corked = batchCorked;
    if (corked !== undefined) {
      batchCorked = undefined;
      corked.uncork();
    }
  }

  /** A write before the batch ends: the socket is corked until it does (see batchCorked). */
  #holdBatch(): void {
    if (this.#batching && batchCorked === undefined) {
      const socket = this.#channel.transport;
      socket.cork();
      batchCorked = socket;
    }
  }

  /** Writes what was gathered so far (before the channel is closed). */
  flush(): void {
    if (!this.#batching || pendingAb === undefined) return;
    const buf = new FastBuffer(pendingAb, pendingStart, pendingEnd - pendingStart);
    pendingAb = undefined;
    try {
      this.#channel.write(buf);
    } catch (err) {
      this.#hooks.writeFailed(this.#owner, err);
    }
  }

  /** Encodes and writes one frame now. Returns the bytes written, or -1 when the write failed. */
  write(opcode: number, fin: boolean, rsv1: boolean, payload: Uint8Array): number {
    // Frames published earlier in this turn go first (they wait to be written together).
    if (waitingPublishes.pending) waitingPublishes.flush();
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
        if (this.#batching && !channel.closed && channel.transport.writable) {
          if (pendingAb === buf.buffer && pendingEnd === buf.byteOffset) {
            pendingEnd += buf.length;
          } else {
            if (pendingAb !== undefined) this.#holdBatch();
            this.flush();
            pendingAb = buf.buffer;
            pendingStart = buf.byteOffset;
            pendingEnd = pendingStart + buf.length;
          }
          return buf.length;
        }
        channel.write(buf);
        return buf.length;
      }
      this.#holdBatch();
      this.flush();
      const [head, body] = encodeFrame(f);
      f.payload = EMPTY;
      const socket = channel.transport;
      socket.cork();
      channel.write(head);
      channel.write(body);
      socket.uncork();
      return head.length + body.length;
    } catch (err) {
      f.payload = EMPTY;
      if (err instanceof UsageError) throw err;
      this.#hooks.writeFailed(this.#owner, err);
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
    if (waitingPublishes.pending) waitingPublishes.flush();
    const channel = this.#channel;
    this.#holdBatch();
    this.flush();
    try {
      if (frames.length === 1) {
        channel.write(frames[0]);
      } else {
        channel.transport.cork();
        for (const f of frames) channel.write(f);
        channel.transport.uncork();
      }
      return size;
    } catch (err) {
      this.#hooks.writeFailed(this.#owner, err);
      return -1;
    }
  }

  /** Queues a data frame (compressed when `compress`) behind what is queued already. */
  queue(opcode: number, fin: boolean, payload: Buffer, compress: boolean): void {
    if (waitingPublishes.pending) waitingPublishes.flush();
    (this.#out ??= new OutQueue()).push(opcode, fin, payload, compress);
    this.#pump();
  }

  /** Writes `payload` as a close frame once the queue is empty; `closeWritten` follows. */
  closeAfterQueue(payload: Buffer): void {
    (this.#out ??= new OutQueue()).pendingClose = payload;
    this.#pump();
  }

  /** Drops everything queued (the connection failed or is gone). */
  clear(): void {
    if (this.#batching) pendingAb = undefined;
    const out = this.#out;
    if (out === undefined) return;
    out.clear();
    out.pendingClose = undefined;
  }

  #pump(): void {
    const out = this.#out as OutQueue;
    if (out.pumping) return;
    out.pumping = true;
    void this.#pumpLoop();
  }

  async #pumpLoop(): Promise<void> {
    const out = this.#out as OutQueue;
    const hooks = this.#hooks;
    const owner = this.#owner;
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
        if (hooks.closed(owner)) return;
        this.write(item.opcode, item.fin, rsv1, payload);
      }
      const close = out.pendingClose;
      if (close !== undefined) {
        out.pendingClose = undefined;
        this.write(Opcode.CLOSE, true, false, close);
        hooks.closeWritten(owner);
      }
    } catch (err) {
      if (!hooks.closed(owner)) hooks.failed(owner, err);
    } finally {
      out.pumping = false;
      hooks.idle(owner);
    }
  }
}
