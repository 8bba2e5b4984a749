import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, deflateSync, deflateRawSync, brotliCompressSync } from 'node:zlib';
import { Writable, Readable } from 'node:stream';
import { createServer as netServer } from 'node:net';
import { createServer, type HttpServer } from '../../src/server/index.js';
import {
  HttpClient,
  geturl,
  reset,
  status,
  size,
  code,
  ncode,
  meta,
  data,
  error,
  cleanup,
  wait,
  responseInfo,
  responseHeaderValue,
  TCL_HTTP_CONFIG,
  type HttpToken,
} from '../../src/http-client/index.js';
import { scriptServer } from './script-server.js';
import { listenLocal } from '../helpers/listen.js';
import { tempDir } from '../helpers/temp-dir.js';

/** 600 KB of text that compresses well, so the decoded body is far larger than the encoded. */
const MEMBER_ONE = Array.from({ length: 30_000 }, (_, i) => `line ${i} of the page\n`).join('');

let server: HttpServer;
let base: string;
const client = new HttpClient({ keepalive: true });

before(async () => {
  server = createServer({ name: 'geturl-test', drivers: [{ port: 0, host: '127.0.0.1' }] });
  server.route('GET', '/text', (ctx) => ctx.send('héllo', 200, 'text/plain; charset=utf-8'));
  server.route('GET', '/latin', (ctx) => ctx.send(Buffer.from([0x68, 0xe9]), 200, 'text/plain'));
  server.route('GET', '/json', (ctx) => ctx.send('{"a":1}', 200, 'application/json'));
  server.route('GET', '/bin', (ctx) => ctx.send(Buffer.from([0, 1, 2, 255]), 200, 'image/png'));
  server.route('GET', '/notype', (ctx) => ctx.end('x'));
  server.route('GET', '/gzip', (ctx) => {
    ctx.header('Content-Encoding', 'gzip');
    ctx.send(gzipSync('zipped text '.repeat(100)), 200, 'text/plain');
  });
  server.route('GET', '/deflate', (ctx) => {
    ctx.header('Content-Encoding', 'deflate');
    ctx.send(deflateSync('deflated'), 200, 'text/plain');
  });
  server.route('GET', '/rawdeflate', (ctx) => {
    ctx.header('Content-Encoding', 'deflate');
    ctx.send(deflateRawSync('raw deflated'), 200, 'text/plain');
  });
  // Bodies whose gzip trailer (ISIZE) understates or misstates the decoded size: zlib's output
  // buffer is sized from it, and decoding must still give every byte, or fail cleanly.
  server.route('GET', '/gzip-members', (ctx) => {
    ctx.header('Content-Encoding', 'gzip');
    ctx.send(Buffer.concat([gzipSync(MEMBER_ONE), gzipSync('tail')]), 200, 'text/plain');
  });
  // Says 4 bytes (the last member's ISIZE) but decodes to 1.8 MB: past the cap of the sync path.
  server.route('GET', '/gzip-small-isize', (ctx) => {
    ctx.header('Content-Encoding', 'gzip');
    const big = MEMBER_ONE.repeat(3);
    ctx.send(Buffer.concat([gzipSync(big), gzipSync('tail')]), 200, 'text/plain');
  });
  server.route('GET', '/gzip-bad-isize', (ctx) => {
    const z = gzipSync(MEMBER_ONE);
    z.writeUInt32LE(0xffffffff, z.length - 4);
    ctx.header('Content-Encoding', 'gzip');
    ctx.send(z, 200, 'text/plain');
  });
  server.route('GET', '/brotli', (ctx) => {
    ctx.header('Content-Encoding', 'br');
    ctx.send(brotliCompressSync(MEMBER_ONE), 200, 'text/plain');
  });
  server.route('GET', '/deflate-big', (ctx) => {
    ctx.header('Content-Encoding', 'deflate');
    ctx.send(deflateSync(MEMBER_ONE), 200, 'text/plain');
  });
  server.route('GET', '/chunked', async (ctx) => {
    ctx.status(200).header('Content-Type', 'text/plain');
    await ctx.stream(
      (async function* () {
        for (let i = 0; i < 5; i++) yield `part${i};`;
      })(),
    );
  });
  server.route('GET', '/big', (ctx) =>
    ctx.send(Buffer.alloc(100_000, 97), 200, 'application/octet-stream'),
  );
  server.route('GET', '/headers', (ctx) => {
    const h: Record<string, string> = {};
    for (const [k, v] of ctx.headers) h[k.toLowerCase()] = v;
    ctx.sendJson(h);
  });
  server.route('GET', '/slow', async (ctx) => {
    await new Promise((r) => setTimeout(r, 400));
    ctx.send('late');
  });
  server.route('GET', '/redirect', (ctx) => ctx.header('Location', '/text').send('', 302));
  server.route('POST', '/redirect', (ctx) => ctx.header('Location', '/echo').send('', 303));
  server.route('GET', '/loop', (ctx) => ctx.header('Location', '/loop').send('', 301));
  server.route('GET', '/xml', (ctx) =>
    ctx.send('<?xml version="1.0" encoding="utf-8"?><a>é</a>', 200, 'application/octet-stream'),
  );
  server.route('GET', '/echo', (ctx) => ctx.send(`GET ${ctx.target}`));
  for (const m of ['POST', 'PUT', 'DELETE']) {
    server.route(m, '/echo', async (ctx) => {
      const body = await ctx.buffer();
      ctx.sendJson({
        method: m,
        body: body.toString('latin1'),
        type: ctx.headers.get('content-type'),
        te: ctx.headers.get('transfer-encoding') ?? '',
      });
    });
  }
  const [b] = await server.listen();
  base = b.url.replace(/\/$/, '');
});

