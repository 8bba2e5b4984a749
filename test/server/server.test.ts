import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import {
  createServer,
  type HttpServer,
  type ServerOptions,
  ResponseStateError,
} from '../../src/server/index.js';
import { exists, list, read, status, callback, KEEP, write } from '../../src/channels/index.js';
import { rawConnect } from '../helpers/raw-http.js';
import { testCert } from '../helpers/tls.js';
import { delay, until } from '../helpers/channel-pair.js';

let serial = 0;
async function withServer(
  setup: (s: HttpServer) => void,
  fn: (port: number, s: HttpServer) => Promise<void>,
  options: ServerOptions = {},
): Promise<void> {
  const server = createServer({ name: `test-${serial++}`, drivers: [{ port: 0 }], ...options });
  setup(server);
  const [d] = await server.listen();
  try {
    await fn(d.port, server);
  } finally {
    await server.close({ graceMs: 50 });
  }
}

describe('routing and the request context', () => {
  test('exact, prefix and glob routes; 404 and 405 with Allow', () =>
    withServer(
      (s) => {
        s.get('/', (ctx) => ctx.send('home'));
        s.get('/static/*', (ctx) => ctx.send(`static ${ctx.path}`));
        s.route('*', '/files/*.txt', (ctx) => ctx.send(`txt ${ctx.method}`));
        s.post('/only-post', (ctx) => ctx.send('posted'));
      },
      async (port) => {
        const base = `http://127.0.0.1:${port}`;
        assert.equal(await (await fetch(`${base}/`)).text(), 'home');
        assert.equal(
          await (await fetch(`${base}/static/a/b.css`)).text(),
          'static /static/a/b.css',
        );
        assert.equal(await (await fetch(`${base}/static`)).text(), 'static /static');
        assert.equal(
          await (await fetch(`${base}/files/x/y.txt`, { method: 'PUT' })).text(),
          'txt PUT',
        );
        assert.equal((await fetch(`${base}/files/y.bin`)).status, 404);
        const r = await fetch(`${base}/only-post`);
        assert.equal(r.status, 405);
        assert.equal(r.headers.get('allow'), 'POST');
      },
    ));

  test('method, url, query, headers and peer', () =>
    withServer(
      (s) =>
        s.get('/info', (ctx) =>
          ctx.sendJson({
            method: ctx.method,
            path: ctx.path,
            q: ctx.query.get('q'),
            ua: ctx.headers.get('x-test'),
            peer: ctx.peer,
            host: ctx.url.host,
          }),
        ),
      async (port) => {
        const r = await fetch(`http://127.0.0.1:${port}/info?q=a%20b`, {
          headers: { 'x-test': 'yes' },
        });
        assert.deepEqual(await r.json(), {
          method: 'GET',
          path: '/info',
          q: 'a b',
          ua: 'yes',
          peer: '127.0.0.1',
          host: `127.0.0.1:${port}`,
        });
      },
    ));
});

