/**
 * `request(url, options)` in the shape of `undici.request`: resolves when the response head is
 * in with `{ statusCode, headers, body, trailers }`, the body a {@link BodyReadable}; rejects with
 * one kind of error for every failure before the head (typed connchan errors; the signal's own
 * reason when aborted through a signal). It runs on an {@link HttpClient} (the `dispatcher`
 * option, else the global one): its pool, pipelining, proxies, timeouts and decoding.
 */
import { ConnchanError, UsageError } from '../errors.js';
import { HttpClient } from './client.js';
import { processState } from '../process-state.js';
import type { CheckedOptions } from './options.js';
import type { Exchange } from './exchange.js';
import { BodyReadable } from './response-body.js';
import {
  failureOf,
  headerPairsOf,
  prepareBody,
  type PreparedBody,
  type RequestBodyInit,
  type RequestHeaders,
} from './request-init.js';

/** undici's URL object form: `{ origin, path }` or `{ origin, pathname, search }`. */
export interface UrlObject {
  origin: string;
  path?: string;
  pathname?: string;
  search?: string;
}

/** Options of {@link request}: undici's, with the same names and defaults. */
export interface RequestOptions {
  /** Default `GET`. */
  method?: string;
  headers?: RequestHeaders;
  /** Bytes and strings are sent with Content-Length; streams and iterables chunked. */
  body?: RequestBodyInit;
  /** Added to the URL's query (`?a=1&b=2`). */
  query?: Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;
  signal?: AbortSignal;
  /** The client to run on (its pool and config). Default: {@link getGlobalDispatcher}. */
  dispatcher?: HttpClient;
  /** ms until the response head starts (0 = none). Default: the client's `headersTimeoutMs`. */
  headersTimeout?: number;
  /** ms allowed between body pieces (0 = none). Default: the client's `bodyTimeoutMs`. */
  bodyTimeout?: number;
  /** Send `Connection: close` and use a connection of its own. */
  reset?: boolean;
  /** May be pipelined and replayed like GET (default: GET and HEAD without a body). */
  idempotent?: boolean;
  /**
   * Accepted for undici compatibility: connchan never writes a request behind one that cannot
   * be pipelined, and pipelines GET/HEAD only when `pipeline` is on and no connection is free.
   */
  blocking?: boolean;
  /** Follow this many redirects (undici 6's option; default 0, as undici). */
  maxRedirections?: number;
  /** Send `Expect: 100-continue` before the body. */
  expectContinue?: boolean;
  /** Returned as is in the response. */
  opaque?: unknown;
  /** The body stream's buffer before the socket is paused (bytes). Default 64 KiB. */
  highWaterMark?: number;
}

/** Options undici has that connchan takes and ignores (so ported code runs unchanged). */
const IGNORED = new Set(['responseHeaders', 'context', 'onInfo', 'throwOnError', 'origin', 'path']);
const KNOWN = new Set([
  'method',
  'headers',
  'body',
  'query',
  'signal',
  'dispatcher',
  'headersTimeout',
  'bodyTimeout',
  'reset',
  'idempotent',
  'blocking',
  'maxRedirections',
  'expectContinue',
  'opaque',
  'highWaterMark',
]);

/** A response from {@link request}, as undici's `ResponseData`. */
export class ResponseData {
  readonly statusCode: number;
  /** The reason phrase received. */
  readonly statusText: string;
  readonly body: BodyReadable;
  /** Trailer fields of a chunked body, filled when the body has ended. */
  readonly trailers: Record<string, string> = {};
  readonly opaque: unknown;
  readonly context: Record<string, unknown> = {};
  readonly #ex: Exchange;
  #headers: Record<string, string | string[]> | undefined = undefined;

  /** @internal */
  constructor(ex: Exchange, opaque: unknown, highWaterMark: number | undefined) {
    const t = ex.token;
    this.#ex = ex;
    this.statusCode = t.ncode;
    this.statusText = t.reason;
    this.opaque = opaque;
    this.body = new BodyReadable(ex, t.type, highWaterMark);
  }

