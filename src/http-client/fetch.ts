/**
 * `fetch(input, init)` on connchan's client: the platform's own `Response` (global in Node ≥ 18)
 * from an {@link HttpClient}'s pool, pipelining, proxies and decoding. The fetch rules that
 * matter to callers hold: redirects followed (20 at most) unless `redirect` says otherwise,
 * gzip/deflate/br decoded with the headers kept as received, network failures rejected as
 * `TypeError('fetch failed')` with the typed connchan error as `cause`, aborts rejected with the
 * signal's reason (`AbortError`, `TimeoutError` for `AbortSignal.timeout`).
 */
import { UsageError } from '../errors.js';
import type { HttpClient } from './client.js';
import type { CheckedOptions } from './options.js';
import type { Exchange } from './exchange.js';
import {
  failureOf,
  headerPairsOf,
  prepareBody,
  type PreparedBody,
  type RequestBodyInit,
  type RequestHeaders,
} from './request-init.js';
import { getGlobalDispatcher, normalizeMethod } from './request.js';
import type { HttpToken } from './token.js';

/** fetch's `RequestInit`, with connchan's `dispatcher` (as undici's fetch). */
export interface FetchInit {
  method?: string;
  headers?: RequestHeaders | Headers;
  body?: RequestBodyInit;
  signal?: AbortSignal | null;
  /** `follow` (default, at most 20), `manual` (the 3xx is the response) or `error`. */
  redirect?: 'follow' | 'manual' | 'error';
  /** The client to run on. Default: the global one (see `setGlobalDispatcher`). */
  dispatcher?: HttpClient;
  /** Required by the platform for a streamed body; accepted. */
  duplex?: 'half';
  /** Browser settings without meaning here; accepted and ignored. */
  keepalive?: boolean;
  cache?: string;
  credentials?: string;
  mode?: string;
  referrer?: string;
  referrerPolicy?: string;
  integrity?: string;
  priority?: string;
}

/** Statuses whose response has no body (fetch's "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The platform's `fetch`, on connchan's client. Code written for fetch runs unchanged.
 *
 * @example
 * ```ts
 * import { fetch } from 'connchan/http-client';
 * const res = await fetch('http://127.0.0.1:8080/api', { signal: AbortSignal.timeout(5000) });
 * if (res.ok) console.log(await res.json());
 * ```
 */
