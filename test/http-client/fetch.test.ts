// fetch(): the platform's own Response from HttpClient — status, headers, url, redirected, the
// body read whole or streamed, redirects (follow/manual/error), bodies sent with fetch's content
// types, decoding, and fetch's error model (TypeError 'fetch failed' with a typed cause; the
// signal's reason). The origin is node:http, an independent implementation.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as netServer } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { HttpClient, fetch, getGlobalDispatcher } from '../../src/http-client/index.js';
import { ConnchanError } from '../../src/errors.js';
import { nodeOrigin, type NodeOrigin } from '../helpers/origins.js';
import { listenLocal } from '../helpers/listen.js';

const BIG = randomBytes(2 * 1024 * 1024);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let origin: NodeOrigin;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL): void {
  switch (url.pathname) {
    case '/json':
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-dup', ['1', '2']);
      res.end('{"a":1}');
      return;
    case '/echo':
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          type: req.headers['content-type'] ?? null,
          auth: req.headers.authorization ?? null,
          text: body.toString(),
        }),
      );
      return;
    case '/big':
      res.end(BIG);
      return;
    case '/gzip':
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync('fetched '.repeat(5000)));
      return;
    case '/nocontent':
      res.statusCode = 204;
      res.end();
      return;
    case '/to-json':
      res.statusCode = 301;
      res.setHeader('location', '/json');
      res.end('moved');
      return;
    case '/post-303':
      res.statusCode = 303;
      res.setHeader('location', '/echo');
      res.end();
      return;
    case '/slow':
      setTimeout(() => res.end('late'), 1500);
      return;
    default:
      res.statusCode = 404;
      res.statusMessage = 'Nope';
      res.end('missing');
  }
}

before(async () => {
  origin = await nodeOrigin(handle);
  base = origin.base;
});

after(async () => {
  getGlobalDispatcher().close();
  await origin.close();
});

describe('fetch(): the response is the platform Response', () => {
  test('status, statusText, ok, headers, url, redirected, type; json() and text()', async () => {
    const res = await fetch(`${base}/json`);
    assert.ok(res instanceof Response);
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('x-dup'), '1, 2');
    assert.equal(res.url, `${base}/json`);
    assert.equal(res.redirected, false);
    assert.equal(res.type, 'basic');
    assert.deepEqual(await res.json(), { a: 1 });
    const missing = await fetch(new URL('/nope', base));
    assert.equal(missing.status, 404);
    assert.equal(missing.statusText, 'Nope');
    assert.equal(missing.ok, false);
    assert.equal(await missing.text(), 'missing');
  });

  test('a large body streams through res.body; arrayBuffer() gives every byte', async () => {
    const res = await fetch(`${base}/big`);
    assert.ok(res.body instanceof ReadableStream);
    const hash = createHash('sha256');
    let n = 0;
    for await (const c of res.body) {
      hash.update(c);
      n += c.length;
    }
    assert.equal(n, BIG.length);
    assert.equal(hash.digest('hex'), sha(BIG));
    assert.equal(sha(new Uint8Array(await (await fetch(`${base}/big`)).arrayBuffer())), sha(BIG));
  });

  test('gzip decoded, Content-Encoding kept as received (as fetch); 204 and HEAD have no body', async () => {
    const g = await fetch(`${base}/gzip`);
    assert.equal(g.headers.get('content-encoding'), 'gzip');
    assert.equal(await g.text(), 'fetched '.repeat(5000));
    const n = await fetch(`${base}/nocontent`);
    assert.equal(n.status, 204);
    assert.equal(n.body, null);
    const h = await fetch(`${base}/json`, { method: 'HEAD' });
    assert.equal(h.body, null);
    assert.equal(h.headers.get('content-type'), 'application/json');
  });

  test('redirects: followed by default, manual hands back the 3xx, error rejects', async () => {
    const f = await fetch(`${base}/to-json`);
    assert.equal(f.status, 200);
    assert.equal(f.redirected, true);
    assert.equal(f.url, `${base}/json`);
    assert.deepEqual(await f.json(), { a: 1 });
    const m = await fetch(`${base}/to-json`, { redirect: 'manual' });
    assert.equal(m.status, 301);
    assert.equal(m.headers.get('location'), '/json');
    await assert.rejects(fetch(`${base}/to-json`, { redirect: 'error' }), TypeError);
    const p = await fetch(`${base}/post-303`, { method: 'POST', body: 'x' });
    assert.deepEqual(await p.json(), { method: 'GET', type: null, auth: null, text: '' });
  });

  test('Authorization is not sent to another origin after a redirect', async () => {
    const other = createServer((req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `${base}/echo`);
      res.end();
    });
    const port = await listenLocal(other);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { authorization: 'secret' },
      });
      const seen = (await res.json()) as { auth: unknown };
      assert.equal(seen.auth, null);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });
});

