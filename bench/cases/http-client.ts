/**
 * HTTP client against a local nginx (issue 5): connchan's geturl against undici (a Pool with one
 * origin), Node's fetch and http.request with a keep-alive Agent, all with keep-alive. nginx runs
 * pinned to core 0 (started by bench/run.ts, port in BENCH_NGINX_PORT) and this worker on core 1.
 *
 * Scenarios: `small` sequential GETs of a small file; `conc64` 64 GETs at once (up to 64
 * connections each); `pipe` 64 GETs pipelined on one connection, 16 deep; `big` a 16 MiB
 * download; `gzip` a gzip-encoded 1 MiB page, decompressed by the client (undici's Pool and
 * http.request do not decode, so their cases call zlib the way connchan does); `post` sequential
 * POSTs of 64 KiB.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import type { BenchCaseFactory, BatchResult } from '../harness.js';
import { HttpClient } from '../../src/http-client/index.js';

const gunzipAsync = promisify(gunzip);

type Scenario = 'small' | 'conc64' | 'pipe' | 'big' | 'gzip' | 'post';
type Impl = 'connchan' | 'undici' | 'fetch' | 'node';

const SEQ_BATCH = 32;
const CONC = 64;
const PIPE_DEPTH = 16;
const POST_BODY = Buffer.alloc(64 * 1024, 0x61);
const POST_BATCH = 16;

function origin(): string {
  const port = process.env.BENCH_NGINX_PORT;
  if (!port) throw new Error('BENCH_NGINX_PORT is not set (bench/run.ts starts nginx)');
  return `http://127.0.0.1:${port}`;
}

const PATHS: Record<Scenario, string> = {
  small: '/small.txt',
  conc64: '/small.txt',
  pipe: '/small.txt',
  big: '/big.bin',
  gzip: '/page.html',
  post: '/post',
};

/** One request of a scenario: resolves with the number of body bytes received (decoded). */
type One = () => Promise<number>;

/** Runs `one` as the scenario says: in sequence, or all of a batch at once. */
function batch(s: Scenario, one: One): () => Promise<BatchResult> {
  const n =
    s === 'small'
      ? SEQ_BATCH
      : s === 'post'
        ? POST_BATCH
        : s === 'conc64' || s === 'pipe'
          ? CONC
          : 1;
  if (s === 'conc64' || s === 'pipe') {
    return async () => {
      const ps: Promise<number>[] = [];
      for (let i = 0; i < n; i++) ps.push(one());
      let bytes = 0;
      for (const b of await Promise.all(ps)) bytes += b;
      return { ops: n, bytes };
    };
  }
  return async () => {
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += await one();
    return { ops: n, bytes };
  };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bad response: ${what}`);
}

function connchan(s: Scenario): One {
  const client = new HttpClient({
    keepalive: true,
    pipeline: s === 'pipe',
    maxPipelineDepth: PIPE_DEPTH,
    maxConnectionsPerOrigin: s === 'conc64' ? CONC : 1,
    zip: s === 'gzip',
  });
  const url = origin() + PATHS[s];
  const opts = s === 'post' ? { query: POST_BODY, type: 'application/octet-stream' } : {};
  return async () => {
    const t = await client.geturl(url, opts);
    check(t.ncode === 200, `${t.ncode} ${t.status}`);
    return t.bodyBytes.length;
  };
}

function undici(s: Scenario): One {
  const pool = new Pool(origin(), {
    connections: s === 'conc64' ? CONC : 1,
    pipelining: s === 'pipe' ? PIPE_DEPTH : 1,
  });
  const path = PATHS[s];
  const blocking = s !== 'pipe';
  if (s === 'post') {
    return async () => {
      const r = await pool.request({
        path,
        method: 'POST',
        body: POST_BODY,
        headers: { 'content-type': 'application/octet-stream' },
      });
      const b = Buffer.from(await r.body.arrayBuffer());
      check(r.statusCode === 200, String(r.statusCode));
      return b.length;
    };
  }
  if (s === 'gzip') {
    return async () => {
      const r = await pool.request({ path, method: 'GET', headers: { 'accept-encoding': 'gzip' } });
      const raw = Buffer.from(await r.body.arrayBuffer());
      check(r.headers['content-encoding'] === 'gzip', 'not gzip');
      return (await gunzipAsync(raw)).length;
    };
  }
  return async () => {
    const r = await pool.request({ path, method: 'GET', blocking });
    const b = await r.body.arrayBuffer();
    check(r.statusCode === 200, String(r.statusCode));
    return b.byteLength;
  };
}

function fetchCase(s: Scenario): One {
  const url = origin() + PATHS[s];
  if (s === 'post') {
    return async () => {
      const r = await fetch(url, {
        method: 'POST',
        body: POST_BODY,
        headers: { 'content-type': 'application/octet-stream' },
      });
      return (await r.arrayBuffer()).byteLength;
    };
  }
  return async () => {
    // fetch sends Accept-Encoding: gzip, deflate, br and decodes by itself.
    const r = await fetch(url);
    const b = await r.arrayBuffer();
    check(r.status === 200, String(r.status));
    return b.byteLength;
  };
}

function node(s: Scenario): One {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: s === 'conc64' ? CONC : 1 });
  const port = Number(process.env.BENCH_NGINX_PORT);
  const path = PATHS[s];
  const method = s === 'post' ? 'POST' : 'GET';
  const headers: Record<string, string | number> =
    s === 'post'
      ? { 'content-type': 'application/octet-stream', 'content-length': POST_BODY.length }
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
            if (s === 'gzip') gunzipAsync(body).then((b) => resolve(b.length), reject);
            else resolve(body.length);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(s === 'post' ? POST_BODY : undefined);
    });
}

const impls: Record<Impl, (s: Scenario) => One> = { connchan, undici, fetch: fetchCase, node };

export const httpClientCases: Record<string, BenchCaseFactory> = {};
for (const s of ['small', 'conc64', 'pipe', 'big', 'gzip', 'post'] as const) {
  for (const i of ['connchan', 'undici', 'fetch', 'node'] as const) {
    httpClientCases[`hc-${s}-${i}`] = () => batch(s, impls[i](s));
  }
}
