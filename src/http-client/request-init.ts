/**
 * What `request()` and `fetch()` share: turning their headers and bodies (the shapes undici and
 * fetch accept) into geturl's, and turning a transaction that did not end `ok` into the one
 * error a promise rejects with.
 */
import type { Readable } from 'node:stream';
import { ConnchanError, UsageError } from '../errors.js';
import { AbortError, TimeoutError } from '../io/errors.js';
import type { HttpToken } from './token.js';

/** Request headers as undici and fetch take them. */
export type RequestHeaders =
  | Readonly<Record<string, string | number | readonly string[] | undefined | null>>
  | readonly (readonly [string, string])[]
  | readonly string[]
  | Iterable<readonly [string, string]>;

/** A request body as undici's `request` and `fetch` take it. */
export type RequestBodyInit =
  | string
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | URLSearchParams
  | Blob
  | FormData
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | null;

/** A body ready for geturl: bytes (sent with Content-Length) or a stream (sent chunked). */
export interface PreparedBody {
  bytes?: Buffer;
  stream?: AsyncIterable<Uint8Array | string>;
  /** The Content-Type the body implies (fetch's rules), if any. */
  type?: string;
}

/**
 * `[name, value]` pairs of `headers`; an array value gives one field per element (as undici),
 * undefined and null values are left out.
 *
 * @example
 * ```ts
 * headerPairsOf({ accept: 'text/plain', 'x-a': ['1', '2'] }); // [['accept','text/plain'],['x-a','1'],['x-a','2']]
 * ```
 */
export function headerPairsOf(headers: RequestHeaders | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (headers === undefined || headers === null) return out;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && typeof headers[0] === 'string') {
      const flat = headers as readonly string[];
      if (flat.length % 2 !== 0)
        throw bad('headers must be an even-length list of names and values');
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i], String(flat[i + 1])]);
      return out;
    }
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const p of headers as Iterable<readonly [string, string]>) {
      if (!Array.isArray(p) || p.length !== 2) throw bad('headers must be [name, value] pairs');
      out.push([p[0], String(p[1])]);
    }
    return out;
  }
  const rec = headers as Record<string, string | number | readonly string[] | undefined | null>;
  for (const name in rec) {
    const v = rec[name];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) out.push([name, String(x)]);
    else out.push([name, String(v)]);
  }
  return out;
}

/**
 * Turns a body into bytes or a stream; `fetchTypes` adds the Content-Type fetch implies
 * (strings are `text/plain;charset=UTF-8`, URLSearchParams a form, a Blob its own type,
 * FormData multipart). Only Blob and FormData need a promise.
 *
 * @example
 * ```ts
 * prepareBody('a=1', true); // { bytes: <Buffer 61 3d 31>, type: 'text/plain;charset=UTF-8' }
 * ```
 */
export function prepareBody(
  body: RequestBodyInit | undefined,
  fetchTypes: boolean,
): PreparedBody | Promise<PreparedBody> | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    return { bytes: Buffer.from(body), type: fetchTypes ? 'text/plain;charset=UTF-8' : undefined };
  }
  if (body instanceof Uint8Array) {
    return {
      bytes: Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.length),
    };
  }
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) {
    return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  }
  if (body instanceof URLSearchParams) {
    return {
      bytes: Buffer.from(body.toString()),
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    return body
      .arrayBuffer()
      .then((ab) => ({ bytes: Buffer.from(ab), type: body.type || undefined }));
  }
  if (typeof FormData !== 'undefined' && body instanceof FormData) {
    // The platform's own multipart encoder, through a Response.
    const r = new Response(body);
    return r.arrayBuffer().then((ab) => ({
      bytes: Buffer.from(ab),
      type: r.headers.get('content-type') ?? undefined,
    }));
  }
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return { stream: body as AsyncIterable<Uint8Array | string> };
  }
  throw bad(`unsupported body type ${Object.prototype.toString.call(body)}`);
}

/**
 * The error a transaction that did not end `ok` stands for: the signal's reason when it was
 * aborted through its signal (a DOMException named AbortError or TimeoutError, as the platform
 * gives), else the typed error behind its status (TimeoutError for `timeout`, AbortError for a
 * reset, the connect or protocol error, `ERR_HTTP_CLIENT_EOF`).
 *
 * @example
 * ```ts
 * token.onSettled((t) => t.status === 'ok' || reject(failureOf(t, signal)));
 * ```
 */
export function failureOf(t: HttpToken | undefined, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) {
    const r: unknown = signal.reason;
    return r instanceof Error ? r : new AbortError('the request was aborted', r);
  }
  if (t === undefined) return new AbortError('the request was aborted');
  const e = t.errorObject;
  switch (t.status) {
    case 'timeout':
      return e instanceof TimeoutError
        ? e
        : new TimeoutError(e?.message ?? 'the request timed out', {
            code: 'ERR_HTTP_CLIENT_TIMEOUT',
            timeoutMs: 0,
          });
    case 'error':
    case 'eof':
      return (
        e ??
        new ConnchanError('the connection closed before the response was complete', {
          code: 'ERR_HTTP_CLIENT_EOF',
        })
      );
    default:
      return e instanceof AbortError
        ? e
        : new AbortError(`the request was ended (${t.status || 'reset'})`, e);
  }
}

function bad(message: string): UsageError {
  return new UsageError(message, { code: 'ERR_HTTP_CLIENT_INVALID_OPTION' });
}
