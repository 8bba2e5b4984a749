// request(): the undici.request shape on HttpClient — status, headers, the body mixins and the
// body as a stream, uploads, decoding, the error model (typed errors; the signal's reason),
// read timeouts, backpressure, and the pool underneath (pipelining, connections). The origin is
// node:http, an independent implementation.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as netServer } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  HttpClient,
  request,
  BodyReadable,
  getGlobalDispatcher,
  setGlobalDispatcher,
} from '../../src/http-client/index.js';
import { ConnchanError } from '../../src/errors.js';
import { scriptServer } from './script-server.js';
import { nodeOrigin, type NodeOrigin } from '../helpers/origins.js';
import { listenLocal } from '../helpers/listen.js';

const BIG = randomBytes(3 * 1024 * 1024);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let origin: NodeOrigin;
let base = '';
let heldResponse: ServerResponse | undefined;

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL): void {
  switch (url.pathname) {
    case '/text':
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end('\ufeffhéllo');
      return;
    case '/json':
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, query: Object.fromEntries(url.searchParams) }));
      return;
    case '/echo':
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          type: req.headers['content-type'] ?? null,
          te: req.headers['transfer-encoding'] ?? null,
          length: req.headers['content-length'] ?? null,
          sha: sha(body),
          text: body.length < 200 ? body.toString() : '',
        }),
      );
      return;
    case '/big':
      res.setHeader('content-type', 'application/octet-stream');
      res.end(BIG);
      return;
    case '/gzip':
      res.setHeader('content-type', 'text/plain');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync('zipped '.repeat(10_000)));
      return;
    case '/br':
      res.setHeader('content-type', 'text/plain');
      res.setHeader('content-encoding', 'br');
      res.end(brotliCompressSync('brotli '.repeat(10_000)));
      return;
    case '/status':
      res.statusCode = Number(url.searchParams.get('code'));
      res.end(`status ${res.statusCode}`);
      return;
    case '/trailers':
      res.setHeader('trailer', 'x-sum');
      res.write('part1;');
      res.write('part2');
      res.addTrailers({ 'x-sum': 'done' });
      res.end();
      return;
    case '/slow-head':
      setTimeout(() => res.end('late'), 1500);
      return;
    case '/stall-body':
      res.setHeader('content-length', '100');
      res.write('x'.repeat(10));
      return; // never finishes
    case '/cut':
      res.setHeader('content-length', '100');
      res.write('x'.repeat(10), () => res.socket?.destroy());
      return;
    case '/hold':
      res.setHeader('content-length', '100');
      res.write('y'.repeat(10));
      heldResponse = res;
      return;
    case '/redirect':
      res.statusCode = 302;
      res.setHeader('location', '/json');
      res.end();
      return;
    default:
      res.statusCode = 404;
      res.end('no');
  }
}

before(async () => {
  origin = await nodeOrigin(handle);
  origin.server.keepAliveTimeout = 5000;
  base = origin.base;
});

after(async () => {
  getGlobalDispatcher().close();
  await origin.close();
});