describe('fetch(): request bodies and init', () => {
  test('content types as fetch sets them; a Request as input; method normalization', async () => {
    const echo = async (init: RequestInit | Parameters<typeof fetch>[1]) =>
      (await (await fetch(`${base}/echo`, init as never)).json()) as {
        method: string;
        type: string | null;
        text: string;
      };
    assert.deepEqual(await echo({ method: 'post', body: 'hi' }), {
      method: 'POST',
      type: 'text/plain;charset=UTF-8',
      auth: null,
      text: 'hi',
    });
    assert.equal((await echo({ method: 'POST', body: new Uint8Array([65]) })).type, null);
    assert.equal(
      (await echo({ method: 'POST', body: new URLSearchParams({ a: 'b c' }) })).type,
      'application/x-www-form-urlencoded;charset=UTF-8',
    );
    assert.equal(
      (await echo({ method: 'POST', body: new Blob(['x'], { type: 'text/x-mine' }) })).type,
      'text/x-mine',
    );
    const fd = new FormData();
    fd.append('field', 'value');
    const multi = await echo({ method: 'POST', body: fd });
    assert.match(multi.type ?? '', /^multipart\/form-data; boundary=/);
    assert.match(multi.text, /name="field"\r\n\r\nvalue/);
    const stream = await echo({
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('streamed'));
          c.close();
        },
      }),
      duplex: 'half',
    });
    assert.equal(stream.text, 'streamed');
    const req = new Request(`${base}/echo`, {
      method: 'PUT',
      body: 'from a Request',
      headers: { 'content-type': 'text/x-req' },
    });
    assert.deepEqual(await (await fetch(req)).json(), {
      method: 'PUT',
      type: 'text/x-req',
      auth: null,
      text: 'from a Request',
    });
    await assert.rejects(fetch(`${base}/echo`, { method: 'GET', body: 'no' }), TypeError);
  });
});

describe('fetch(): the platform error model', () => {
  test('network failure: TypeError "fetch failed" with the typed connchan error as cause', async () => {
    const s = netServer();
    const port = await listenLocal(s);
    await new Promise((r) => s.close(r));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), (err: Error) => {
      assert.ok(err instanceof TypeError);
      assert.equal(err.message, 'fetch failed');
      assert.ok(err.cause instanceof ConnchanError);
      assert.equal((err.cause as ConnchanError).code, 'ERR_CONNECT_REFUSED');
      return true;
    });
  });

  test('AbortSignal.timeout: DOMException TimeoutError; abort(): AbortError; also mid-body', async () => {
    await assert.rejects(
      fetch(`${base}/slow`, { signal: AbortSignal.timeout(100) }),
      (err: Error) => {
        assert.ok(err instanceof DOMException);
        assert.equal(err.name, 'TimeoutError');
        return true;
      },
    );
    await assert.rejects(fetch(`${base}/json`, { signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
    const ac = new AbortController();
    const res = await fetch(`${base}/big`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await assert.rejects(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
      { name: 'AbortError' },
    );
  });

  test('dispatcher: runs on the given client (its pool and config)', async () => {
    const client = new HttpClient({ maxConnectionsPerOrigin: 1, useragent: 'given/1' });
    const res = await fetch(`${base}/json`, { dispatcher: client });
    await res.arrayBuffer();
    assert.equal(client.connectionCount, 1);
    client.close();
  });
});