export async function fetch(
  input: string | URL | Request,
  init: FetchInit = {},
): Promise<Response> {
  let href: string;
  let method = init.method;
  let headers: RequestHeaders | Headers | undefined = init.headers;
  let body: RequestBodyInit | undefined = init.body;
  let signal = init.signal ?? undefined;
  let redirect = init.redirect;
  if (typeof input === 'string') href = input;
  else if (input instanceof URL) href = input.href;
  else if (typeof Request !== 'undefined' && input instanceof Request) {
    href = input.url;
    method ??= input.method;
    headers ??= input.headers;
    if (body === undefined && input.body !== null) body = input.body;
    signal ??= input.signal;
    redirect ??= input.redirect;
  } else throw new TypeError('fetch: input must be a string, a URL or a Request');
  if (signal?.aborted) throw signal.reason;
  method = normalizeMethod(method ?? 'GET');
  if ((method === 'GET' || method === 'HEAD') && body !== undefined && body !== null) {
    throw new TypeError('Request with GET/HEAD method cannot have body.');
  }
  if (redirect !== undefined && !['follow', 'manual', 'error'].includes(redirect)) {
    throw new TypeError(`fetch: invalid redirect mode "${String(redirect)}"`);
  }
  let pairs: [string, string][];
  let prepared: PreparedBody | Promise<PreparedBody> | undefined;
  try {
    pairs = headers instanceof Headers ? [...headers] : headerPairsOf(headers as RequestHeaders);
    prepared = prepareBody(body, true);
  } catch (err) {
    throw new TypeError((err as Error).message, { cause: err });
  }
  const b = prepared instanceof Promise ? await prepared : prepared;
  const o: CheckedOptions = {
    method,
    blocksize: 8192,
    queryblocksize: 65536,
    strict: false,
    timeoutMs: 0,
    headerPairs: pairs,
    maxRedirects: redirect === 'manual' || redirect === 'error' ? 0 : 20,
    unclaimed: true,
    signal,
    binary: true,
  };
  if (b?.bytes !== undefined) o.query = b.bytes;
  else if (b?.stream !== undefined) o.body = b.stream;
  if (b?.type !== undefined && !pairs.some(([k]) => k.toLowerCase() === 'content-type')) {
    o.type = b.type;
  }
  const client = init.dispatcher ?? getGlobalDispatcher();
  const ex = await new Promise<Exchange>((resolve, reject) => {
    let headed = false;
    o.onResponse = (e) => {
      if (e.token.ncode === 101) return;
      headed = true;
      resolve(e);
    };
    let token: HttpToken;
    try {
      token = client.start(href, o);
    } catch (err) {
      reject(err instanceof UsageError ? new TypeError(err.message, { cause: err }) : err);
      return;
    }
    token.onSettled((t) => {
      if (headed) return;
      t.upgradeChannel?.destroy();
      const e = failureOf(t, signal);
      reject(signal?.aborted ? e : new TypeError('fetch failed', { cause: e }));
    });
  });
  const t = ex.token;
  if (redirect === 'error' && t.ncode >= 300 && t.ncode < 400 && t.meta.some(isLocation)) {
    ex.abort('reset');
    throw new TypeError('fetch failed', {
      cause: new UsageError(
        `redirect to ${String(t.meta.find(isLocation)?.[1])} with redirect: 'error'`,
        {
          code: 'ERR_HTTP_CLIENT_REDIRECT',
        },
      ),
    });
  }
  const resHeaders = new Headers();
  const h = t.headerList;
  if (h) for (let i = 0; i < h.size; i++) resHeaders.append(h.nameAt(i), h.valueAt(i));
  const noBody = NULL_BODY.has(t.ncode) || method === 'HEAD';
  const res = new Response(noBody ? null : bodyOf(ex, signal), {
    status: t.ncode,
    statusText: t.reason,
    headers: resHeaders,
  });
  if (noBody && !ex.done) ex.claim();
  Object.defineProperty(res, 'url', { value: t.url });
  Object.defineProperty(res, 'redirected', { value: t.redirects.length > 0 });
  Object.defineProperty(res, 'type', { value: 'basic' });
  return res;
}

function isLocation([k]: [string, string]): boolean {
  return k.toLowerCase() === 'location';
}

/**
 * The body of a fetch response: the bytes when the whole body is already in (the common case of
 * a small response), else a ReadableStream fed from the exchange as pieces arrive.
 */
function bodyOf(ex: Exchange, signal: AbortSignal | undefined): Uint8Array | ReadableStream {
  const t = ex.token;
  if (t.status === 'ok') return t.bodyBytes;
  let streaming = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        t.onSettled(() => {
          if (t.status === 'ok') {
            const rest = t.bodyBytes;
            if (rest.length > 0) controller.enqueue(rest);
            controller.close();
          } else {
            const e = failureOf(t, signal);
            controller.error(signal?.aborted ? e : new TypeError('terminated', { cause: e }));
          }
        });
      },
      pull(controller) {
        if (streaming) {
          ex.resume();
          return;
        }
        streaming = true;
        // Still arriving: piece by piece from now on. Complete (being inflated in one call): the
        // whole body comes when the transaction settles.
        if (!ex.done && !ex.complete) {
          ex.stream({
            write: (chunk) => {
              controller.enqueue(chunk);
              return (controller.desiredSize ?? 0) > 0;
            },
          });
        } else ex.claim();
      },
      cancel() {
        if (!ex.done) ex.abort('reset');
      },
    },
    { highWaterMark: 0 },
  );
}
