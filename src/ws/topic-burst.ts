/**
 * What one topic published during one turn of the event loop: every message encoded once, as a
 * server frame, one after the other in one buffer (and, for subscribers that compress, once
 * more as compressed frames), so that each subscriber gets the whole burst in one write of one
 * shared view. Per message the burst keeps where its frame ends, its global publish number
 * (for subscribers of several topics, whose frames are merged in publish order) and the
 * connection it must skip (Bun's `ws.publish` leaves out the publisher).
 *
 * A buffer that was written to sockets belongs to them (a socket may still hold a view of it),
 * so a burst never reuses its buffers after {@link TopicBurst.reset}: the next turn starts a
 * new one.
 */
import { Buffer } from 'node:buffer';
import { constants, deflateRawSync } from 'node:zlib';
import { Opcode } from '../proto/ws/opcodes.js';

/** Messages at least this big are compressed for subscribers that agreed to permessage-deflate. */
export const SHARED_DEFLATE_THRESHOLD = 1024;
/** The LZ77 window of the shared compressor: what a client that set no limit inflates with. */
export const SHARED_DEFLATE_WINDOW_BITS = 15;
const INITIAL_BYTES = 16 * 1024;
const DEFLATE_OPTIONS = {
  windowBits: SHARED_DEFLATE_WINDOW_BITS,
  finishFlush: constants.Z_SYNC_FLUSH,
} as const;

/** A growable run of frames. */
class FrameRun {
  buf: Buffer | undefined;
  length = 0;
  /** End offset of each message's frame. */
  readonly ends: number[] = [];

  append(opcode: number, rsv1: boolean, payload: Uint8Array): void {
    const n = payload.length;
    const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const buf = this.#room(head + n);
    let at = this.length;
    buf[at++] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
    if (head === 2) {
      buf[at++] = n;
    } else if (head === 4) {
      buf[at++] = 126;
      buf.writeUInt16BE(n, at);
      at += 2;
    } else {
      buf[at++] = 127;
      buf.writeUInt32BE(Math.floor(n / 2 ** 32), at);
      buf.writeUInt32BE(n >>> 0, at + 4);
      at += 8;
    }
    buf.set(payload, at);
    this.length = at + n;
    this.ends.push(this.length);
  }

  /** The frames of messages `from` to `to` (exclusive), as one view. */
  view(from: number, to: number): Buffer {
    const start = from === 0 ? 0 : this.ends[from - 1];
    return (this.buf as Buffer).subarray(start, this.ends[to - 1]);
  }

  reset(): void {
    this.buf = undefined;
    this.length = 0;
    this.ends.length = 0;
  }

  #room(bytes: number): Buffer {
    const need = this.length + bytes;
    let buf = this.buf;
    if (buf === undefined || buf.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, INITIAL_BYTES, (buf?.length ?? 0) * 2));
      if (buf !== undefined) buf.copy(grown, 0, 0, this.length);
      this.buf = buf = grown;
    }
    return buf;
  }
}

export class TopicBurst<C = unknown> {
  readonly plain = new FrameRun();
  /** Made when a subscriber that compresses is there; built as messages are appended. */
  deflated: FrameRun | undefined;
  /** The payload view of each message, for subscribers that cannot take shared frames. */
  readonly payloads: Buffer[] = [];
  readonly opcodes: number[] = [];
  /** The process-wide publish number of each message. */
  readonly seqs: number[] = [];
  /** The connection each message leaves out, or undefined. */
  readonly excludes: (C | undefined)[] = [];
  /** Some message leaves a connection out: subscribers are checked one by one. */
  hasExcludes = false;
  /** Raw bytes of every message, for subscribers that are plain channels. */
  rawBytes = 0;

  get count(): number {
    return this.seqs.length;
  }

  get bytes(): number {
    return this.plain.length + (this.deflated?.length ?? 0);
  }

  /** Adds one message; `deflate` builds the compressed run too. */
  append(
    seq: number,
    binary: boolean,
    payload: Buffer,
    exclude: C | undefined,
    deflate: boolean,
  ): void {
    const opcode = binary ? Opcode.BINARY : Opcode.TEXT;
    this.plain.append(opcode, false, payload);
    if (deflate) this.#appendDeflated(opcode, payload);
    else if (this.deflated !== undefined) this.deflated.append(opcode, false, payload);
    this.payloads.push(payload);
    this.opcodes.push(opcode);
    this.seqs.push(seq);
    this.excludes.push(exclude);
    if (exclude !== undefined) this.hasExcludes = true;
  }

  /**
   * Starts the compressed run mid-burst (a compressing subscriber joined): the messages so far
   * are added to it first, uncompressed.
   */
  startDeflated(): void {
    if (this.deflated !== undefined) return;
    const run = new FrameRun();
    for (let i = 0; i < this.payloads.length; i++)
      run.append(this.opcodes[i], false, this.payloads[i]);
    this.deflated = run;
  }

  reset(): void {
    this.plain.reset();
    this.deflated = undefined;
    this.payloads.length = 0;
    this.opcodes.length = 0;
    this.seqs.length = 0;
    this.excludes.length = 0;
    this.hasExcludes = false;
  }

  #appendDeflated(opcode: number, payload: Buffer): void {
    if (this.deflated === undefined) this.startDeflated();
    const run = this.deflated as unknown as FrameRun;
    if (payload.length < SHARED_DEFLATE_THRESHOLD) {
      run.append(opcode, false, payload);
      return;
    }
    // A fresh compressor per message: the result refers to nothing sent before, so any client
    // inflates it whatever its window holds (RFC 7692 §7.2.1: strip the sync flush's tail).
    const out = deflateRawSync(payload, DEFLATE_OPTIONS);
    run.append(opcode, true, out.subarray(0, out.length - 4));
  }
}