after(async () => {
  client.close();
  await server.close({ graceMs: 100 });
});

describe('geturl basics and the state fields', () => {
  test('GET: status, http, ncode, meta, type, charset, body, sizes, url', async () => {
    const t = await client.geturl(`${base}/text`);
    assert.equal(status(t), 'ok');
    assert.equal(code(t), 'HTTP/1.1 200 OK');
    assert.equal(ncode(t), 200);
    assert.equal(t.type, 'text/plain; charset=utf-8');
    assert.equal(t.charset, 'utf-8');
    assert.equal(t.binary, false);
    assert.equal(data(t), 'héllo');
    assert.equal(size(t), 6);
    assert.equal(t.totalsize, 6);
    assert.equal(t.url, `${base}/text`);
    assert.equal(responseHeaderValue(t, 'content-length'), '6');
    assert.ok(meta(t).some(([k, v]) => k === 'Content-Type' && v.startsWith('text/plain')));
    assert.equal(error(t), '');
    assert.equal(t.method, 'GET');
  });

  test('text without charset is ISO-8859-1 by default, or the configured defaultCharset', async () => {
    const t = await client.geturl(`${base}/latin`);
    assert.equal(t.charset, 'iso8859-1');
    assert.equal(t.body, 'hé');
    const c2 = new HttpClient({ defaultCharset: 'utf-8' });
    const t2 = await c2.geturl(`${base}/latin`);
    assert.equal(t2.charset, 'utf-8');
    assert.equal(t2.body, 'h\ufffd');
  });

  test('binary detection: image/* is binary, json is text, -binary forces, no type means text/html', async () => {
    const b = await client.geturl(`${base}/bin`);
    assert.equal(b.binary, true);
    assert.deepEqual(b.body, Buffer.from([0, 1, 2, 255]));
    const j = await client.geturl(`${base}/json`);
    assert.equal(j.binary, false);
    assert.equal(j.body, '{"a":1}');
    const f = await client.geturl(`${base}/json`, { binary: true });
    assert.ok(Buffer.isBuffer(f.body));
    const n = await client.geturl(`${base}/notype`);
    assert.equal(n.type, 'text/html');
    assert.equal(n.body, 'x');
  });

  test('zip: gzip, zlib deflate and raw deflate decoded; zip off sends no Accept-Encoding', async () => {
    const g = await client.geturl(`${base}/gzip`);
    assert.equal(g.coding, 'gzip');
    assert.equal(g.body, 'zipped text '.repeat(100));
    assert.ok(g.currentsize < 1200, 'currentsize counts bytes received, compressed');
    assert.equal((await client.geturl(`${base}/deflate`)).body, 'deflated');
    assert.equal((await client.geturl(`${base}/rawdeflate`)).body, 'raw deflated');
    const h = await client.geturl(`${base}/headers`);
    assert.equal(JSON.parse(h.body as string)['accept-encoding'], 'gzip,deflate');
    const nz = new HttpClient({ zip: false });
    const h2 = await nz.geturl(`${base}/headers`);
    assert.equal(JSON.parse(h2.body as string)['accept-encoding'], undefined);
    const g2 = await nz.geturl(`${base}/gzip`);
    assert.equal(g2.binary, true, 'an undecoded gzip body is binary');
  });

  test('zip: decoded size not what the gzip trailer says (members, a bad ISIZE); large deflate', async () => {
    const m = await client.geturl(`${base}/gzip-members`);
    assert.equal(m.body, MEMBER_ONE + 'tail', 'every member decoded, not just the last one');
    const s3 = await client.geturl(`${base}/gzip-small-isize`);
    assert.equal(s3.body, MEMBER_ONE.repeat(3) + 'tail', 'past the sync cap: decoded async, whole');
    const d = await client.geturl(`${base}/deflate-big`);
    assert.equal(d.body, MEMBER_ONE);
    const bad = await client.geturl(`${base}/gzip-bad-isize`, { command: () => {} });
    await wait(bad);
    assert.equal(bad.status, 'error', 'zlib checks ISIZE');
    assert.match(bad.error, /length|check/i);
  });

  test('zip: a br body the server sent unasked is decoded, also into a channel', async () => {
    const b = await client.geturl(`${base}/brotli`);
    assert.equal(b.coding, 'br');
    assert.equal(b.body, MEMBER_ONE);
    assert.ok(b.currentsize < MEMBER_ONE.length / 10, 'received compressed');
    const parts: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        cb();
      },
    });
    const c = await client.geturl(`${base}/brotli`, { channel: sink });
    assert.equal(c.status, 'ok');
    assert.equal(Buffer.concat(parts).toString(), MEMBER_ONE);
    const raw = await new HttpClient({ zip: false }).geturl(`${base}/brotli`);
    assert.ok(raw.binary, 'zip off: left encoded, so binary');
  });

  test('chunked response body is de-chunked', async () => {
    const t = await client.geturl(`${base}/chunked`);
    assert.equal(t.body, 'part0;part1;part2;part3;part4;');
    assert.equal(t.transferEncoding, 'chunked');
    assert.equal(t.totalsize, 0);
  });

  test('validate: HEAD returns meta only', async () => {
    const t = await client.geturl(`${base}/big`, { validate: true });
    assert.equal(t.method, 'HEAD');
    assert.equal(t.totalsize, 100_000);
    assert.equal(t.currentsize, 0);
    assert.equal((t.body as Buffer).length, 0);
  });

  test('query: POST with the default and a given type; method override; Buffer bodies', async () => {
    const t = await client.geturl(`${base}/echo`, { query: 'a=1&b=2' });
    assert.deepEqual(JSON.parse(t.body as string), {
      method: 'POST',
      body: 'a=1&b=2',
      type: 'application/x-www-form-urlencoded',
      te: '',
    });
    const p = await client.geturl(`${base}/echo`, {
      query: Buffer.from('{}'),
      type: 'application/json',
      method: 'PUT',
    });
    assert.deepEqual(JSON.parse(p.body as string), {
      method: 'PUT',
      body: '{}',
      type: 'application/json',
      te: '',
    });
    const d = await client.geturl(`${base}/echo`, { method: 'DELETE' });
    assert.equal(JSON.parse(d.body as string).method, 'DELETE');
  });

  test('headers: pairs, flat list and record; CR/LF stripped; Host and User-Agent overridable; config accept/useragent', async () => {
    const c = new HttpClient({ accept: 'text/*', useragent: 'tester/1' });
    const t = await c.geturl(`${base}/headers`, {
      headers: ['X-A', 'one\r\nX-Evil: 1', 'Pragma', 'no-cache'],
    });
    const h = JSON.parse(t.body as string);
    assert.equal(h['x-a'], 'oneX-Evil: 1');
    assert.equal(h['x-evil'], undefined);
    assert.equal(h.pragma, 'no-cache');
    assert.equal(h.accept, 'text/*');
    assert.equal(h['user-agent'], 'tester/1');
    const t2 = await c.geturl(`${base}/headers`, {
      headers: { 'User-Agent': 'mine', Host: 'example.org' },
    });
    const h2 = JSON.parse(t2.body as string);
    assert.equal(h2['user-agent'], 'mine');
    assert.equal(h2.host, 'example.org');
    const t3 = await c.geturl(`${base}/headers`, { headers: [['X-B', '2']] });
    assert.equal(JSON.parse(t3.body as string)['x-b'], '2');
    assert.deepEqual(
      t3.requestHeaders.find(([k]) => k === 'X-B'),
      ['X-B', '2'],
    );
    assert.match(t3.requestLine, /^GET \/headers HTTP\/1\.1$/);
    c.close();
  });

  test('protocol 1.0 sends HTTP/1.0 and Connection: close', async () => {
    const s = await scriptServer();
    const t = await client.geturl(`${s.url}/x`, { protocol: '1.0' });
    assert.equal(t.requestLine, 'GET /x HTTP/1.0');
    assert.equal(t.connectionRequest, 'close');
    assert.equal(s.log[0].headers.find(([k]) => k === 'Connection')?.[1], 'close');
    await s.close();
  });

  test("keepalive false (the manual's default) uses a fresh connection per request with Connection: close", async () => {
    const s = await scriptServer();
    const c = new HttpClient(TCL_HTTP_CONFIG);
    await c.geturl(`${s.url}/a`);
    await c.geturl(`${s.url}/b`);
    assert.equal(s.connections, 2);
    const kc = new HttpClient({ keepalive: true });
    await kc.geturl(`${s.url}/a`);
    await kc.geturl(`${s.url}/b`);
    await kc.geturl(`${s.url}/c`, { keepalive: false });
    assert.equal(
      s.connections,
      4,
      'two keep-alive requests share one connection; keepalive:false gets its own',
    );
    kc.close();
    await s.close();
  });

  test('progress and blocksize: called per block with (token, total, current)', async () => {
    const calls: [number, number][] = [];
    const t = await client.geturl(`${base}/big`, {
      blocksize: 10_000,
      progress: (tok, total, current) => {
        assert.equal(tok.url, `${base}/big`);
        calls.push([total, current]);
      },
    });
    assert.ok(calls.length >= 10, `at least one call per block of 10000: ${calls.length}`);
    assert.ok(calls.every(([total]) => total === 100_000));
    for (let i = 1; i < calls.length; i++) {
      assert.ok(calls[i][1] > calls[i - 1][1] && calls[i][1] - calls[i - 1][1] <= 10_000);
    }
    assert.equal(calls.at(-1)?.[1], 100_000);
    assert.equal((t.body as Buffer).length, 100_000);
  });

  test('channel: the body goes to a writable (decoded), not into body', async () => {
    const got: Buffer[] = [];
    const sink = new Writable({
      write(chunk, _e, cb) {
        got.push(chunk);
        cb();
      },
    });
    const t = await client.geturl(`${base}/gzip`, { channel: sink });
    assert.equal(Buffer.concat(got).toString(), 'zipped text '.repeat(100));
    assert.equal((t.bodyBytes as Buffer).length, 0);
    const got2: Buffer[] = [];
    const sink2 = new Writable({
      highWaterMark: 1024,
      write(chunk, _e, cb) {
        got2.push(chunk);
        setTimeout(cb, 1);
      },
    });
    await client.geturl(`${base}/big`, { channel: sink2 });
    assert.equal(Buffer.concat(got2).length, 100_000);
  });

  test('handler: gets raw body chunks and says how many bytes it consumed', async () => {
    const parts: Buffer[] = [];
    const t = await client.geturl(`${base}/big`, {
      handler: (chunk) => {
        parts.push(chunk);
        return chunk.length;
      },
    });
    assert.equal(Buffer.concat(parts).length, 100_000);
    assert.equal(t.currentsize, 100_000);
    assert.equal(t.bodyBytes.length, 0);
  });

  test('command: geturl returns the token at once; wait resolves; reset ends it with reset or why', async () => {
    let called: HttpToken | undefined;
    const t = client.geturl(`${base}/text`, { command: (tok) => (called = tok) });
    assert.equal(t.status, '');
    await wait(t);
    assert.equal(called, t);
    assert.equal(t.status, 'ok');
    const r = client.geturl(`${base}/slow`, { command: () => {} });
    setTimeout(() => reset(r, 'cancelled'), 50);
    await wait(r);
    assert.equal(r.status, 'cancelled');
    const r2 = client.geturl(`${base}/slow`, { command: () => {} });
    setTimeout(() => reset(r2), 50);
    assert.equal((await wait(r2)).status, 'reset');
    assert.equal(
      (await client.geturl(`${base}/text`)).status,
      'ok',
      'the client still works after resets',
    );
  });

  test('timeout: status timeout, with the command called', async () => {
    let n = 0;
    const t = client.geturl(`${base}/slow`, { timeout: 100, command: () => n++ });
    await wait(t);
    assert.equal(t.status, 'timeout');
    assert.equal(n, 1);
    const t2 = await client.geturl(`${base}/slow`, { timeout: '50ms' });
    assert.equal(t2.status, 'timeout');
    assert.equal((await client.geturl(`${base}/slow`, { timeout: '2s' })).status, 'ok');
  });

  test('signal: aborting resets the transaction', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t = await client.geturl(`${base}/slow`, { signal: ac.signal });
    assert.equal(t.status, 'reset');
    assert.match(t.error, /aborted/);
  });

  test('eof: the server closes without replying', async () => {
    const s = await scriptServer(() => ({ drop: true }));
    const t = await client.geturl(`${s.url}/x`);
    assert.equal(t.status, 'eof');
    assert.equal(t.ncode, 0);
    await s.close();
  });

  test('error: a malformed response is status error (command form) and a rejection (promise form)', async () => {
    const s = await scriptServer(() => ({ raw: 'HTTP/1.1 abc\r\n\r\n' }));
    const t = client.geturl(`${s.url}/x`, { command: () => {} });
    await wait(t);
    assert.equal(t.status, 'error');
    assert.ok(t.error.length > 0);
    await assert.rejects(client.geturl(`${s.url}/x`), /response|status/i);
    await s.close();
  });

  test('close-delimited body ends at EOF', async () => {
    const s = await scriptServer(() => ({
      raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close',
      close: true,
    }));
    const t = await client.geturl(`${s.url}/x`);
    assert.equal(t.status, 'ok');
    assert.equal(t.body, 'until close');
    await s.close();
  });

  test('a truncated Content-Length body is eof with an error message', async () => {
    const s = await scriptServer(() => ({
      raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
      close: true,
    }));
    const t = await client.geturl(`${s.url}/x`);
    assert.equal(t.status, 'eof');
    assert.match(t.error, /clos|incomplete|body/i);
    await s.close();
  });

  test('invalid options and URLs throw at once; unknown host and refused port reject', async () => {
    assert.throws(() => geturl(`${base}/`, { nosuch: 1 } as never), {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
    assert.throws(() => geturl(`${base}/`, { timeout: -1 }), { code: 'ERR_INVALID_TIME' });
    assert.throws(() => geturl(`${base}/`, { blocksize: 0 }), /blocksize/);
    assert.throws(
      () => geturl(`${base}/`, { query: 'a', body: (async function* () {})() }),
      /only one/,
    );
    assert.throws(() => geturl('http://exa mple.org/'), { code: 'ERR_HTTP_CLIENT_INVALID_URL' });
    assert.throws(() => geturl('ftp://example.org/'), {
      code: 'ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME',
    });
    assert.throws(() => geturl(`${base}/a b`), { code: 'ERR_HTTP_CLIENT_INVALID_URL' });
    await assert.rejects(geturl('http://no-such-host.invalid/'), { code: 'ERR_UNKNOWN_HOST' });
    const probe = netServer();
    const port = await listenLocal(probe);
    await new Promise((r) => probe.close(r));
    await assert.rejects(geturl(`http://127.0.0.1:${port}/`), { code: 'ERR_CONNECT_REFUSED' });
    const t = geturl(`http://127.0.0.1:${port}/`, { command: () => {} });
    await wait(t);
    assert.equal(t.status, 'error');
    assert.match(t.error, /refused/);
  });

  test('strict false percent-encodes what strict refuses', async () => {
    const t = await client.geturl(`${base}/echo?q=a b|c`, { strict: false });
    assert.equal(t.body, 'GET /echo?q=a%20b%7Cc');
  });

  test('cleanup frees the body; data then throws', async () => {
    const t = await client.geturl(`${base}/text`);
    cleanup(t);
    assert.throws(() => data(t), { code: 'ERR_HTTP_CLIENT_CLEANED_UP' });
  });

  test('myaddr: the connection is made from the given local address', async () => {
    const s = await scriptServer();
    const t = await client.geturl(`${s.url}/x`, { myaddr: '127.0.0.1' });
    assert.equal(t.status, 'ok');
    await assert.rejects(client.geturl(`${s.url}/y`, { myaddr: '192.0.2.77' }));
    await s.close();
  });

  test('followRedirects: off by default; follows with a limit; 303 turns POST into GET', async () => {
    const t = await client.geturl(`${base}/redirect`);
    assert.equal(t.ncode, 302);
    assert.equal(responseInfo(t).redirection, '/text');
    const f = await client.geturl(`${base}/redirect`, { followRedirects: true });
    assert.equal(f.ncode, 200);
    assert.equal(f.body, 'héllo');
    assert.deepEqual(f.redirects, [`${base}/text`]);
    const p = await client.geturl(`${base}/redirect`, { query: 'x=1', followRedirects: 3 });
    assert.equal(p.method, 'GET');
    assert.equal(p.body, 'GET /echo');
    const l = await client.geturl(`${base}/loop`, { followRedirects: 3 });
    assert.equal(l.ncode, 301);
    assert.equal(l.redirects.length, 3);
  });

  test('guesstype: an XML document served as octet-stream is read as XML text', async () => {
    const t = await client.geturl(`${base}/xml`, { guesstype: true });
    assert.equal(t.type, 'application/xml');
    assert.equal(t.binary, false);
    assert.match(t.body as string, /<a>é<\/a>/);
    const u = await client.geturl(`${base}/xml`);
    assert.equal(u.binary, true);
  });

  test('responseInfo summarises the transaction', async () => {
    const t = await client.geturl(`${base}/text`);
    const info = responseInfo(t);
    assert.equal(info.responseCode, 200);
    assert.equal(info.stage, 'complete');
    assert.equal(info.httpRequest, 'HTTP/1.1');
    assert.equal(info.connectionRequest, 'keep-alive');
    assert.equal(info.connectionActual, 'keep-alive');
    assert.equal(info.currentSize, 6);
    assert.equal(info.proxyUsed, 'none');
  });

  test('querychannel: a file stream is uploaded with its size and queryprogress per queryblocksize', async () => {
    const { writeFileSync, createReadStream } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir('hc-');
    const file = join(dir, 'up.txt');
    writeFileSync(file, 'x'.repeat(50_000));
    const steps: number[] = [];
    const t = await client.geturl(`${base}/echo`, {
      querychannel: createReadStream(file),
      queryblocksize: 8192,
      queryprogress: (_t, total, current) => {
        assert.equal(total, 50_000);
        steps.push(current);
      },
    });
    assert.equal(JSON.parse(t.body as string).body.length, 50_000);
    assert.equal(steps.at(-1), 50_000);
    assert.ok(steps.length >= 7);
    const r = client.geturl(`${base}/echo`, {
      querychannel: Readable.from(['abc']),
      command: () => {},
    });
    await wait(r);
    assert.equal(r.status, 'error');
    assert.match(r.error, /size/);
    const ok = await client.geturl(`${base}/echo`, {
      querychannel: Readable.from(['abc']),
      headers: { 'Content-Length': '3' },
    });
    assert.equal(JSON.parse(ok.body as string).body, 'abc');
  });

  test('body as an async iterable is sent chunked, with no Content-Type unless given', async () => {
    const t = await client.geturl(`${base}/echo`, {
      body: (async function* () {
        yield 'one,';
        yield Buffer.from('two');
      })(),
    });
    assert.deepEqual(JSON.parse(t.body as string), {
      method: 'POST',
      body: 'one,two',
      te: 'chunked',
    });
  });

  test('the form Content-Type is the default of a query string only: bytes get none', async () => {
    const form = JSON.parse((await client.geturl(`${base}/echo`, { query: 'a=1' })).body as string);
    assert.equal(form.type, 'application/x-www-form-urlencoded');
    const bytes = await client.geturl(`${base}/echo`, { query: Buffer.from([1, 2, 3]) });
    const seen = JSON.parse(bytes.body as string) as { type?: string; method: string };
    assert.equal(seen.type, undefined, 'no form type for bytes');
    assert.equal(seen.method, 'POST');
    const typed = await client.geturl(`${base}/echo`, {
      query: Buffer.from('{}'),
      type: 'application/json',
    });
    assert.equal(JSON.parse(typed.body as string).type, 'application/json');
  });

  test('query with queryprogress writes in queryblocksize pieces', async () => {
    const steps: number[] = [];
    const t = await client.geturl(`${base}/echo`, {
      query: 'y'.repeat(20_000),
      queryblocksize: 5000,
      queryprogress: (_t, _total, cur) => steps.push(cur),
    });
    assert.deepEqual(steps, [5000, 10000, 15000, 20000]);
    assert.equal(t.queryoffset, 20_000);
    assert.equal(t.querylength, 20_000);
  });
});

