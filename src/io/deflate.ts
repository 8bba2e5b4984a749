/**
 * permessage-deflate compression (RFC 7692 §7.2) on node:zlib, for one connection. One raw
 * deflate stream and one raw inflate stream live as long as the connection, so the LZ77 window
 * carries over between messages when context takeover is on; with no_context_takeover the
 * stream is reset after each message instead of being re-created (cheaper than a new stream).
 *
 * Every zlib job goes through a limiter shared by all connections (see `limiter.ts`). Jobs of
 * one direction run one after another in call order: they share a stream, and frames must go
 * out in order.
 *
 * The inflated size is counted while zlib produces it; once a message passes `maxMessageBytes`
 * the inflate stream is destroyed on the spot (Node stops its chunk loop when the stream is
 * destroyed), so a small "zip bomb" costs at most the limit plus one 16 KiB chunk.
 *
 * Invalid compressed data fails with close code 1007, as ws does: RFC 7692 only says "fail the
 * connection", and 1007 ("data not consistent with the type of the message") is what peers and
 * the Autobahn suite expect from ws-compatible endpoints.
 */
import { Buffer } from 'node:buffer';
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
} from 'node:zlib';
import { ConnchanError, ProtocolError } from '../errors.js';
import type { PerMessageDeflateAgreement } from '../proto/ws/permessage-deflate-params.js';
import { Limiter } from './limiter.js';
import { processState } from '../process-state.js';

/** The empty stored block's tail that a sync flush ends with and RFC 7692 strips (§7.2.1). */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** One byte of an empty stored block's header: what an empty final fragment compresses to. */
const EMPTY_BLOCK_HEAD = Buffer.from([0x00]);
const EMPTY = Buffer.alloc(0);

/** ws's default: 100 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;
/** Messages below this many bytes are sent uncompressed (ws's default, too). */
export const DEFAULT_THRESHOLD = 1024;

/**
 * The one limiter all connections share: the thread pool and the heap are per process, so it
 * is one per process even when connchan is loaded more than once.
 */
export const zlibLimiter: Limiter = processState('io/zlib-limiter@1', () => ({
  limiter: new Limiter(),
})).limiter;

export interface PerMessageDeflateIoOptions {
  /** Largest inflated message accepted; a bigger one fails with close code 1009. */
  maxMessageBytes?: number | undefined;
  /** Messages smaller than this are not worth compressing (see `isCompressible`). */
  threshold?: number | undefined;
  /** zlib compression level, 0–9 (default zlib's 6). */
  level?: number | undefined;
  /** zlib memLevel, 1–9 (default 8); lower saves memory per connection. */
  memLevel?: number | undefined;
  /** Defaults to the shared {@link zlibLimiter}. */
  limiter?: Limiter | undefined;
}

interface Job {
  chunks: Buffer[];
  bytes: number;
  reject: (err: unknown) => void;
}

const noop = (): void => {};