  /**
   * Response header fields by lower-case name; a repeated field is an array (as undici). When
   * the client decoded the body (gzip, deflate, br), Content-Encoding and Content-Length are
   * left out, as undici's `decompress` interceptor does.
   */
  get headers(): Record<string, string | string[]> {
    if (this.#headers === undefined) {
      const out: Record<string, string | string[]> = {};
      const h = this.#ex.token.headerList;
      const decoded = this.#ex.decoding;
      if (h) {
        for (let i = 0; i < h.size; i++) {
          const name = h.nameAt(i).toLowerCase();
          if (decoded && (name === 'content-encoding' || name === 'content-length')) continue;
          const v = h.valueAt(i);
          const had = out[name];
          if (had === undefined) out[name] = v;
          else if (typeof had === 'string') out[name] = [had, v];
          else had.push(v);
        }
      }
      this.#headers = out;
    }
    return this.#headers;
  }
}

/** The global dispatcher: one per process (as undici's), whichever copy of connchan asks. */
const dispatcherState = processState('http-client/global-dispatcher@1', () => ({
  client: undefined as HttpClient | undefined,
}));

/**
 * The client `request()` and `fetch()` use when no `dispatcher` is given: a
 * `new HttpClient()` (keep-alive, up to 16 connections per origin), made on first use.
 *
 * @example
 * ```ts
 * getGlobalDispatcher().configure({ maxConnectionsPerOrigin: 64 });
 * ```
 */
export function getGlobalDispatcher(): HttpClient {
  return (dispatcherState.client ??= new HttpClient());
}

/**
 * Sets the client `request()` and `fetch()` use by default (as undici's
 * `setGlobalDispatcher`); e.g. one with proxies from the environment.
 *
 * @example
 * ```ts
 * setGlobalDispatcher(new HttpClient({ envProxy: true }));
 * ```
 */
