/**
 * One request/response on the wire: the token's state while it runs. Its connection calls
 * `onHead`/`onData`/`onEnd` in response order; the pool and the connection decide when it is
 * written and whether it is replayed. Body bytes are collected and joined once at the end; with
 * `zip`, gzip/deflate bodies are inflated in one call. Or, once a reader asks for the body as a
 * stream (`stream(sink)`: a `channel`, a body read as it arrives), what was collected and what
 * follows goes to that sink, inflated on the fly, with the socket paused while the sink is full.
 */
import type { Transform } from 'node:stream';
import { AbortError, TimeoutError } from '../io/errors.js';
import type { ResponseHead } from '../proto/http1/response-head.js';
import type { HeaderList } from '../proto/http1/headers.js';
import type { Transport } from '../io/dial.js';
import type { HttpConfig } from './config.js';
import type { CheckedOptions } from './options.js';
import type { HttpToken } from './token.js';
import type { RequestUrl } from './url.js';
import { guessType, takeResponseHead } from './response-fields.js';
import type { Connection } from './connection.js';
import type { RequestBody } from './upload.js';
import { redirectAt, type Hop } from './redirect.js';
import { decodeBody, streamDecoder, type Coding } from './decode-body.js';
import { keptLimit, ResponseTooLargeError } from './body-limit.js';
import {
  afterLargeAllocation,
  largeBuffer,
  EARLY_CHECK_BYTES,
} from '../proto/bytes/large-buffers.js';

/** Where a body goes as it arrives (see {@link Exchange.stream}). */
export interface BodySink {
  /** A piece of the (decoded) body; false: the sink is full, stop reading until `resume()`. */
  write(chunk: Buffer): boolean;
}

/** A body nobody has asked for yet is read this far, then the socket waits (as undici's). */
const UNCLAIMED_BYTES = 1024 * 1024;

/** What an exchange needs from its client. */
export interface ExchangeHost {
  readonly config: HttpConfig;
  /** The exchange is over (its token's status is set): settle, or follow a redirect. */
  finished(ex: Exchange): void;
  /** Take a queued exchange out of its pool (reset/timeout before it was written). */
  unqueue(ex: Exchange): void;
}

/** How the exchange connects: the pool key and a function opening the socket. */
export interface Route {
  key: string;
  /** `readBuffer`: where socket reads should land (plain TCP; see read-buffers.ts). */
  open: (signal?: AbortSignal, readBuffer?: (filled: number) => Buffer) => Promise<Transport>;
  /** Scheme of the channel listed (http, https). */
  driver: string;
}

export class Exchange {
  readonly token: HttpToken;
  readonly host: ExchangeHost;
  readonly o: CheckedOptions;
  readonly url: RequestUrl;
  readonly method: string;
  readonly route: Route;
  /** The head as bytes, written with one write (with a small body if there is one). */
  readonly head: Buffer;
  readonly body: RequestBody | undefined;
  /** Uses the persistent connection of its origin. */
  readonly persistent: boolean;
  /** GET/HEAD without a body: may be pipelined and replayed. */
  readonly idempotent: boolean;
  readonly expectContinue: boolean;
  /** Read timeouts of this request (0 = none): see HttpConfig headersTimeoutMs/bodyTimeoutMs. */
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** The redirect this response leads to (decided from its head; followed when it ends ok). */
  redirect: Hop | undefined = undefined;
  retries = 0;
  conn: Connection | undefined = undefined;
  /** The first request on a fresh connection (not replayed if the server closes without answer). */
  firstOnConn = false;
  /** A response head (final or 1xx) arrived for it. */
  responded = false;
  /** The body was fully written (or there is none). */
  uploaded = true;
  done = false;
  continueWaiter: (() => void) | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  #chunks: Buffer[] = [];
  /** With a known large Content-Length: the body is copied here as it comes (no chunk list). */
  #buf: Buffer | undefined = undefined;
  #off = 0;
  #inflater: Transform | undefined = undefined;
  #decode = '';
  #onAbort: (() => void) | undefined = undefined;
  #sink: BodySink | undefined = undefined;
  /** Someone will take the body (geturl always; request() once a body method is called). */
  #claimed: boolean;
  /** The body of a redirect being followed: not kept. */
  #discard = false;
  #paused = false;
  #sinkFull = false;
  /** The whole response has arrived (onEnd ran). */
  complete = false;
  /** maxResponseSize: the most body bytes kept in memory (Infinity: no limit). */
  readonly #maxKept: number;
  /** The body's Content-Length, -1 when the head gives none. */
  #announced = -1;