describe('bodies', () => {
  test('a streamed request body, and 413 for one over the limit (declared or chunked)', () =>
    withServer(
      (s) =>
        s.post('/echo', async (ctx) =>
          ctx.send(await ctx.buffer(), 200, 'application/octet-stream'),
        ),
      async (port) => {
        const big = Buffer.alloc(200 * 1024, 'x');
        const ok = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: big });
        assert.equal((await ok.arrayBuffer()).byteLength, big.length);
        const declared = await rawConnect(port);
        declared.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n');
        assert.match(await declared.closed(), /^HTTP\/1\.1 413 /);
        const chunked = await rawConnect(port);
        chunked.write('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
        const piece = Buffer.alloc(300 * 1024, 'y');
        for (let i = 0; i < 5; i++)
          chunked.write(
            Buffer.concat([
              Buffer.from(`${piece.length.toString(16)}\r\n`),
              piece,
              Buffer.from('\r\n'),
            ]),
          );
        assert.match(await chunked.closed(), /^HTTP\/1\.1 413 /);
      },
      { limits: { maxBodyBytes: 1024 * 1024 } },
    ));

  test('Expect: 100-continue is answered when the handler reads the body', () =>
    withServer(
      (s) => s.post('/up', async (ctx) => ctx.send(`got ${(await ctx.buffer()).length}`)),
      async (port) => {
        const c = await rawConnect(port);
        c.write(
          'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
        );
        await c.waitFor((t) => t.includes('100 Continue\r\n\r\n'));
        c.write('hello');
        const text = await c.waitFor((t) => t.endsWith('got 5'));
        assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
        c.socket.destroy();
      },
    ));

  test('chunked streaming response, HEAD without body, HTTP/1.0 close-delimited', () =>
    withServer(
      (s) => {
        s.get('/stream', (ctx) => ctx.stream(['a', 'bb', Buffer.from('ccc')]));
        s.get('/fixed', (ctx) => ctx.send('fixed body'));
      },
      async (port) => {
        const c = await rawConnect(port);
        c.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
        const t = await c.waitFor((x) => x.endsWith('0\r\n\r\n'));
        assert.match(t, /Transfer-Encoding: chunked\r\n/);
        assert.ok(t.endsWith('\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n'));
        c.write('HEAD /fixed HTTP/1.1\r\nHost: x\r\n\r\n');
        const h = await c.waitFor(
          (x) => x.split('HTTP/1.1 200').length === 3 && x.endsWith('\r\n\r\n'),
        );
        assert.match(h.slice(h.lastIndexOf('HTTP/1.1')), /Content-Length: 10\r\n\r\n$/);
        c.socket.destroy();
        const old = await rawConnect(port);
        old.write('GET /stream HTTP/1.0\r\n\r\n');
        const o = await old.closed();
        assert.match(o, /^HTTP\/1\.0 200 OK\r\n/);
        assert.match(o, /Connection: close\r\n/);
        assert.ok(o.endsWith('\r\n\r\nabbccc'));
      },
    ));
});

