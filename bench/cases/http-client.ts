/**
 * HTTP client against a local nginx (issue 14): connchan against undici 7 set up the way undici's
 * own users set it up for each shape, Node's fetch and http.request with a keep-alive Agent as
 * references. nginx runs pinned to core 0 (started by bench/run.ts, port in BENCH_NGINX_PORT) and
 * this worker on core 1. Every side does the same work: it checks the status and consumes the
 * whole body the way a caller would (text for text, bytes for binary).
 *
 * Shapes (small GETs are of /small, 17 bytes nginx answers from memory; see bench/nginx.ts):
 * - `seq`: sequential small GETs on one keep-alive connection (undici: a plain `Client`);
 * - `conc64`: 64 small GETs kept in flight over 64 connections (undici: `Pool`, `connections: 64`);
 * - `pipe10`: small GETs kept 10 deep on one pipelined connection (undici: `Pool` with
 *   `connections: 1, pipelining: 10` and `blocking: false` per request — its default `blocking`
 *   holds every GET until the previous response's headers are in, so there is no pipelining);
 * - `gzip`: a gzip-encoded 64 KiB text page, decoded (undici: `Client` composed with its
 *   `decompress` interceptor, asking for gzip);
 * - `big`: a 16 MiB binary body;
 * - `post`: sequential POSTs of 64 KiB that nginx echoes back (64 KiB each way).
 *
 * connchan runs `request()` (the `undici.request` shape: a port changes the import) on an
 * `HttpClient` configured with the same one setting undici's side has.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Client, Pool, interceptors, type Dispatcher } from 'undici';
import type { BenchCaseFactory, BatchResult } from '../harness.js';
import {
  HttpClient,
  request as connchanRequest,
  fetch as connchanFetch,
} from '../../src/http-client/index.js';

type Scenario = 'seq' | 'conc64' | 'pipe10' | 'gzip' | 'big' | 'post';
type Impl = 'connchan' | 'undici' | 'fetch' | 'node' | 'connchanfetch';

const POST_BODY = Buffer.alloc(64 * 1024, 0x61);
const gunzipAsync = promisify(gunzip);

function origin(): string {
  const port = process.env.BENCH_NGINX_PORT;
  if (!port) throw new Error('BENCH_NGINX_PORT is not set (bench/run.ts starts nginx)');
  return `http://127.0.0.1:${port}`;
}

const PATHS: Record<Scenario, string> = {
  seq: '/small',
  conc64: '/small',
  pipe10: '/small',
  gzip: '/page.html',
  big: '/big.bin',
  post: '/echo',
};

/** Requests per batch, and how many are kept in flight. */
const SHAPE: Record<Scenario, [count: number, inFlight: number]> = {
  seq: [32, 1],
  conc64: [256, 64],
  pipe10: [100, 10],
  gzip: [16, 1],
  big: [1, 1],
  post: [16, 1],
};

/** One request of a scenario: resolves with the number of body bytes received (decoded). */
type One = () => Promise<number>;

