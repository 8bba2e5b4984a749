// RFC 9110/9112 details of the HTTP server (issue 11, items 4–7): Host validation, Expect,
// header limits no stricter than node:http's, absolute-form targets. Raw sockets, plain and TLS.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { TRANSPORTS, transportName, withTestServer, type TestServer } from '../helpers/server.js';

/** Sends `raw` on a fresh connection and returns everything received until the server closes. */
async function exchange(t: TestServer, raw: string, closeAfterMs = 0): Promise<string> {
  const c = await t.connect();
  c.write(Buffer.from(raw, 'latin1'));
  if (closeAfterMs > 0) {
    await c.waitFor((s) => /\r\n\r\n/.test(s), 3000).catch(() => {});
    c.socket.end();
  }
  return c.closed(5000);
}

const statusOf = (answer: string): string => answer.slice(0, answer.indexOf('\r\n'));

for (const secure of TRANSPORTS) {
  describe(`over ${transportName(secure)}`, () => {
    test('Host is validated (RFC 9112 §3.2, RFC 3986): an invalid one gets 400 and a close', () =>
      withTestServer(
        secure,
        (s) => s.get('/', (ctx) => ctx.send(`host=${ctx.host}`)),
        async (t) => {
          const valid = [
            '',
            'example.com',
            'a-b.example:8080',
            '127.0.0.1',
            '[::1]:80',
            '[v1.x]',
            'xn--bcher-kva.example',
            'a%41b',
            'h:',
          ];
          for (const host of valid) {
            const a = await exchange(
              t,
              `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
            );
            assert.equal(statusOf(a), 'HTTP/1.1 200 OK', `Host: ${host}`);
            assert.ok(a.endsWith(`host=${host}`));
          }
          const invalid = [
            'a b',
            'a@b',
            '[::1',
            '[::1]x',
            'a:b',
            'a/b',
            '%zz',
            '[1::2::3]',
            'a\\b',
          ];
          for (const host of invalid) {
            const a = await exchange(t, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
            assert.equal(statusOf(a), 'HTTP/1.1 400 Bad Request', `Host: ${host}`);
            assert.match(a, /\r\nConnection: close\r\n/);
            assert.match(a, /invalid Host/);
          }
        },
      ));

    test('Expect: 100 Continue only to HTTP/1.1; any other expectation gets 417 (RFC 9110 §10.1.1)', async () => {
      let handled = 0;
      await withTestServer(
        secure,
        (s) =>
          s.post('/up', async (ctx) => {
            handled++;
            ctx.send(`got ${(await ctx.text()).length}`);
          }),
        async (t) => {
          // HTTP/1.1: the interim answer comes before the body is sent.
          const c = await t.connect();
          c.write(
            'POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n',
          );
          await c.waitFor((s) => s.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
          c.write('hello');
          await c.waitFor((s) => s.endsWith('got 5'));
          c.socket.destroy();
          // HTTP/1.0: the expectation is ignored, no 100 (which a 1.0 client could not read).
          const a10 = await exchange(
            t,
            'POST /up HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello',
          );
          assert.equal(statusOf(a10), 'HTTP/1.0 200 OK');
          assert.doesNotMatch(a10, /100 Continue/);
          assert.ok(a10.endsWith('got 5'));
          const before = handled;
          for (const expect of ['foo', '100-continue, bar', 'x=y']) {
            const a = await exchange(
              t,
              `POST /up HTTP/1.1\r\nHost: x\r\nExpect: ${expect}\r\nContent-Length: 5\r\n\r\nhello`,
            );
            assert.equal(statusOf(a), 'HTTP/1.1 417 Expectation Failed', `Expect: ${expect}`);
            assert.match(a, /\r\nConnection: close\r\n/);
          }
          assert.equal(handled, before, 'the handler never saw the refused requests');
          // Case-insensitive token (RFC 9110 §10.1.1).
          const c2 = await t.connect();
          c2.write(
            'POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n',
          );
          await c2.waitFor((s) => s.startsWith('HTTP/1.1 100 Continue'));
          c2.socket.destroy();
        },
      );
    });

    test('absolute-form targets are routed by their path, and their host is the request host (RFC 9112 §3.2.2)', () =>
      withTestServer(
        secure,
        (s) =>
          s.get('/a/*', (ctx) =>
            ctx.sendJson({
              path: ctx.path,
              host: ctx.host,
              url: ctx.url.href,
              q: ctx.query.get('x'),
              target: ctx.target,
            }),
          ),
        async (t) => {
          const a = await exchange(
            t,
            'GET http://example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n',
          );
          assert.equal(statusOf(a), 'HTTP/1.1 200 OK');
          assert.deepEqual(JSON.parse(a.slice(a.indexOf('\r\n\r\n') + 4)), {
            path: '/a/b',
            host: 'example.com:8080',
            url: `${secure ? 'https' : 'http'}://example.com:8080/a/b?x=1`,
            q: '1',
            target: 'http://example.com:8080/a/b?x=1',
          });
          const noPath = await exchange(
            t,
            'GET HTTP://Example.com?x=2 HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n',
          );
          assert.equal(statusOf(noPath), 'HTTP/1.1 404 Not Found', 'path "/" is not under /a/');
          for (const target of [
            'ftp://example.com/a/',
            'http://user@example.com/a/',
            'http:///a/',
            'http://a b/',
          ]) {
            const bad = await exchange(t, `GET ${target} HTTP/1.1\r\nHost: o\r\n\r\n`);
            assert.equal(statusOf(bad), 'HTTP/1.1 400 Bad Request', target);
          }
        },
      ));
  });
}