describe('connections', () => {
  test('keep-alive and 16 pipelined requests answered in order on one connection', () =>
    withServer(
      (s) => s.get('/n/*', (ctx) => ctx.send(ctx.path.slice(3))),
      async (port) => {
        const c = await rawConnect(port);
        let reqs = '';
        for (let i = 0; i < 16; i++) reqs += `GET /n/${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
        c.write(reqs);
        const text = await c.waitFor(
          (t) => t.split('HTTP/1.1 200 OK').length === 17 && t.endsWith('15'),
        );
        const bodies = text
          .split('HTTP/1.1 200 OK')
          .slice(1)
          .map((r) => r.slice(r.indexOf('\r\n\r\n') + 4));
        assert.deepEqual(
          bodies,
          Array.from({ length: 16 }, (_, i) => String(i)),
        );
        c.write('GET /n/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        const all = await c.closed();
        assert.ok(all.endsWith('last'));
        assert.match(all.slice(all.lastIndexOf('HTTP/1.1')), /Connection: close/);
      },
    ));

  test("bodies leave byte-exact: ASCII, Latin-1 range and wide characters, a synchronous handler's several writes, pipelined", () =>
    withServer(
      (s) => {
        s.get('/ascii', (ctx) => ctx.send('plain ascii'));
        s.get('/latin', (ctx) => ctx.send('café'));
        s.get('/wide', (ctx) => ctx.send('日本 🎉'));
        s.get('/writes', (ctx) => {
          ctx.write('a');
          ctx.write('é');
          ctx.end('z');
        });
      },
      async (port) => {
        const c = await rawConnect(port);
        const paths = ['/ascii', '/latin', '/wide', '/writes', '/ascii'];
        c.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
        const text = await c.waitFor(
          (t) => t.split('HTTP/1.1 200 OK').length === 6 && t.endsWith('ascii'),
        );
        // Received as latin1: one char per byte, so the UTF-8 bytes show as they were sent.
        const utf8 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
        const answers = text.split('HTTP/1.1 200 OK').slice(1);
        const fixed = (a: string) => ({
          length: Number(/Content-Length: (\d+)/.exec(a)?.[1]),
          body: a.slice(a.indexOf('\r\n\r\n') + 4),
        });
        assert.deepEqual(fixed(answers[0]), { length: 11, body: 'plain ascii' });
        assert.deepEqual(fixed(answers[1]), { length: 5, body: utf8('café') });
        assert.deepEqual(fixed(answers[2]), { length: 11, body: utf8('日本 🎉') });
        assert.match(answers[3], /Transfer-Encoding: chunked/);
        assert.equal(
          answers[3].slice(answers[3].indexOf('\r\n\r\n') + 4),
          `1\r\na\r\n2\r\n${utf8('é')}\r\n1\r\nz\r\n0\r\n\r\n`,
        );
        assert.deepEqual(fixed(answers[4]), { length: 11, body: 'plain ascii' });
        c.socket.destroy();
      },
    ));

  test('a remembered response head is never served for another status, version, header set or connection', () =>
    withServer(
      (s) => {
        s.get('/a', (ctx) => ctx.send('abc'));
        s.get('/created', (ctx) => ctx.send('abd', 201));
        s.get('/own', (ctx) => ctx.header('X-Own', '1').send('abe'));
        s.get('/json', (ctx) => ctx.send('abf', 200, 'application/json'));
      },
      async (port) => {
        const c = await rawConnect(port);
        const reqs = [
          'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /created HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /own HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /json HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
          'HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n',
          'GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ];
        c.write(reqs.join(''));
        const text = await c.closed();
        // Each answer's head without its Date line, and its body.
        const answers = text
          .split(/(?=HTTP\/1\.[01] \d{3} )/)
          .map((a) => a.replace(/Date: [^\r]+\r\n/, ''));
        const text8 = 'Content-Type: text/plain; charset=utf-8\r\n';
        assert.deepEqual(answers, [
          `HTTP/1.1 200 OK\r\n${text8}Content-Length: 3\r\n\r\nabc`,
          `HTTP/1.1 200 OK\r\n${text8}Content-Length: 3\r\n\r\nabc`,
          `HTTP/1.1 201 Created\r\n${text8}Content-Length: 3\r\n\r\nabd`,
          `HTTP/1.1 200 OK\r\nX-Own: 1\r\n${text8}Content-Length: 3\r\n\r\nabe`,
          'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\nabf',
          `HTTP/1.0 200 OK\r\n${text8}Content-Length: 3\r\nConnection: keep-alive\r\n\r\nabc`,
          `HTTP/1.1 200 OK\r\n${text8}Content-Length: 3\r\n\r\n`,
          `HTTP/1.1 200 OK\r\n${text8}Content-Length: 3\r\nConnection: close\r\n\r\nabc`,
        ]);
        assert.equal(text.split('\r\nDate: ').length, 9, 'every answer has its Date');
      },
    ));

  test('slow loris gets 408; an idle keep-alive connection is closed', () =>
    withServer(
      (s) => s.get('/', (ctx) => ctx.send('ok')),
      async (port) => {
        const slow = await rawConnect(port);
        slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
        const t0 = Date.now();
        assert.match(await slow.closed(), /^HTTP\/1\.1 408 /);
        assert.ok(Date.now() - t0 >= 100);
        const idle = await rawConnect(port);
        idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await idle.waitFor((t) => t.endsWith('ok'));
        const t1 = Date.now();
        await idle.closed();
        assert.ok(Date.now() - t1 >= 100, 'closed after the keep-alive timeout, not before');
      },
      { limits: { headerTimeoutMs: 150, keepAliveTimeoutMs: 150 } },
    ));

  test('malformed requests get 400, oversized heads 431, and the connection closes', () =>
    withServer(
      (s) => s.get('/', (ctx) => ctx.send('ok')),
      async (port) => {
        const bad = await rawConnect(port);
        bad.write(
          'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
        );
        assert.match(await bad.closed(), /^HTTP\/1\.1 400 /);
        const huge = await rawConnect(port);
        huge.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`);
        assert.match(await huge.closed(), /^HTTP\/1\.1 431 /);
      },
    ));

  test('maxConnections: connections over the limit are answered 503', () =>
    withServer(
      (s) => s.get('/', (ctx) => ctx.send('ok')),
      async (port) => {
        const a = await rawConnect(port);
        const b = await rawConnect(port);
        await delay(20);
        const c = await rawConnect(port);
        assert.match(await c.closed(), /^HTTP\/1\.1 503 /);
        a.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.match(await a.waitFor((t) => t.endsWith('ok')), /^HTTP\/1\.1 200/);
        a.socket.destroy();
        b.socket.destroy();
      },
      { limits: { maxConnections: 2 } },
    ));

  test('graceful shutdown fires x for channels, finishes running requests, then closes', async () => {
    const server = createServer({ name: 'shutdown-test', drivers: [{ port: 0 }] });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const reasons: string[] = [];
    server.get('/slow', async (ctx) => {
      await released;
      ctx.send('done');
    });
    server.get('/detach', (ctx) => {
      const name = ctx.detach();
      callback(
        name,
        (why) => {
          reasons.push(why);
          return KEEP;
        },
        'r',
      );
      write(name, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
    });
    const [d] = await server.listen();
    const detached = await rawConnect(d.port);
    detached.write('GET /detach HTTP/1.1\r\nHost: x\r\n\r\n');
    await detached.waitFor((t) => t.endsWith('hi'));
    const slow = fetch(`${d.url}slow`);
    await delay(30);
    const closing = server.close({ graceMs: 500 });
    await until(() => reasons.includes('x'), 'x callback');
    release();
    assert.equal(await (await slow).text(), 'done');
    await closing;
    await detached.closed();
    assert.equal(server.channels.size, 0);
  });
});

