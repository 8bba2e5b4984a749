// Against nginx (Debian's) as a real origin: keep-alive, pipelining, chunked, gzip, a large
// file, HEAD, POST (proxied to our own server), and a server that closes idle connections.
// Each run starts its own nginx on a free loopback port with a config in a temp dir.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { createServer, type HttpServer } from '../../src/server/index.js';
import { HttpClient, wait } from '../../src/http-client/index.js';
import { needPeer, peerAvailable } from '../helpers/peers.js';
import { delay } from '../helpers/channel-pair.js';
import { NGINX, startNginx, type RunningNginx } from '../helpers/nginx.js';

const CHECK = [NGINX, '-v'];
let nginx: RunningNginx | undefined;
let port = 0;
let backend: HttpServer | undefined;
let big: Buffer;

before(async () => {
  if (!peerAvailable(CHECK)) return;
  backend = createServer({ name: 'nginx-backend', drivers: [{ port: 0, host: '127.0.0.1' }] });
  backend.route('POST', '/post', async (ctx) =>
    ctx.send(`got ${(await ctx.buffer()).length}`, 200, 'text/plain'),
  );
  const [b] = await backend.listen();
  big = randomBytes(16 * 1024 * 1024);
  nginx = await startNginx({
    files: {
      'small.txt': 'hello from nginx\n',
      'page.html': '<p>' + 'compress me '.repeat(2000) + '</p>',
      'big.bin': big,
    },
    keepaliveTimeout: '1s',
    postTo: b.port,
  });
  port = nginx.port;
});

after(async () => {
  await nginx?.stop();
  await backend?.close({ graceMs: 100 });
});

describe('against nginx', () => {
  test('keep-alive GETs share one connection; HEAD has no body', async (t) => {
    if (!needPeer(t, 'nginx', CHECK)) return;
    const c = new HttpClient({ keepalive: true, zip: false });
    for (let i = 0; i < 20; i++) {
      const r = await c.geturl(`http://127.0.0.1:${port}/small.txt`);
      assert.equal(r.body, 'hello from nginx\n');
    }
    assert.equal(c.connectionCount, 1);
    const h = await c.geturl(`http://127.0.0.1:${port}/big.bin`, { validate: true });
    assert.equal(h.totalsize, big.length);
    assert.equal(h.currentsize, 0);
    c.close();
  });

  test('pipelined GETs come back in order', async (t) => {
    if (!needPeer(t, 'nginx', CHECK)) return;
    const c = new HttpClient({ maxConnectionsPerOrigin: 1, pipeline: true });
    const paths = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? '/ret' : '/small.txt'));
    const tokens = paths.map((p) =>
      c.geturl(`http://127.0.0.1:${port}${p}`, { command: () => {} }),
    );
    await Promise.all(tokens.map((x) => wait(x)));
    tokens.forEach((x, i) =>
      assert.equal(x.body, paths[i] === '/ret' ? 'returned\n' : 'hello from nginx\n'),
    );
    assert.equal(c.connectionCount, 1);
    c.close();
  });

  test('gzip-encoded response decoded; a 16 MiB file arrives intact', async (t) => {
    if (!needPeer(t, 'nginx', CHECK)) return;
    const c = new HttpClient({ keepalive: true });
    const g = await c.geturl(`http://127.0.0.1:${port}/page.html`);
    assert.equal(g.coding, 'gzip');
    assert.equal(g.transferEncoding, 'chunked', 'nginx streams gzip output chunked');
    assert.equal(g.body, '<p>' + 'compress me '.repeat(2000) + '</p>');
    const b = await c.geturl(`http://127.0.0.1:${port}/big.bin`);
    assert.equal(b.binary, true);
    assert.equal(b.currentsize, big.length);
    assert.equal(
      createHash('sha256').update(b.bodyBytes).digest('hex'),
      createHash('sha256').update(big).digest('hex'),
    );
    c.close();
  });

  test('POST through nginx to our server (64 KiB and small)', async (t) => {
    if (!needPeer(t, 'nginx', CHECK)) return;
    const c = new HttpClient({ keepalive: true });
    const p = await c.geturl(`http://127.0.0.1:${port}/post`, { query: 'z'.repeat(65536) });
    assert.equal(p.body, 'got 65536');
    const ch = await c.geturl(`http://127.0.0.1:${port}/post`, { query: 'abc' });
    assert.equal(ch.body, 'got 3');
    c.close();
  });

  test('keepalive_timeout 1s: the idle close is noticed and the next GET and POST go on a new connection', async (t) => {
    if (!needPeer(t, 'nginx', CHECK)) return;
    const c = new HttpClient({ keepalive: true });
    assert.equal((await c.geturl(`http://127.0.0.1:${port}/small.txt`)).status, 'ok');
    await delay(1500);
    assert.equal(c.connectionCount, 0, 'nginx closed it; we noticed while idle');
    assert.equal((await c.geturl(`http://127.0.0.1:${port}/small.txt`)).status, 'ok');
    assert.equal((await c.geturl(`http://127.0.0.1:${port}/post`, { query: 'x' })).body, 'got 1');
    c.close();
  });
});