describe('header limits are never stricter than node:http defaults', () => {
  /** The status node:http gives `raw` (default options: maxHeaderSize 16 KiB, 2000 headers). */
  async function nodeStatus(raw: string): Promise<string> {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const sock = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.on('error', () => {});
      sock.end(raw);
      await new Promise((r) => sock.on('close', r));
      return statusOf(got);
    } finally {
      server.close();
    }
  }

  const cases: [string, string][] = [
    ['a 16 000-byte Cookie', `Cookie: ${'c'.repeat(16_000)}\r\n`],
    ['1 500 small fields (a browser behind a few proxies)', 'X-F: v\r\n'.repeat(1500)],
    ['2 000 fields', 'X-F: v\r\n'.repeat(1998)],
  ];
  for (const [name, fields] of cases) {
    test(`${name}: accepted by node:http, and by connchan`, async () => {
      const raw = `GET / HTTP/1.1\r\nHost: x\r\n${fields}Connection: close\r\n\r\n`;
      assert.equal(await nodeStatus(raw), 'HTTP/1.1 200 OK', 'node:http');
      await withTestServer(
        false,
        (s) => s.get('/', (ctx) => ctx.send('ok')),
        async (t) => assert.equal(statusOf(await exchange(t, raw)), 'HTTP/1.1 200 OK', 'connchan'),
      );
    });
  }

  test('a 12 000-byte target: accepted by node:http, and by connchan', async () => {
    const raw = `GET /${'p'.repeat(12_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    assert.equal(await nodeStatus(raw), 'HTTP/1.1 200 OK', 'node:http');
    await withTestServer(
      false,
      (s) => s.get('/*', (ctx) => ctx.send('ok')),
      async (t) => assert.equal(statusOf(await exchange(t, raw)), 'HTTP/1.1 200 OK'),
    );
  });

  test('the limits stay configurable: 431 beyond a lower count or size, 414 beyond a line length', () =>
    withTestServer(
      false,
      (s) => s.get('/*', (ctx) => ctx.send('ok')),
      async (t) => {
        const many = await exchange(
          t,
          `GET / HTTP/1.1\r\nHost: x\r\n${'X-F: v\r\n'.repeat(11)}\r\n`,
        );
        assert.equal(statusOf(many), 'HTTP/1.1 431 Request Header Fields Too Large');
        const big = await exchange(
          t,
          `GET / HTTP/1.1\r\nHost: x\r\nX: ${'v'.repeat(5000)}\r\n\r\n`,
        );
        assert.equal(statusOf(big), 'HTTP/1.1 431 Request Header Fields Too Large');
        const long = await exchange(t, `GET /${'p'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
        assert.equal(statusOf(long), 'HTTP/1.1 414 URI Too Long');
        const fine = await exchange(
          t,
          `GET / HTTP/1.1\r\nHost: x\r\n${'X-F: v\r\n'.repeat(8)}Connection: close\r\n\r\n`,
        );
        assert.equal(statusOf(fine), 'HTTP/1.1 200 OK');
      },
      { parser: { maxHeaderCount: 10, maxHeaderBytes: 4096, maxRequestLineBytes: 2048 } },
    ));
});
