import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/index.js';
import {
  open,
  openChannel,
  readResponseHead,
  channel,
  wsencode,
} from '../../src/channels/index.js';
import { testCert } from '../helpers/tls.js';
import { readExactly } from '../helpers/channel-pair.js';
import { tempDir } from '../helpers/temp-dir.js';

test('open sends Host, no fragment, and the response is read from the channel (plain and TLS)', async () => {
  const cert = await testCert();
  const server = createServer({
    name: 'open-test',
    drivers: [{ port: 0 }, { port: 0, tls: cert }],
  });
  server.route('*', '/echo-head', (ctx) =>
    ctx.send(`${ctx.method} ${ctx.target} host=${ctx.headers.get('host')} v=${ctx.version}`),
  );
  server.post('/body', async (ctx) => ctx.send(`got ${await ctx.text()}`));
  const [plain, secure] = await server.listen();
  try {
    for (const d of [plain, secure]) {
      const name = await open(`${d.url}echo-head?x=1#frag`, { ca: cert.cert, method: 'get' });
      const chan = channel(name);
      const head = await readResponseHead(chan);
      assert.equal(head.status, 200);
      const len = Number(head.headers.get('content-length'));
      const body = (await readExactly(chan, len)).toString();
      assert.equal(body, `GET /echo-head?x=1 host=127.0.0.1:${d.port} v=1.0`);
      chan.close();
    }
    const chan = await openChannel(`${plain.url}body`, {
      method: 'POST',
      body: 'data',
      version: '1.1',
    });
    const head = await readResponseHead(chan, { method: 'POST' });
    assert.equal(head.status, 200);
    assert.equal((await readExactly(chan, 8)).toString(), 'got data');
    chan.close();
  } finally {
    await server.close({ graceMs: 50 });
  }
});

test('wsencode produces the reference vectors', () => {
  assert.equal(wsencode('Hello Wörld').toString('hex'), '810c48656c6c6f2057c3b6726c64');
  assert.equal(
    wsencode('Hello World', { fin: false, opcode: 'binary' }).toString('hex'),
    '020b48656c6c6f20576f726c64',
  );
  assert.equal(wsencode('x'.repeat(126)).subarray(0, 4).toString('hex'), '817e007e');
  assert.equal(wsencode('x'.repeat(65536)).subarray(0, 10).toString('hex'), '817f0000000000010000');
  assert.equal(wsencode('', { opcode: 'close' }).toString('hex'), '8800');
  const masked = wsencode('abc', { mask: true });
  assert.equal(masked[1], 0x83);
  const key = masked.subarray(2, 6);
  assert.equal(Buffer.from(masked.subarray(6).map((b, i) => b ^ key[i % 4])).toString(), 'abc');
  assert.throws(() => wsencode('x'.repeat(126), { opcode: 'ping' }), /125/);
  assert.throws(() => wsencode('x', { opcode: 'ping', fin: false }), /fragment/i);
  assert.throws(
    () => wsencode('x', { opcode: 'bogus' as 'text' }),
    /must be continue, text, binary, close, ping, or pong/,
  );
});

test('open over a Unix-domain socket, to a server listening on one', async () => {
  const { join } = await import('node:path');
  const path = join(tempDir('connchan-unix-'), 'http.sock');
  const server = createServer({ name: 'unix-test', drivers: [{ path }] });
  server.get('/u', (ctx) => ctx.send(`unix host=${ctx.headers.get('host')}`));
  await server.listen();
  try {
    const chan = await openChannel('http://app.local/u', { unixSocket: path });
    const head = await readResponseHead(chan);
    assert.equal(head.status, 200);
    assert.equal(
      (await readExactly(chan, Number(head.headers.get('content-length')))).toString(),
      'unix host=app.local',
    );
    chan.close();
  } finally {
    await server.close({ graceMs: 50 });
  }
});

test('an outgoing-only driver (listen: false) gives connect and open its client TLS settings', async () => {
  const { connect, close } = await import('../../src/channels/index.js');
  const { ConnectError } = await import('../../src/io/errors.js');
  const cert = await testCert();
  const origin = createServer({ name: 'tls-origin', drivers: [{ port: 0, tls: cert }] });
  origin.get('/', (ctx) => ctx.send('trusted'));
  const [d] = await origin.listen();
  const proxyLike = createServer({
    name: 'outgoing',
    drivers: [{ port: 0 }, { name: 'https-out', listen: false, client: { ca: cert.cert } }],
  });
  const bound = await proxyLike.listen();
  try {
    assert.equal(bound.length, 1, 'the outgoing-only driver does not listen');
    await assert.rejects(
      connect('127.0.0.1', d.port, { tls: true }),
      (e: unknown) => e instanceof ConnectError && e.code === 'ERR_TLS_HANDSHAKE',
    );
    const name = await connect('127.0.0.1', d.port, {
      tls: true,
      server: 'outgoing',
      driver: 'https-out',
    });
    close(name);
    const chan = await openChannel(d.url, { server: 'outgoing', driver: 'https-out' });
    const head = await readResponseHead(chan);
    assert.equal(head.status, 200);
    assert.equal(chan.driver, 'https-out');
    chan.close();
  } finally {
    await origin.close({ graceMs: 50 });
    await proxyLike.close({ graceMs: 50 });
  }
});
