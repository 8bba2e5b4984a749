/**
 * geturl's options: the manual's (`binary`, `blocksize`, `channel`, …) and the idiomatic ones
 * (`signal`, `body` as an async iterable, `followRedirects`). Checked at once: an unknown
 * option or a bad value throws before anything is sent.
 */
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { parseTimeValue, type TimeValue } from '../io/time-value.js';
import type { HttpToken } from './token.js';
import type { Exchange } from './exchange.js';

/** Request headers: `[name, value]` pairs, a flat Tcl-style list, or a record. */
export type HeadersOption =
  | readonly (readonly [string, string])[]
  | readonly string[]
  | Readonly<Record<string, string | number>>;

/** Options of geturl. */
export interface GeturlOptions {
  /** Treat the body as binary whatever its type. */
  binary?: boolean;
  /** At most this many bytes per progress step (default 8192). */
  blocksize?: number;
  /** Write the body to this stream instead of keeping it (not closed afterwards). */
  channel?: Writable;
  /** Called when done; geturl then returns the token at once. */
  command?: (token: HttpToken) => void;
  /** Custom reader: gets each raw body chunk, returns the bytes it consumed. Disables zip. */
  handler?: (chunk: Buffer, token: HttpToken) => number | void;
  headers?: HeadersOption;
  /** Use (and keep) a persistent connection (default: the config's `keepalive`, false). */
  keepalive?: boolean;
  /** Override the method (PUT, DELETE, …). */
  method?: string;
  /** Local address to connect from. */
  myaddr?: string;
  /** `(token, total, current)` after each block received. */
  progress?: (token: HttpToken, total: number, current: number) => void;
  /** '1.0' or '1.1' (default). 1.0 never keeps the connection. */
  protocol?: '1.0' | '1.1';
  /** Request body (makes it a POST). Strings are sent as UTF-8. */
  query?: string | Uint8Array;
  /** Bytes per write of the body when `queryprogress` is set (default 8192). */
  queryblocksize?: number;
  /** Upload the body from a stream; its size must be known (Content-Length header, or a file). */
  querychannel?: Readable;
  /** `(token, total, current)` after each block sent. */
  queryprogress?: (token: HttpToken, total: number, current: number) => void;
  /** RFC 3986 URL validation (default true). */
  strict?: boolean;
  /** Whole-transaction timeout (ms or a time string); 0 = none. See docs for when it starts. */
  timeout?: TimeValue;
  /** Content-Type of the body (default application/x-www-form-urlencoded). */
  type?: string;
  /** HEAD request. */
  validate?: boolean;
  /** Cancel: the transaction ends with status `reset`. */
  signal?: AbortSignal;
  /** Request body as an async iterable, sent chunked (or with your Content-Length header). */
  body?: AsyncIterable<Uint8Array | string>;
  /** Follow 3xx redirects: true = up to 10, or the limit. Default false, as in the manual. */
  followRedirects?: boolean | number;
  /** Send `Expect: 100-continue` before the body (default: by config expectContinueBytes). */
  expectContinue?: boolean;
  /** Called when the response head has arrived, before the body (status, meta, type are set). */
  onHead?: (token: HttpToken) => void;
  /** (2.10) If the type is application/octet-stream and the body is an XML document, treat as XML. */
  guesstype?: boolean;
}

/** Options after checking, with defaults filled in (and the internal ones of request/fetch). */
export interface CheckedOptions extends GeturlOptions {
  blocksize: number;
  queryblocksize: number;
  strict: boolean;
  timeoutMs: number;
  headerPairs: [string, string][];
  maxRedirects: number;
  /** Read timeouts overriding the config's (request()'s headersTimeout/bodyTimeout). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** May be pipelined and replayed whatever the method (undici's `idempotent`). */
  idempotent?: boolean;
  /** The body is kept only once someone claims it (request/fetch: undici's backpressure). */
  unclaimed?: boolean;
  /** The final response head is in (not a redirect being followed). */
  onResponse?: (ex: Exchange) => void;
}