describe('detach', () => {
  test('detach hands over the connection and pipelined bytes; response methods then throw', () => {
    let thrown: unknown;
    let channelName = '';
    return withServer(
      (s) =>
        s.get('/ws', (ctx) => {
          ctx.clientData = { user: 'ann' };
          channelName = ctx.detach();
          try {
            ctx.send('nope');
          } catch (err) {
            thrown = err;
          }
          callback(
            channelName,
            async () => {
              const data = await read(channelName);
              if (data.length === 0) return 0;
              write(channelName, `echo:${data.toString()}`);
              return KEEP;
            },
            'r',
          );
        }),
      async (port, server) => {
        const c = await rawConnect(port);
        c.write('GET /ws HTTP/1.1\r\nHost: x\r\n\r\nEXTRA BYTES');
        await c.waitFor((t) => t === 'echo:EXTRA BYTES');
        assert.ok(thrown instanceof ResponseStateError && thrown.code === 'ERR_HTTP_DETACHED');
        const row = list({ server: server.name }).find((r) => r.name === channelName);
        assert.ok(row);
        assert.equal(row.driver, 'http');
        assert.deepEqual(row.clientData, { user: 'ann' });
        assert.equal(status(channelName).kind, 'detached');
        c.write('more');
        await c.waitFor((t) => t.endsWith('echo:more'));
        c.socket.end();
        await until(() => !exists(channelName), 'detached channel gone after EOF');
        assert.equal(server.connectionCount, 0);
      },
    );
  });

  test('reverse-proxy mode: X-Forwarded-For only from trusted peers, and the detached channel shows it', async () => {
    for (const [trusted, expected] of [
      [['127.0.0.1'], '203.0.113.9'],
      [['10.0.0.1'], '127.0.0.1'],
    ] as const) {
      let peer = '';
      let chan = '';
      await withServer(
        (s) =>
          s.get('/', (ctx) => {
            peer = ctx.peer;
            chan = ctx.detach();
            write(chan, 'HTTP/1.1 204 No Content\r\n\r\n');
          }),
        async (port) => {
          const c = await rawConnect(port);
          c.write(
            'GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n\r\n',
          );
          await c.waitFor((t) => t.includes('204'));
          assert.equal(peer, expected);
          assert.equal(status(chan).peer, expected);
          c.socket.destroy();
        },
        { trustedProxies: [...trusted] },
      );
    }
  });
});

describe('TLS driver', () => {
  test('serves HTTPS with SNI choosing the certificate', async () => {
    const main = await testCert();
    const other = await selfsigned.generate([{ name: 'commonName', value: 'other.test' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'other.test' }] }],
    });
    const server = createServer({
      name: 'tls-test',
      drivers: [
        {
          port: 0,
          tls: {
            cert: main.cert,
            key: main.key,
            sni: { 'other.test': { cert: other.cert, key: other.private } },
          },
        },
      ],
    });
    server.get('/', (ctx) => ctx.send(`over ${ctx.url.protocol}`));
    const [d] = await server.listen();
    try {
      assert.equal(d.scheme, 'https');
      const c = await rawConnect(d.port, { tls: { ca: main.cert } });
      c.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      assert.ok((await c.waitFor((t) => t.endsWith('over https:'))).startsWith('HTTP/1.1 200'));
      c.socket.destroy();
      const subject = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect(
          { host: '127.0.0.1', port: d.port, servername: 'other.test', ca: other.cert },
          () => {
            resolve(new X509Certificate(s.getPeerX509Certificate()!.raw).subject);
            s.destroy();
          },
        );
        s.on('error', reject);
      });
      assert.match(subject, /CN=other\.test/);
    } finally {
      await server.close({ graceMs: 50 });
    }
  });
});
