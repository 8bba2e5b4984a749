/**
 * The body of a `request()` response, as undici's `BodyReadable`: a Node `Readable` (pipe it,
 * iterate it) with the body mixins `text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()` and
 * `dump()`. The mixins do not go through the stream: the exchange keeps collecting the body the
 * way geturl does (one join, one inflate call, large bodies read in place) and the mixin takes
 * the result. Only a stream reader switches the exchange to delivering piece by piece, with the
 * socket paused while this stream's buffer is full.
 */
import { Readable } from 'node:stream';
import type { Exchange } from './exchange.js';
import type { HttpToken } from './token.js';
import { failureOf } from './request-init.js';

/** The body of a response from `request()`. */
export class BodyReadable extends Readable {
  #ex: Exchange | undefined;
  readonly #token: HttpToken;
  readonly #signal: AbortSignal | undefined;
  readonly #type: string;
  #used = false;
  #streaming = false;
  #waiters: (() => void)[] | undefined = undefined;

  /** @internal */
  constructor(ex: Exchange, contentType: string, highWaterMark = 64 * 1024) {
    super({ highWaterMark });
    this.#ex = ex;
    this.#token = ex.token;
    this.#signal = ex.o.signal;
    this.#type = contentType;
  }

  /** A mixin or a stream reader has taken the body. */
  get bodyUsed(): boolean {
    return this.#used || this.#streaming;
  }

  /**
   * The body as text (UTF-8, a leading BOM dropped, as fetch and undici).
   *
   * @example
   * ```ts
   * const { body } = await request(url);
   * console.log(await body.text());
   * ```
   */
  text(): Promise<string> {
    return this.#take(utf8);
  }

  /**
   * The body parsed as JSON.
   *
   * @example
   * ```ts
   * const data = (await (await request(url)).body.json()) as { ok: boolean };
   * ```
   */
  json(): Promise<unknown> {
    return this.#take(parseJson);
  }

  /**
   * The body as an ArrayBuffer (the very memory it was read into, when that holds nothing else).
   *
   * @example
   * ```ts
   * const ab = await (await request(url)).body.arrayBuffer();
   * ```
   */
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#take(ownArrayBuffer);
  }

  /**
   * The body as a Uint8Array of its own.
   *
   * @example
   * ```ts
   * const bytes = await (await request(url)).body.bytes();
   * ```
   */
  bytes(): Promise<Uint8Array> {
    return this.#take((b) => new Uint8Array(ownArrayBuffer(b)));
  }

  /**
   * The body as a Blob of the response's Content-Type.
   *
   * @example
   * ```ts
   * const blob = await (await request(url)).body.blob();
   * ```
   */
  blob(): Promise<Blob> {
    return this.#take((b) => new Blob([b], { type: this.#type }));
  }

  /**
   * Reads the body to its end and drops it, so that the connection is free (undici's `dump`).
   *
   * @example
   * ```ts
   * const { statusCode, body } = await request(url);
   * if (statusCode !== 200) await body.dump();
   * ```
   */
  async dump(): Promise<void> {
    if (this.#streaming) {
      this.resume();
      return;
    }
    try {
      await this.#take(ignore);
    } catch {
      // The body is not wanted: how it ended does not matter.
    }
  }

  /** @internal the transaction is over: end or fail the stream, wake the mixins */
  settled(): void {
    this.#ex = undefined;
    const t = this.#token;
    if (this.#streaming) {
      if (t.status === 'ok') {
        const rest = t.bodyBytes;
        if (rest.length > 0) this.push(rest);
        this.push(null);
      } else this.destroy(failureOf(t, this.#signal));
    }
    const w = this.#waiters;
    this.#waiters = undefined;
    if (w) for (const fn of w) fn();
  }

  /**
   * The whole body converted by `as`: at once when the response has already ended (the common
   * case of a small body), else when it does. The token lets go of the bytes: the caller has
   * them now (a 16 MiB body kept by both lived long enough to reach the old generation).
   */
  #take<T>(as: (b: Buffer) => T): Promise<T> {
    if (this.bodyUsed) {
      return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    }
    this.#used = true;
    if (this.#token.status !== '') return this.#convert(as);
    this.#ex?.claim();
    return new Promise<void>((resolve) => (this.#waiters ??= []).push(resolve)).then(() =>
      this.#convert(as),
    );
  }

  #convert<T>(as: (b: Buffer) => T): Promise<T> {
    const t = this.#token;
    if (t.status !== 'ok') return Promise.reject(failureOf(t, this.#signal));
    const b = t.bodyBytes;
    t.setBody(undefined);
    try {
      return Promise.resolve(as(b));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  override _read(): void {
    if (this.#streaming) {
      this.#ex?.resume();
      return;
    }
    if (this.#used) {
      this.destroy(new TypeError('Body is unusable: Body has already been read'));
      return;
    }
    this.#streaming = true;
    const ex = this.#ex;
    // Still arriving: from now on piece by piece. Already complete (or being inflated in one
    // call): the whole body is pushed when the transaction settles.
    if (ex !== undefined && !ex.complete) ex.stream({ write: (chunk) => this.push(chunk) });
    else if (ex === undefined) this.settled();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const ex = this.#ex;
    this.#ex = undefined;
    // Destroying a body that is still arriving ends the request (its connection is closed).
    if (ex !== undefined && !ex.done) ex.abort('reset');
    callback(err);
  }
}

function parseJson(b: Buffer): unknown {
  return JSON.parse(utf8(b)) as unknown;
}

function ignore(): undefined {
  return undefined;
}

/** An ArrayBuffer holding exactly `b`: its own memory when `b` spans all of it, else a copy. */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b.buffer as ArrayBuffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** UTF-8 text of `b`, without a leading byte order mark. */
function utf8(b: Buffer): string {
  if (b.length === 0) return '';
  const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  return b.toString('utf8', start);
}