type Check = (v: unknown) => boolean;
const bool: Check = (v) => typeof v === 'boolean';
const fn: Check = (v) => typeof v === 'function';
const posInt: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0;
const isWritable: Check = (v) => typeof (v as Writable)?.write === 'function';
const isReadable: Check = (v) =>
  typeof (v as Readable)?.on === 'function' && typeof (v as Readable)?.read === 'function';

const CHECKS: Record<keyof GeturlOptions, [Check, string]> = {
  binary: [bool, 'a boolean'],
  blocksize: [posInt, 'a positive integer'],
  channel: [isWritable, 'a writable stream'],
  command: [fn, 'a function'],
  handler: [fn, 'a function'],
  headers: [(v) => typeof v === 'object' && v !== null, 'a list of pairs or a record'],
  keepalive: [bool, 'a boolean'],
  method: [
    (v) => typeof v === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(v),
    'a method token',
  ],
  myaddr: [(v) => typeof v === 'string', 'an address'],
  progress: [fn, 'a function'],
  protocol: [(v) => v === '1.0' || v === '1.1', "'1.0' or '1.1'"],
  query: [(v) => typeof v === 'string' || v instanceof Uint8Array, 'a string or bytes'],
  queryblocksize: [posInt, 'a positive integer'],
  querychannel: [isReadable, 'a readable stream'],
  queryprogress: [fn, 'a function'],
  strict: [bool, 'a boolean'],
  timeout: [(v) => typeof v === 'number' || typeof v === 'string', 'milliseconds or a time string'],
  type: [(v) => typeof v === 'string', 'a MIME type'],
  validate: [bool, 'a boolean'],
  signal: [(v) => v instanceof AbortSignal, 'an AbortSignal'],
  body: [
    (v) => typeof (v as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function',
    'an async iterable',
  ],
  followRedirects: [(v) => bool(v) || Number.isSafeInteger(v), 'a boolean or a count'],
  expectContinue: [bool, 'a boolean'],
  guesstype: [bool, 'a boolean'],
  onHead: [fn, 'a function'],
};

/**
 * Checks geturl options; throws `UsageError` (`ERR_HTTP_CLIENT_INVALID_OPTION`) on the first
 * unknown option or bad value.
 *
 * @example
 * ```ts
 * checkOptions({ timeout: '2s' }).timeoutMs; // 2000
 * ```
 */
export function checkOptions(options: GeturlOptions): CheckedOptions {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const check = CHECKS[key as keyof GeturlOptions];
    if (check === undefined) {
      throw bad(`unknown option "${key}": must be one of ${Object.keys(CHECKS).join(', ')}`);
    }
    if (!check[0](value)) throw bad(`option ${key} must be ${check[1]}`);
  }
  const bodies = [options.query, options.querychannel, options.body].filter((b) => b !== undefined);
  if (bodies.length > 1) throw bad('give only one of query, querychannel and body');
  const fr = options.followRedirects;
  return {
    ...options,
    blocksize: options.blocksize ?? 8192,
    queryblocksize: options.queryblocksize ?? 8192,
    strict: options.strict ?? true,
    timeoutMs: options.timeout === undefined ? 0 : parseTimeValue(options.timeout, 'timeout'),
    headerPairs: headerPairs(options.headers),
    maxRedirects: fr === true ? 10 : typeof fr === 'number' ? fr : 0,
  };
}

function headerPairs(h: HeadersOption | undefined): [string, string][] {
  if (h === undefined) return [];
  const out: [string, string][] = [];
  if (Array.isArray(h)) {
    if (h.length > 0 && typeof h[0] === 'string') {
      const flat = h as readonly string[];
      if (flat.length % 2 !== 0)
        throw bad('headers must be an even-length list of names and values');
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    } else {
      for (const p of h as readonly (readonly [string, string])[]) out.push([p[0], String(p[1])]);
    }
  } else {
    for (const [k, v] of Object.entries(h)) out.push([k, String(v)]);
  }
  return out;
}

function bad(message: string): UsageError {
  return new UsageError(message, { code: 'ERR_HTTP_CLIENT_INVALID_OPTION' });
}