export class PerMessageDeflate {
  readonly #limiter: Limiter;
  readonly #maxMessageBytes: number;
  readonly #threshold: number;
  readonly #deflateOptions: {
    windowBits: number;
    level?: number;
    memLevel?: number;
    flush: number;
  };
  readonly #inflateWindowBits: number;
  readonly #resetDeflate: boolean;
  readonly #resetInflate: boolean;

  #deflate: DeflateRaw | undefined;
  #deflateJob: Job | undefined;
  #deflateTail: Promise<unknown> = Promise.resolve();

  #inflate: InflateRaw | undefined;
  #inflateJob: Job | undefined;
  #inflateTail: Promise<unknown> = Promise.resolve();
  /** Compressed bytes written into the current #inflate, to notice a stream that ended. */
  #inflateIn = 0;
  /** Inflated bytes of the message being received, across its fragments. */
  #messageBytes = 0;
  /** Once inflating failed, the window is lost: every later message fails the same way. */
  #inflateFailure: ProtocolError | undefined;
  #closed = false;
  /** A message compressed elsewhere went out in between: the next one must not refer back. */
  #forget = false;

  /**
   * @param agreement - the negotiated parameters (`negotiatePerMessageDeflate` or
   *   `acceptPerMessageDeflateResponse`).
   * @param role - our side: a server compresses with the server's parameters and inflates with
   *   the client's, a client the other way round.
   * @example
   * ```ts
   * const pmd = new PerMessageDeflate(agreement, 'server', { maxMessageBytes: 1 << 20 });
   * const payload = pmd.isCompressible(data.length) ? await pmd.compress(data, true) : data;
   * ```
   */
  constructor(
    agreement: PerMessageDeflateAgreement,
    role: 'server' | 'client',
    options: PerMessageDeflateIoOptions = {},
  ) {
    const server = role === 'server';
    this.#limiter = options.limiter ?? zlibLimiter;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#threshold = options.threshold ?? DEFAULT_THRESHOLD;
    // zlib's raw deflate cannot use a 256-byte window (8 becomes 9), and a peer that agreed to
    // 8 may well compress with 9, so both directions use at least 9.
    const ownBits = server ? agreement.serverMaxWindowBits : agreement.clientMaxWindowBits;
    const peerBits = server ? agreement.clientMaxWindowBits : agreement.serverMaxWindowBits;
    this.#deflateOptions = {
      windowBits: Math.max(9, ownBits),
      flush: constants.Z_SYNC_FLUSH,
      ...(options.level !== undefined && { level: options.level }),
      ...(options.memLevel !== undefined && { memLevel: options.memLevel }),
    };
    this.#inflateWindowBits = Math.max(9, peerBits);
    this.#resetDeflate = server
      ? agreement.serverNoContextTakeover
      : agreement.clientNoContextTakeover;
    this.#resetInflate = server
      ? agreement.clientNoContextTakeover
      : agreement.serverNoContextTakeover;
  }

  /** The LZ77 window our compressor uses, which the peer inflates our messages with. */
  get deflateWindowBits(): number {
    return this.#deflateOptions.windowBits;
  }

  /**
   * Makes the next message start with an empty window, as with no_context_takeover: the peer's
   * window now holds a message this compressor never saw (one compressed once for many
   * connections), so referring back past it would point at the wrong bytes.
   *
   * @example
   * ```ts
   * socket.write(sharedCompressedFrame);
   * pmd.forgetContext();
   * ```
   */
  forgetContext(): void {
    this.#forget = true;
  }

  /**
   * True when a message of `size` bytes should be compressed (at least `threshold` bytes).
   *
   * @example
   * ```ts
   * if (pmd.isCompressible(buf.length)) payload = await pmd.compress(buf, true);
   * ```
   */
  isCompressible(size: number): boolean {
    return size >= this.#threshold;
  }

  /**
   * Compresses one fragment of an outgoing message. With `fin` the result is the end of the
   * message: the trailing `00 00 ff ff` is removed (RFC 7692 §7.2.1) and, with our side's
   * no_context_takeover, the compressor starts afresh for the next message.
   *
   * @throws ConnchanError `ERR_WS_DEFLATE_CLOSED` after {@link close}.
   * @example
   * ```ts
   * const payload = await pmd.compress(Buffer.from('Hello'), true); // f2 48 cd c9 c9 07 00
   * ```
   */
  compress(data: Buffer | readonly Buffer[], fin: boolean): Promise<Buffer> {
    const input = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    const result = this.#deflateTail.then(() =>
      this.#limiter.run(() => this.#compress(input, fin)),
    );
    this.#deflateTail = result.then(noop, noop);
    return result;
  }

  /**
   * Inflates one fragment of an incoming message; with `fin`, `00 00 ff ff` is appended first
   * (RFC 7692 §7.2.2). The inflated size of the whole message is checked while inflating.
   *
   * @throws ProtocolError `ERR_WS_MESSAGE_TOO_BIG` (close code 1009) when the message inflates
   *   past `maxMessageBytes`; `ERR_WS_INVALID_COMPRESSED_DATA` (close code 1007) for data zlib
   *   rejects. Either failure is final: later calls fail the same way.
   * @example
   * ```ts
   * const text = (await pmd.decompress(Buffer.from('f248cdc9c90700', 'hex'), true)).toString();
   * ```
   */
  decompress(data: Buffer | readonly Buffer[], fin: boolean): Promise<Buffer> {
    const parts = Buffer.isBuffer(data) ? [data] : data;
    const input = fin
      ? Buffer.concat([...parts, TRAILER])
      : parts.length === 1
        ? parts[0]
        : Buffer.concat(parts);
    const result = this.#inflateTail.then(() =>
      this.#limiter.run(() => this.#decompress(input, fin)),
    );
    this.#inflateTail = result.then(noop, noop);
    return result;
  }

  /**
   * Frees both zlib streams. Jobs in progress or still queued fail with
   * `ERR_WS_DEFLATE_CLOSED`, and their limiter slots are released at once.
   *
   * @example
   * ```ts
   * socket.on('close', () => pmd.close());
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = closedError();
    const d = this.#deflateJob;
    const i = this.#inflateJob;
    this.#deflateJob = undefined;
    this.#inflateJob = undefined;
    this.#dropDeflate();
    this.#dropInflate();
    d?.reject(err);
    i?.reject(err);
  }

  #compress(input: Buffer, fin: boolean): Promise<Buffer> {
    if (this.#closed) return Promise.reject(closedError());
    const deflate = this.#deflate ?? this.#createDeflate();
    if (this.#forget) {
      this.#forget = false;
      deflate.reset();
    }
    return new Promise<Buffer>((resolve, reject) => {
      const job: Job = { chunks: [], bytes: 0, reject };
      this.#deflateJob = job;
      // The stream's default flush is Z_SYNC_FLUSH, so this one write ends on a byte boundary
      // with 00 00 ff ff and its callback runs after all output was pushed.
      deflate.write(input, (err) => {
        if (this.#deflateJob !== job) return; // closed or failed meanwhile
        if (err) {
          this.#failDeflate(err);
          return;
        }
        this.#deflateJob = undefined;
        let out = join(job);
        if (fin) {
          if (this.#resetDeflate) deflate.reset();
          if (out.length === 0) {
            // zlib emits nothing for a second sync flush without input; the message still
            // needs an empty stored block, minus the 4 bytes RFC 7692 strips.
            out = EMPTY_BLOCK_HEAD;
          } else if (endsWithTrailer(out)) {
            out = out.subarray(0, out.length - 4);
          } else {
            reject(
              new ConnchanError('zlib sync flush did not end with 00 00 ff ff', {
                code: 'ERR_WS_DEFLATE_FAILED',
              }),
            );
            return;
          }
        }
        resolve(out);
      });
    });
  }

  #decompress(input: Buffer, fin: boolean): Promise<Buffer> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#inflateFailure !== undefined) return Promise.reject(this.#inflateFailure);
    const inflate = this.#inflate ?? this.#createInflate();
    return new Promise<Buffer>((resolve, reject) => {
      const job: Job = { chunks: [], bytes: 0, reject };
      this.#inflateJob = job;
      this.#inflateIn += input.length;
      // Inflate output is complete when the write callback runs: Node loops until zlib has
      // room to spare in its output buffer, pushing each chunk before calling back.
      inflate.write(input, (err) => {
        if (this.#inflateJob !== job) return; // failed (limit, bad data) or closed meanwhile
        if (err) {
          this.#failInflate(corrupt(err));
          return;
        }
        this.#inflateJob = undefined;
        const out = join(job);
        if (inflate.bytesWritten < this.#inflateIn) {
          // The peer ended its deflate stream (a BFINAL block, RFC 7692 §7.2.3.4); zlib ignores
          // what follows, so the next message needs a new stream.
          this.#dropInflate();
        } else if (fin && this.#resetInflate) {
          inflate.reset();
        }
        if (fin) this.#messageBytes = 0;
        resolve(out);
      });
    });
  }

  #createDeflate(): DeflateRaw {
    const deflate = createDeflateRaw(this.#deflateOptions);
    deflate.on('data', (chunk: Buffer) => {
      const job = this.#deflateJob;
      if (job === undefined) return;
      job.chunks.push(chunk);
      job.bytes += chunk.length;
    });
    deflate.on('error', (err: Error) => this.#failDeflate(err));
    this.#deflate = deflate;
    return deflate;
  }

  #createInflate(): InflateRaw {
    const inflate = createInflateRaw({
      windowBits: this.#inflateWindowBits,
      flush: constants.Z_SYNC_FLUSH,
    });
    this.#inflateIn = 0;
    inflate.on('data', (chunk: Buffer) => {
      const job = this.#inflateJob;
      if (job === undefined) return;
      this.#messageBytes += chunk.length;
      if (this.#messageBytes > this.#maxMessageBytes) {
        this.#failInflate(
          new ProtocolError(
            `message inflates to more than maxMessageBytes (${this.#maxMessageBytes} bytes)`,
            {
              code: 'ERR_WS_MESSAGE_TOO_BIG',
              closeCode: 1009,
            },
          ),
        );
        return;
      }
      job.chunks.push(chunk);
      job.bytes += chunk.length;
    });
    // Zlib errors arrive here (the stream destroys itself); the write callback may not run.
    inflate.on('error', (err: Error) => this.#failInflate(corrupt(err)));
    this.#inflate = inflate;
    return inflate;
  }

  #failDeflate(err: Error): void {
    const job = this.#deflateJob;
    this.#deflateJob = undefined;
    this.#dropDeflate();
    job?.reject(
      new ConnchanError(`compressing failed: ${err.message}`, {
        code: 'ERR_WS_DEFLATE_FAILED',
        cause: err,
      }),
    );
  }

  #failInflate(err: ProtocolError): void {
    // The first failure wins: a zlib error after the size limit tripped is a consequence.
    if (this.#inflateFailure !== undefined) return;
    this.#inflateFailure = err;
    const job = this.#inflateJob;
    this.#inflateJob = undefined;
    // Destroying stops Node's chunk loop before the next zlib call: no more output is made.
    this.#dropInflate();
    job?.reject(err);
  }

  #dropInflate(): void {
    const inflate = this.#inflate;
    this.#inflate = undefined;
    if (inflate !== undefined && !inflate.destroyed) inflate.destroy();
  }

  #dropDeflate(): void {
    const deflate = this.#deflate;
    this.#deflate = undefined;
    if (deflate !== undefined && !deflate.destroyed) deflate.destroy();
  }
}

function join(job: Job): Buffer {
  if (job.chunks.length === 0) return EMPTY;
  if (job.chunks.length === 1) return job.chunks[0];
  return Buffer.concat(job.chunks, job.bytes);
}

function endsWithTrailer(buf: Buffer): boolean {
  const n = buf.length;
  return (
    n >= 4 && buf[n - 4] === 0 && buf[n - 3] === 0 && buf[n - 2] === 0xff && buf[n - 1] === 0xff
  );
}

function corrupt(err: Error): ProtocolError {
  return new ProtocolError(`invalid compressed data: ${err.message}`, {
    code: 'ERR_WS_INVALID_COMPRESSED_DATA',
    closeCode: 1007,
    cause: err,
  });
}

function closedError(): ConnchanError {
  return new ConnchanError('permessage-deflate was closed', { code: 'ERR_WS_DEFLATE_CLOSED' });
}