describe('streaming and queue control', () => {
  test('geturlStream: the body as an async iterable, resolved at the head; onHead called', async () => {
    const { geturlStream } = await import('../../src/http-client/index.js');
    const res = await geturlStream(client, `${base}/big`);
    assert.equal(res.token.ncode, 200);
    assert.equal(res.token.status, '', 'still running: the body has not been read');
    let n = 0;
    for await (const chunk of res.body) n += chunk.length;
    assert.equal(n, 100_000);
    assert.equal((await res.done).status, 'ok');
    await assert.rejects(geturlStream(client, `${base}/slow`, { timeout: 50 }), /timeout/);
    const heads: number[] = [];
    await client.geturl(`${base}/text`, { onHead: (t) => heads.push(t.ncode) });
    assert.deepEqual(heads, [200]);
  });

  test('reset of a queued request: it is never sent', async () => {
    const s = await scriptServer(() => ({ delayMs: 50 }));
    const c = new HttpClient({ keepalive: true, pipeline: false });
    const a = c.geturl(`${s.url}/a`, { command: () => {} });
    const b = c.geturl(`${s.url}/b`, { command: () => {} });
    reset(b);
    await wait(a);
    assert.equal(a.status, 'ok');
    assert.equal(b.status, 'reset');
    assert.deepEqual(
      s.log.map((r) => r.target),
      ['/a'],
    );
    c.close();
    await s.close();
  });

  test('an already aborted signal resets at once; client.close() resets what is running', async () => {
    const t = await client.geturl(`${base}/text`, { signal: AbortSignal.abort() });
    assert.equal(t.status, 'reset');
    const s = await scriptServer(() => ({ delayMs: 200 }));
    const c = new HttpClient({ maxConnectionsPerOrigin: 1 });
    const tokens = ['/a', '/b', '/c'].map((p) => c.geturl(`${s.url}${p}`, { command: () => {} }));
    await new Promise((r) => setTimeout(r, 50));
    c.close();
    await Promise.all(tokens.map((x) => wait(x)));
    assert.deepEqual(
      tokens.map((x) => x.status),
      ['reset', 'reset', 'reset'],
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.connections, 1, 'nothing replayed on a new connection after close');
    await s.close();
  });

  test('a final answer while the body is still being sent: posterror, and the connection is not reused', async () => {
    let conns = 0;
    const raw = netServer((sock) => {
      conns++;
      let seen = '';
      sock.on('error', () => {});
      sock.on('data', (d) => {
        if (seen.includes('\r\n\r\n')) return;
        seen += d.toString('latin1');
        if (seen.includes('\r\n\r\n')) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    const port = await listenLocal(raw);
    const c = new HttpClient({ keepalive: true });
    const t = await c.geturl(`http://127.0.0.1:${port}/p`, {
      query: Buffer.alloc(8 << 20),
      queryprogress: () => {},
    });
    assert.equal(t.status, 'ok');
    assert.equal(t.body, 'ok');
    assert.match(t.posterror, /before the request body was sent/);
    const g = await c.geturl(`http://127.0.0.1:${port}/g`);
    assert.equal(g.body, 'ok');
    assert.equal(conns, 2, 'the half-sent connection was not reused');
    c.close();
    await new Promise((r) => raw.close(r));
  });
});