/** Runs `count` requests of `one`, keeping `inFlight` of them running (a sliding window). */
function batch(s: Scenario, one: One): () => Promise<BatchResult> {
  const [count, inFlight] = SHAPE[s];
  if (inFlight === 1) {
    return async () => {
      let bytes = 0;
      for (let i = 0; i < count; i++) bytes += await one();
      return { ops: count, bytes };
    };
  }
  return () =>
    new Promise<BatchResult>((resolve, reject) => {
      let started = 0;
      let finished = 0;
      let bytes = 0;
      const next = (): void => {
        started++;
        one().then((b) => {
          bytes += b;
          if (++finished === count) resolve({ ops: count, bytes });
          else if (started < count) next();
        }, reject);
      };
      for (let i = 0; i < inFlight; i++) next();
    });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bad response: ${what}`);
}

/** What both request()-shaped clients need. */
interface RequestShaped {
  request(
    url: string,
    opts: {
      method?: string;
      body?: Buffer;
      headers?: Record<string, string>;
      blocking?: boolean;
      dispatcher?: unknown;
    },
  ): Promise<{
    statusCode: number;
    body: { text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> };
  }>;
}

/** The same calls for both: only the dispatcher (and the import) differs. */
function requestCase(s: Scenario, req: RequestShaped['request'], dispatcher: unknown): One {
  const url = origin() + PATHS[s];
  if (s === 'post') {
    return async () => {
      const r = await req(url, { method: 'POST', body: POST_BODY, dispatcher });
      const b = await r.body.arrayBuffer();
      check(r.statusCode === 200 && b.byteLength === POST_BODY.length, String(r.statusCode));
      return b.byteLength;
    };
  }
  if (s === 'big') {
    return async () => {
      const r = await req(url, { dispatcher });
      const b = await r.body.arrayBuffer();
      check(r.statusCode === 200, String(r.statusCode));
      return b.byteLength;
    };
  }
  const opts =
    s === 'gzip'
      ? { dispatcher, headers: { 'accept-encoding': 'gzip' } }
      : s === 'pipe10'
        ? { dispatcher, blocking: false }
        : { dispatcher };
  return async () => {
    const r = await req(url, opts);
    const text = await r.body.text();
    check(r.statusCode === 200 && text.length > 0, String(r.statusCode));
    return text.length;
  };
}

function connchan(s: Scenario): One {
  // The one setting each shape needs; everything else is HttpClient's defaults.
  const client = new HttpClient(
    s === 'conc64'
      ? { maxConnectionsPerOrigin: 64 }
      : s === 'pipe10'
        ? { maxConnectionsPerOrigin: 1, maxPipelineDepth: 10 }
        : {},
  );
  return requestCase(s, connchanRequest as unknown as RequestShaped['request'], client);
}

function undici(s: Scenario): One {
  const o = origin();
  const dispatcher: Dispatcher =
    s === 'conc64'
      ? new Pool(o, { connections: 64 })
      : s === 'pipe10'
        ? new Pool(o, { connections: 1, pipelining: 10 })
        : s === 'gzip'
          ? new Client(o).compose(interceptors.decompress())
          : new Client(o);
  const req = ((url: string, opts: Parameters<Dispatcher['request']>[0]) => {
    const u = new URL(url);
    return dispatcher.request({ ...opts, path: u.pathname, method: opts.method ?? 'GET' });
  }) as unknown as RequestShaped['request'];
  return requestCase(s, req, undefined);
}

function fetchCase(s: Scenario, f: typeof fetch): One {
  const url = origin() + PATHS[s];
  if (s === 'post') {
    return async () => {
      const r = await f(url, { method: 'POST', body: POST_BODY });
      return (await r.arrayBuffer()).byteLength;
    };
  }
  if (s === 'big') return async () => (await (await f(url)).arrayBuffer()).byteLength;
  return async () => {
    // fetch sends Accept-Encoding: gzip, deflate, br and decodes by itself.
    const r = await f(url);
    const text = await r.text();
    check(r.status === 200, String(r.status));
    return text.length;
  };
}

function node(s: Scenario): One {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: s === 'conc64' ? 64 : 1 });
  const port = Number(process.env.BENCH_NGINX_PORT);
  const path = PATHS[s];
  const method = s === 'post' ? 'POST' : 'GET';
  const headers: Record<string, string | number> =
    s === 'post'
      ? { 'content-length': POST_BODY.length }
      : s === 'gzip'
        ? { 'accept-encoding': 'gzip' }
        : {};
  return () =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path, method, agent, headers },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            if (s === 'gzip') gunzipAsync(body).then((b) => resolve(b.toString().length), reject);
            else resolve(s === 'big' || s === 'post' ? body.length : body.toString().length);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(s === 'post' ? POST_BODY : undefined);
    });
}

const impls: Record<Impl, (s: Scenario) => One> = {
  connchan,
  undici,
  fetch: (s) => fetchCase(s, fetch),
  node,
  connchanfetch: (s) => fetchCase(s, connchanFetch as typeof fetch),
};

export const httpClientCases: Record<string, BenchCaseFactory> = {};
for (const s of ['seq', 'conc64', 'pipe10', 'gzip', 'big', 'post'] as const) {
  for (const i of Object.keys(impls) as Impl[]) {
    httpClientCases[`hc-${s}-${i}`] = () => batch(s, impls[i](s));
  }
}