export function setGlobalDispatcher(client: HttpClient): void {
  // Not instanceof: the ESM and CommonJS builds each have their own HttpClient class.
  if (typeof (client as Partial<HttpClient> | undefined)?.start !== 'function') {
    throw new UsageError('the global dispatcher must be an HttpClient', {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
  }
  dispatcherState.client = client;
}

/**
 * Sends a request and resolves when the response head has arrived (undici's `request`). Read
 * the body with `body.text()`, `.json()`, `.arrayBuffer()`, `.bytes()`, `.blob()`, as a stream
 * or with `for await`; or `body.dump()` it. Rejects before the head with a typed error: a
 * `ConnectError` (`ERR_CONNECT_REFUSED`, `ERR_UNKNOWN_HOST`, …), a `TimeoutError`
 * (`ERR_CONNECT_TIMEOUT`, `ERR_HTTP_CLIENT_HEADERS_TIMEOUT`), a `ProtocolError`,
 * `ERR_HTTP_CLIENT_EOF`, or the signal's reason when aborted through `signal`. Responses with
 * any status resolve.
 *
 * @example
 * ```ts
 * import { request } from 'connchan/http-client'; // was: from 'undici'
 * const { statusCode, headers, body } = await request('http://127.0.0.1:8080/api', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ a: 1 }),
 *   signal: AbortSignal.timeout(5000),
 * });
 * console.log(statusCode, headers['content-type'], await body.json());
 * ```
 */
export function request(
  url: string | URL | UrlObject,
  options: RequestOptions = {},
): Promise<ResponseData> {
  let o: CheckedOptions;
  let href: string;
  let body: PreparedBody | Promise<PreparedBody> | undefined;
  try {
    for (const k in options) {
      if (!KNOWN.has(k) && !IGNORED.has(k)) {
        throw new UsageError(`unknown request option "${k}"`, {
          code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
        });
      }
    }
    href = urlOf(url, options.query);
    o = requestOptions(options);
    body = prepareBody(options.body, false);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  if (options.signal?.aborted) return Promise.reject(failureOf(undefined, options.signal));
  const client = options.dispatcher ?? getGlobalDispatcher();
  if (body === undefined) return run(client, href, o, options);
  if (!(body instanceof Promise)) return run(client, href, withBody(o, body), options);
  return body.then((b) => run(client, href, withBody(o, b), options));
}

/** The checked options of a request (the parts that do not depend on its body). */
function requestOptions(options: RequestOptions): CheckedOptions {
  const method = options.method ?? 'GET';
  if (typeof method !== 'string' || !METHOD.test(method)) {
    throw new UsageError(`invalid method ${JSON.stringify(method)}`, {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
  }
  const redirects = options.maxRedirections ?? 0;
  for (const [name, v] of [
    ['headersTimeout', options.headersTimeout],
    ['bodyTimeout', options.bodyTimeout],
    ['maxRedirections', redirects],
  ] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
      throw new UsageError(`${name} must be an integer ≥ 0`, {
        code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
      });
    }
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new UsageError('signal must be an AbortSignal', {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
  }
  return {
    method: method.toUpperCase() === method ? method : normalizeMethod(method),
    blocksize: 8192,
    queryblocksize: 65536,
    strict: false,
    timeoutMs: 0,
    headerPairs: headerPairsOf(options.headers),
    maxRedirects: redirects,
    headersTimeoutMs: options.headersTimeout,
    bodyTimeoutMs: options.bodyTimeout,
    idempotent: options.idempotent,
    unclaimed: true,
    signal: options.signal,
    keepalive: options.reset === true ? false : undefined,
    expectContinue: options.expectContinue,
    binary: true,
  };
}

function withBody(o: CheckedOptions, body: PreparedBody): CheckedOptions {
  if (body.bytes !== undefined) o.query = body.bytes;
  else o.body = body.stream;
  if (body.type !== undefined && !o.headerPairs.some(([k]) => k.toLowerCase() === 'content-type')) {
    o.type = body.type;
  }
  return o;
}

function run(
  client: HttpClient,
  href: string,
  o: CheckedOptions,
  options: RequestOptions,
): Promise<ResponseData> {
  return new Promise<ResponseData>((resolve, reject) => {
    let res: ResponseData | undefined;
    o.onResponse = (ex) => {
      if (ex.token.ncode === 101) return;
      res = new ResponseData(ex, options.opaque, options.highWaterMark);
      resolve(res);
    };
    const signal = o.signal;
    client.start(href, o).onSettled((t) => {
      if (res !== undefined) {
        for (const [k, v] of t.trailers) res.trailers[k.toLowerCase()] = v;
        res.body.settled();
      } else if (t.ncode === 101) {
        t.upgradeChannel?.destroy();
        reject(
          new ConnchanError('request() does not take protocol upgrades: use connchan/ws', {
            code: 'ERR_HTTP_CLIENT_UPGRADE',
          }),
        );
      } else reject(failureOf(t, signal));
    });
  });
}

/** The URL of a request as a string, with undici's `query` option appended. */
function urlOf(url: string | URL | UrlObject, query: RequestOptions['query']): string {
  let href: string;
  if (typeof url === 'string') href = url;
  else if (url instanceof URL) href = url.href;
  else if (url !== null && typeof url === 'object' && typeof url.origin === 'string') {
    href = url.origin + (url.path ?? `${url.pathname ?? '/'}${url.search ?? ''}`);
  } else {
    throw new UsageError('url must be a string, a URL or { origin, path }', {
      code: 'ERR_HTTP_CLIENT_INVALID_URL',
    });
  }
  if (query === undefined) return href;
  const q = new URLSearchParams();
  for (const k in query) {
    const v = query[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) q.append(k, x);
    else q.append(k, String(v));
  }
  const s = q.toString();
  if (s === '') return href;
  const hash = href.indexOf('#');
  const base = hash < 0 ? href : href.slice(0, hash);
  return base + (base.includes('?') ? '&' : '?') + s;
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * fetch's method normalization: the standard methods upper-cased, others kept as written.
 *
 * @example
 * ```ts
 * normalizeMethod('post'); // 'POST'
 * normalizeMethod('patch'); // 'patch' (as fetch: only the standard six are upper-cased)
 * ```
 */
export function normalizeMethod(method: string): string {
  const up = method.toUpperCase();
  return /^(DELETE|GET|HEAD|OPTIONS|POST|PUT)$/.test(up) ? up : method;
}