describe('request(): the response', () => {
  test('statusCode, headers by lower-case name (repeats as arrays), and the body mixins', async () => {
    const r = await request(`${base}/text`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.statusText, 'OK');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.ok(r.body instanceof BodyReadable && r.body instanceof Readable);
    assert.equal(await r.body.text(), 'héllo', 'UTF-8, BOM dropped');
    assert.equal(r.body.bodyUsed, true);
    await assert.rejects(r.body.text(), TypeError, 'a body is read once');

    const j = await request(`${base}/json`, { query: { a: 1, b: ['x', 'y'] } });
    assert.deepEqual(await j.body.json(), { ok: true, query: { a: '1', b: 'y' } });
    const ab = await (await request(`${base}/big`)).body.arrayBuffer();
    assert.ok(ab instanceof ArrayBuffer);
    assert.equal(sha(new Uint8Array(ab)), sha(BIG));
    const bytes = await (await request(`${base}/text`)).body.bytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(bytes.length, 9);
    const blob = await (await request(`${base}/json`)).body.blob();
    assert.equal(blob.type, 'application/json');
  });

  test('any status resolves (no throwOnError); dump() frees the connection', async () => {
    const client = new HttpClient({ maxConnectionsPerOrigin: 1 });
    const r = await request(`${base}/status?code=503`, { dispatcher: client });
    assert.equal(r.statusCode, 503);
    await r.body.dump();
    const again = await request(`${base}/status?code=404`, { dispatcher: client });
    assert.equal(await again.body.text(), 'status 404');
    assert.equal(client.connectionCount, 1, 'the same connection served both');
    client.close();
  });

  test('the body as a stream: for await, pipeline, and on("data"); trailers after the end', async () => {
    const parts: Buffer[] = [];
    for await (const c of (await request(`${base}/big`)).body) parts.push(c as Buffer);
    assert.equal(sha(Buffer.concat(parts)), sha(BIG));

    let seen = 0;
    const hash = createHash('sha256');
    await pipeline(
      (await request(`${base}/big`)).body,
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          seen += chunk.length;
          hash.update(chunk);
          cb();
        },
      }),
    );
    assert.equal(seen, BIG.length);
    assert.equal(hash.digest('hex'), sha(BIG));

    const t = await request(`${base}/trailers`);
    let text = '';
    t.body.on('data', (c: Buffer) => (text += c.toString()));
    await new Promise((r) => t.body.on('end', r));
    assert.equal(text, 'part1;part2');
    assert.deepEqual(t.trailers, { 'x-sum': 'done' });
  });

  test('a slow reader pauses the socket: the body arrives whole, memory stays near the buffer', async () => {
    const r = await request(`${base}/big`, { highWaterMark: 16 * 1024 });
    const hash = createHash('sha256');
    let n = 0;
    let maxBuffered = 0;
    for await (const c of r.body) {
      hash.update(c as Buffer);
      n += (c as Buffer).length;
      maxBuffered = Math.max(maxBuffered, r.body.readableLength);
      if (n < 512 * 1024) await new Promise((res) => setTimeout(res, 2));
    }
    assert.equal(hash.digest('hex'), sha(BIG));
    assert.ok(maxBuffered <= 256 * 1024, `stream buffer stayed bounded (${maxBuffered})`);
  });

  test('gzip and br are decoded; Content-Encoding and Content-Length then left out', async () => {
    const g = await request(`${base}/gzip`);
    assert.equal(g.headers['content-encoding'], undefined);
    assert.equal(g.headers['content-length'], undefined);
    assert.equal(await g.body.text(), 'zipped '.repeat(10_000));
    const b = await request(`${base}/br`);
    let s = '';
    for await (const c of b.body) s += (c as Buffer).toString();
    assert.equal(s, 'brotli '.repeat(10_000), 'decoded on the fly when streamed');
    const raw = new HttpClient({ zip: false });
    const z = await request(`${base}/gzip`, { dispatcher: raw });
    assert.equal(z.headers['content-encoding'], 'gzip', 'zip: false leaves it to the caller');
    await z.body.dump();
    raw.close();
  });
});