  constructor(init: {
    token: HttpToken;
    host: ExchangeHost;
    options: CheckedOptions;
    url: RequestUrl;
    method: string;
    route: Route;
    head: Buffer;
    body: RequestBody | undefined;
    persistent: boolean;
    expectContinue: boolean;
  }) {
    this.token = init.token;
    this.host = init.host;
    this.o = init.options;
    this.url = init.url;
    this.method = init.method;
    this.route = init.route;
    this.head = init.head;
    this.body = init.body;
    this.persistent = init.persistent;
    this.expectContinue = init.expectContinue;
    this.idempotent =
      init.options.idempotent ??
      (init.body === undefined && (init.method === 'GET' || init.method === 'HEAD'));
    const cfg = init.host.config;
    this.headersTimeoutMs = init.options.headersTimeoutMs ?? cfg.headersTimeoutMs;
    this.bodyTimeoutMs = init.options.bodyTimeoutMs ?? cfg.bodyTimeoutMs;
    this.#claimed = init.options.unclaimed !== true;
    this.#maxKept = keptLimit(cfg.maxResponseSize);
    const signal = this.o.signal;
    if (signal) {
      this.#onAbort = () => this.abort('reset', new AbortError('aborted by signal'));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** The body is decoded here (gzip, deflate, br): its Content-Encoding no longer applies. */
  get decoding(): boolean {
    return this.#decode !== '';
  }

  /** May be written again on a new connection after a silent close (GET/HEAD, POST with repost). */
  get replayable(): boolean {
    return this.retries === 0 && (this.idempotent || this.host.config.repost);
  }

  /**
   * Starts the `timeout` clock: when the request leaves the queue (dial starts, or it is
   * written to an idle connection) or, pipelined, when its response is next in line.
   */
  startTimer(): void {
    const ms = this.o.timeoutMs;
    if (ms > 0 && this.#timer === undefined && !this.done) {
      this.#timer = setTimeout(
        () =>
          this.abort(
            'timeout',
            new TimeoutError(`timeout after ${ms} ms`, {
              code: 'ERR_HTTP_CLIENT_TIMEOUT',
              timeoutMs: ms,
            }),
          ),
        ms,
      );
    }
  }

  /** Ends the exchange with `why` (reset, timeout, …), closing its connection if it is on one. */
  abort(why: string, err?: Error): void {
    if (this.done) return;
    const conn = this.conn;
    if (conn !== undefined) conn.kill(this, why);
    else this.host.unqueue(this);
    this.finish(why, err);
  }

  onInformational(status: number): void {
    this.responded = true;
    if (status === 100) this.continueWaiter?.();
  }

  onHead(head: ResponseHead): void {
    this.responded = true;
    // A final answer instead of 100 Continue: stop waiting to send the body.
    this.continueWaiter?.();
    const t = this.token;
    this.#decode = takeResponseHead(t, head, this.host.config, this.o);
    if (this.o.maxRedirects > t.redirects.length) {
      this.redirect = redirectAt(this, t.ncode, head.headers.get('location'));
      // The body of a redirect that will be followed is nobody's: it is read and dropped.
      if (this.redirect !== undefined) {
        this.#discard = true;
        return;
      }
    }
    const len = head.bodyKind === 'length' ? (head.contentLength ?? -1) : -1;
    this.#announced = len;
    const kept = !this.o.channel && !this.o.handler;
    // A body that will be kept and says it is too large fails before memory is set aside for it.
    if (kept && this.#claimed && this.#overLimit()) return;
    if (kept && len >= PREALLOC_BYTES && len <= Math.min(MAX_PREALLOC_BYTES, this.#maxKept)) {
      // Received chunks then die young instead of being kept until the end (GC).
      this.#buf = largeBuffer(len);
      this.#off = 0;
    }
    this.o.onHead?.(t);
    this.o.onResponse?.(this);
    const ch = this.o.channel;
    if (ch && !this.o.handler && !this.done) {
      let draining = false;
      this.stream({
        write: (d) => {
          if (ch.write(d)) return true;
          if (!draining) {
            draining = true;
            ch.once('drain', () => {
              draining = false;
              this.resume();
            });
          }
          return false;
        },
      });
    }
  }

  /**
   * From now on the body goes to `sink` as it arrives: what was collected first, then each
   * piece (inflated on the fly when the body is compressed). When the sink is full the socket is
   * paused until {@link resume}. The end (or failure) is the token's settling.
   */
  stream(sink: BodySink): void {
    this.#sink = sink;
    this.#claimed = true;
    if (this.#decode && !this.complete) {
      const z = streamDecoder(this.#decode as Coding);
      z.on('data', (d: Buffer) => this.#deliver(d));
      z.on('error', (err) => this.finish('error', err));
      this.#inflater = z;
    }
    const chunks = this.#chunks;
    const pre = this.#buf;
    this.#chunks = [];
    this.#buf = undefined;
    if (pre !== undefined && this.#off > 0) this.#pass(pre.subarray(0, this.#off));
    for (const c of chunks) this.#pass(c);
    // Paused because nobody had claimed the body: the sink takes it now.
    if (this.#paused && !this.#sinkFull) this.resume();
  }

  /** The body will be taken: read on if an unclaimed body had paused the socket. */
  claim(): void {
    this.#claimed = true;
    if (this.#sink === undefined && this.#overLimit()) return;
    if (this.#paused && this.#sink === undefined) this.resume();
  }

  /** The sink has room again: read on. */
  resume(): void {
    this.#sinkFull = false;
    if (!this.#paused) return;
    this.#paused = false;
    this.conn?.socket.resume();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.conn?.socket.pause();
  }

  #pass(data: Buffer): void {
    if (this.#inflater) this.#inflater.write(data);
    else this.#deliver(data);
  }

  #deliver(data: Buffer): void {
    if (!(this.#sink as BodySink).write(data)) {
      this.#sinkFull = true;
      this.#pause();
    }
  }

  /**
   * Where the rest of this body may be read to directly: the unfilled part of its buffer (only
   * with a known large Content-Length, kept in memory). Bytes read there arrive in `onData` as
   * views of that very place, and are not copied.
   */
  readTarget(): Buffer | undefined {
    const buf = this.#buf;
    return buf !== undefined && this.#off < buf.length ? buf.subarray(this.#off) : undefined;
  }

  onData(data: Buffer): void {
    const t = this.token;
    const before = t.currentsize;
    const o = this.o;
    if (o.handler) {
      const n = o.handler(data, t);
      t.currentsize += typeof n === 'number' ? n : data.length;
    } else {
      t.currentsize += data.length;
      if (this.#sink !== undefined) this.#pass(data);
      else if (this.#discard) return;
      else {
        if (this.#buf !== undefined) {
          const buf = this.#buf;
          // Read in place (readTarget): the bytes are already where they belong.
          if (data.buffer === buf.buffer && data.byteOffset === buf.byteOffset + this.#off) {
            this.#off += data.length;
          } else this.#off += data.copy(buf, this.#off);
        } else this.#chunks.push(data);
        if (this.#claimed && t.currentsize > this.#maxKept) {
          this.#tooLarge(`reached ${t.currentsize} bytes`);
          return;
        }
        if (!this.#claimed && t.currentsize > UNCLAIMED_BYTES) this.#pause();
      }
    }
    const progress = o.progress;
    if (progress) {
      const bs = o.blocksize;
      for (
        let cur = Math.min(before + bs, t.currentsize);
        ;
        cur = Math.min(cur + bs, t.currentsize)
      ) {
        progress(t, t.totalsize, cur);
        if (cur >= t.currentsize) break;
      }
    }
  }

  onEnd(trailers: HeaderList | undefined): void {
    this.complete = true;
    const t = this.token;
    if (trailers) t.trailers = pairs(trailers);
    if (!this.uploaded) {
      t.posterror = `the server answered before the request body was sent (${t.queryoffset} of ${t.querylength} bytes)`;
    }
    const z = this.#inflater;
    if (z) {
      z.once('end', () => this.finish('ok'));
      z.end();
      return;
    }
    if (this.#sink !== undefined || this.#discard) {
      this.finish('ok');
      return;
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    const pre = this.#buf;
    this.#buf = undefined;
    const bytes =
      pre !== undefined
        ? pre.subarray(0, this.#off)
        : chunks.length === 1
          ? chunks[0]
          : joinBody(chunks);
    if (this.#decode === '' || bytes.length === 0) {
      this.#setBody(bytes);
      this.finish('ok');
      return;
    }
    const max = this.#maxKept;
    decodeBody(bytes, this.#decode as Coding, max, (err, out) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
        return this.finish('error', new ResponseTooLargeError(max, 'decoded'));
      }
      if (err) return this.finish('error', err);
      this.#setBody(out);
      this.finish('ok');
    });
  }

  /** The body kept is, or says it will be, over the limit: the request fails (true) at once. */
  #overLimit(): boolean {
    const n = Math.max(this.#announced, this.token.currentsize);
    if (n <= this.#maxKept) return false;
    this.#tooLarge(n === this.#announced ? `of ${n} bytes (Content-Length)` : `reached ${n} bytes`);
    return true;
  }

  #tooLarge(what: string): void {
    this.#chunks = [];
    this.#buf = undefined;
    this.abort('error', new ResponseTooLargeError(this.#maxKept, what));
  }

  #setBody(bytes: Buffer): void {
    this.token.setBody(bytes);
    if (this.o.guesstype) guessType(this.token, bytes, this.o);
  }

  /** Ends the exchange (idempotent). `status` ok/eof/error/timeout/reset or reset's why. */
  finish(status: string, err?: Error): void {
    if (this.done) return;
    this.done = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#onAbort) this.o.signal?.removeEventListener('abort', this.#onAbort);
    this.#inflater?.destroy();
    // A paused socket is given back flowing (the connection reads on or is closed).
    if (this.#paused) {
      this.#paused = false;
      this.conn?.socket.resume();
    }
    const t = this.token;
    t.status = status;
    t.stage = 'complete';
    if (err) {
      t.errorObject = err;
      t.error = err.message;
    }
    this.host.finished(this);
  }
}

const PREALLOC_BYTES = 32 * 1024;
const MAX_PREALLOC_BYTES = 1024 * 1024 * 1024;

/** The received pieces of a body joined (see proto/bytes/large-buffers.ts for the check after a large one). */
function joinBody(chunks: Buffer[]): Buffer {
  const joined = Buffer.concat(chunks);
  if (joined.length >= EARLY_CHECK_BYTES) afterLargeAllocation();
  return joined;
}

function pairs(h: HeaderList): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < h.size; i++) out.push([h.nameAt(i), h.valueAt(i)]);
  return out;
}