describe('request(): bodies sent', () => {
  test('string and bytes with Content-Length and no Content-Type; streams and iterables chunked', async () => {
    const s = await (await request(`${base}/echo`, { method: 'POST', body: 'a=1' })).body.json();
    assert.deepEqual(s, {
      method: 'POST',
      type: null,
      te: null,
      length: '3',
      sha: sha(Buffer.from('a=1')),
      text: 'a=1',
    });
    const bytes = new Uint8Array([1, 2, 3]);
    const b = (await (
      await request(`${base}/echo`, { method: 'PUT', body: bytes })
    ).body.json()) as {
      type: unknown;
      sha: string;
    };
    assert.equal(b.type, null, 'bytes get no form content type');
    assert.equal(b.sha, sha(bytes));
    const streamed = (await (
      await request(`${base}/echo`, {
        method: 'POST',
        body: Readable.from([BIG.subarray(0, 100_000), BIG.subarray(100_000)]),
      })
    ).body.json()) as { te: string; sha: string; type: unknown };
    assert.equal(streamed.te, 'chunked');
    assert.equal(streamed.sha, sha(BIG));
    assert.equal(streamed.type, null);
    const it = (await (
      await request(`${base}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'content-length': '4' },
        body: (async function* () {
          yield 'a,';
          yield 'b\n';
        })(),
      })
    ).body.json()) as { te: unknown; length: string; type: string; text: string };
    assert.deepEqual([it.te, it.length, it.type, it.text], [null, '4', 'text/csv', 'a,b\n']);
    const form = (await (
      await request(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ q: 'x y' }) })
    ).body.json()) as { type: string; text: string };
    assert.equal(form.type, 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.equal(form.text, 'q=x+y');
  });
});

describe('request(): one error model', () => {
  test('connection refused: rejects with a typed ConnectError', async () => {
    const s = netServer();
    const port = await listenLocal(s);
    await new Promise((r) => s.close(r));
    await assert.rejects(request(`http://127.0.0.1:${port}/`), (err: Error) => {
      assert.ok(err instanceof ConnchanError);
      assert.equal(err.name, 'ConnectError');
      assert.equal((err as ConnchanError).code, 'ERR_CONNECT_REFUSED');
      return true;
    });
  });

  test('AbortSignal.timeout rejects with the platform TimeoutError; abort() with its AbortError', async () => {
    await assert.rejects(request(`${base}/slow-head`, { signal: AbortSignal.timeout(100) }), {
      name: 'TimeoutError',
    });
    const ac = new AbortController();
    const p = request(`${base}/slow-head`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, { name: 'AbortError' });
    await assert.rejects(request(`${base}/text`, { signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
    const why = new Error('my reason');
    await assert.rejects(request(`${base}/text`, { signal: AbortSignal.abort(why) }), why);
  });

  test('an abort after the head errors the body with the signal reason', async () => {
    const ac = new AbortController();
    const r = await request(`${base}/hold`, { signal: ac.signal });
    const text = r.body.text();
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(text, { name: 'AbortError' });
    heldResponse?.destroy();
  });

  test('headersTimeout and bodyTimeout reject with TimeoutError and a code', async () => {
    await assert.rejects(request(`${base}/slow-head`, { headersTimeout: 200 }), (err: Error) => {
      assert.equal(err.name, 'TimeoutError');
      assert.equal((err as ConnchanError).code, 'ERR_HTTP_CLIENT_HEADERS_TIMEOUT');
      return true;
    });
    const r = await request(`${base}/stall-body`, { bodyTimeout: 200 });
    assert.equal(r.statusCode, 200);
    await assert.rejects(r.body.text(), (err: Error) => {
      assert.equal(err.name, 'TimeoutError');
      assert.equal((err as ConnchanError).code, 'ERR_HTTP_CLIENT_BODY_TIMEOUT');
      return true;
    });
  });

  test('a connection cut in the middle of the body: the body rejects with a typed error', async () => {
    const r = await request(`${base}/cut`);
    await assert.rejects(r.body.text(), (err: Error) => {
      assert.ok(err instanceof ConnchanError);
      assert.equal((err as ConnchanError).code, 'ERR_HTTP_INCOMPLETE_BODY');
      assert.match(err.message, /90 bytes before the end of the body/);
      return true;
    });
  });

  test('bad options throw typed errors at once (as a rejection)', async () => {
    await assert.rejects(request(`${base}/`, { methd: 'GET' } as never), {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
    await assert.rejects(request(`${base}/`, { method: 'GET /x HTTP/1.1\r\nX: y' }), {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
    await assert.rejects(request('http://[bad/'), { code: 'ERR_HTTP_CLIENT_INVALID_URL' });
  });
});

describe('request(): on the pool', () => {
  test('a reader that destroys the body ends the request; the pool goes on', async () => {
    const client = new HttpClient({ maxConnectionsPerOrigin: 1 });
    const r = await request(`${base}/hold`, { dispatcher: client });
    r.body.destroy();
    const next = await request(`${base}/text`, { dispatcher: client });
    assert.equal(await next.body.text(), 'héllo');
    heldResponse?.destroy();
    client.close();
  });

  test('pipelined on one connection when the client says so (maxConnectionsPerOrigin: 1)', async () => {
    const s = await scriptServer(() => ({ delayMs: 10 }));
    const client = new HttpClient({ maxConnectionsPerOrigin: 1 });
    try {
      await (await request(`${s.url}/warm`, { dispatcher: client })).body.text();
      const bodies = await Promise.all(
        [1, 2, 3, 4, 5].map(async (i) =>
          (await request(`${s.url}/p${i}`, { dispatcher: client })).body.text(),
        ),
      );
      assert.deepEqual(
        bodies,
        [1, 2, 3, 4, 5].map((i) => `GET /p${i}`),
      );
      assert.equal(s.connections, 1);
      assert.ok(s.maxInFlight >= 2, 'pipelined');
    } finally {
      client.close();
      await s.close();
    }
  });

  test('an unread body is read up to 1 MiB, then waits; reading it later gives all of it', async () => {
    const client = new HttpClient();
    const r = await request(`${base}/big`, { dispatcher: client });
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(sha(Buffer.from(await r.body.arrayBuffer())), sha(BIG));
    client.close();
  });

  test('setGlobalDispatcher: request() without a dispatcher uses it', async () => {
    const s = await scriptServer();
    const mine = new HttpClient({ useragent: 'mine/1' });
    const before = getGlobalDispatcher();
    setGlobalDispatcher(mine);
    try {
      await (await request(`${s.url}/g`)).body.dump();
      assert.equal(s.log[0].headers.find(([k]) => k === 'User-Agent')?.[1], 'mine/1');
      assert.throws(() => setGlobalDispatcher({} as HttpClient), {
        code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
      });
    } finally {
      setGlobalDispatcher(before);
      mine.close();
      await s.close();
    }
  });
});
