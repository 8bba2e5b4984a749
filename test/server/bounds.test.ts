// Memory and time bounds of the HTTP server against clients that do not read, do not finish a
// TLS handshake, or send bytes that cannot be HTTP (issue 11, items 1–3). Real sockets, plain
// and TLS; each test states the exact status, the close and the bound.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { DEFAULT_SERVER_LIMITS } from '../../src/server/index.js';
import { live } from '../../src/ws/index.js';
import { TRANSPORTS, transportName, withTestServer, type TestServer } from '../helpers/server.js';
import { delay, until } from '../helpers/channel-pair.js';
import { listenLocal } from '../helpers/listen.js';

const MiB = 1024 * 1024;
/** What the kernel can hold between two loopback sockets (send and receive buffers), generously. */
const KERNEL_SLACK = 8 * MiB;

/** A connection that never reads unless asked to: nothing is consumed from the socket. */
async function silentClient(t: TestServer): Promise<net.Socket> {
  const socket = t.tls
    ? tls.connect({ host: '127.0.0.1', port: t.port, ca: t.ca, servername: 'localhost' })
    : net.connect(t.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once(t.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  socket.pause();
  return socket;
}

function closedWithin(socket: net.Socket, ms: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

/** Resolves once `read()` has not changed for `quietMs` (or `maxMs` passed). */
async function settled(read: () => number, quietMs = 500, maxMs = 10_000): Promise<number> {
  const end = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < end) {
    await delay(50);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

describe('unsent answers are bounded (maxUnsentBytes)', () => {
  test('the default bound is finite: 1 MiB', () => {
    assert.equal(DEFAULT_SERVER_LIMITS.maxUnsentBytes, MiB);
  });

  for (const secure of TRANSPORTS) {
    test(`${transportName(secure)}: a client pipelining without reading stops being read, and is read again once it reads`, async () => {
      const N = 20_000;
      const body = 'x'.repeat(2048);
      let handled = 0;
      await withTestServer(
        secure,
        (s) =>
          s.get('/r', (ctx) => {
            handled++;
            ctx.send(body);
          }),
        async (t) => {
          const socket = await silentClient(t);
          socket.write('GET /r HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(N));
          const stalled = await settled(() => handled);
          // Without the bound the server answers all 20 000 (40 MiB queued in its memory).
          assert.ok(
            stalled * body.length <= DEFAULT_SERVER_LIMITS.maxUnsentBytes + KERNEL_SLACK,
            `answered ${stalled} requests (${(stalled * body.length) / MiB} MiB) to a client that reads nothing`,
          );
          assert.ok(stalled < N);
          // The client reads: every answer comes, and the connection stays usable.
          let answers = 0;
          let carry = '';
          socket.on('data', (d: Buffer) => {
            const text = carry + d.toString('latin1');
            answers += text.split('HTTP/1.1 200 OK\r\n').length - 1;
            carry = text.slice(-16);
          });
          socket.resume();
          await until(() => answers === N, `${N} answers (got ${answers})`, 30_000);
          assert.equal(handled, N);
          socket.destroy();
        },
      );
    });

    test(`${transportName(secure)}: a handler that ignores write()'s false is stopped at the bound, with a typed error and a close`, async () => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const maxUnsentBytes = 256 * 1024;
      let accepted = 0;
      let code: unknown;
      await withTestServer(
        secure,
        (s) =>
          s.get('/big', (ctx) => {
            try {
              for (let i = 0; i < 1600; i++) {
                ctx.write(chunk); // 100 MiB, never waiting for drained()
                accepted += chunk.length;
              }
            } catch (err) {
              code = (err as { code?: string }).code;
              throw err;
            }
          }),
        async (t) => {
          const socket = await silentClient(t);
          socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
          await closedWithin(socket, 10_000);
          assert.equal(code, 'ERR_HTTP_SEND_BUFFER_FULL');
          assert.ok(
            accepted <= maxUnsentBytes + chunk.length + KERNEL_SLACK,
            `accepted ${accepted / MiB} MiB`,
          );
        },
        { limits: { maxUnsentBytes }, onError: () => {} },
      );
    });

    test(`${transportName(secure)}: a streaming handler to a client that stops reading is closed after sendTimeoutMs`, async () => {
      let pulled = 0;
      let streamSettled = false;
      let code: unknown;
      await withTestServer(
        secure,
        (s) =>
          s.get('/stream', async (ctx) => {
            async function* endless(): AsyncGenerator<Buffer> {
              for (;;) {
                pulled += 65536;
                yield Buffer.alloc(65536, 0x62);
              }
            }
            try {
              await ctx.stream(endless());
            } catch (err) {
              code = (err as { code?: string }).code;
            }
            streamSettled = true;
          }),
        async (t) => {
          const socket = await silentClient(t);
          const t0 = Date.now();
          socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
          await until(() => streamSettled, 'the handler to finish', 10_000);
          const ms = Date.now() - t0;
          assert.ok(ms >= 250, `stopped after ${ms} ms, before the send timeout`);
          assert.equal(t.server.connectionCount, 0, 'the connection is gone');
          // What the kernel still held reaches the client, then the end.
          socket.resume();
          await closedWithin(socket, 10_000);
          assert.equal(code, 'ERR_HTTP_CONNECTION_CLOSED', 'the stream stops with a typed error');
          assert.ok(pulled <= KERNEL_SLACK + 2 * MiB, `pulled ${pulled / MiB} MiB from the source`);
        },
        { limits: { sendTimeoutMs: 300 } },
      );
    });

    test(`${transportName(secure)}: a large body sent whole reaches a slow reader uncut, and the next pipelined answer follows it`, async () => {
      const big = Buffer.alloc(16 * MiB, 0x63);
      await withTestServer(
        secure,
        (s) => {
          s.get('/big', (ctx) => ctx.send(big));
          s.get('/after', (ctx) => ctx.send('after'));
        },
        async (t) => {
          const socket = await silentClient(t);
          socket.write(
            'GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n',
          );
          // Read 256 KiB every 50 ms: the 16 MiB take three seconds, far above the send timeout,
          // but something leaves at every step.
          let budget = 0;
          let received = 0;
          let tail = '';
          let closed = false;
          socket.on('close', () => (closed = true));
          socket.on('data', (d: Buffer) => {
            received += d.length;
            tail = (tail + d.subarray(-64).toString('latin1')).slice(-64);
            budget -= d.length;
            if (budget <= 0) socket.pause();
          });
          const sip = setInterval(() => {
            budget = 256 * 1024;
            socket.resume();
          }, 50);
          try {
            await until(() => tail.endsWith('after') || closed, 'both answers', 30_000);
          } finally {
            clearInterval(sip);
          }
          assert.ok(tail.endsWith('after'), `cut after ${received} bytes`);
          assert.ok(received > big.length);
          socket.destroy();
        },
        { limits: { sendTimeoutMs: 400 } },
      );
    });
  }
});

/** The first bytes a TLS client sends (its ClientHello), caught by a plain listener. */
async function clientHello(): Promise<Buffer> {
  const catcher = net.createServer();
  const port = await listenLocal(catcher);
  const got = new Promise<Buffer>((resolve) =>
    catcher.once('connection', (s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy()))),
  );
  const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost' });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  catcher.close();
  return hello;
}

describe('the TLS handshake runs under the header timeout, from accept', () => {
  const limits = { headerTimeoutMs: 400 };

  test('a client that never sends its ClientHello is closed at the header timeout', () =>
    withTestServer(
      true,
      () => {},
      async (t) => {
        const socket = net.connect(t.port, '127.0.0.1');
        socket.on('error', () => {});
        const ms = await closedWithin(socket, 5000);
        assert.ok(ms >= 300, `closed after ${ms} ms`);
      },
      { limits },
    ));

  test('a ClientHello dripping one byte every 50 ms is cut at the header timeout', async () => {
    const hello = await clientHello();
    assert.ok(hello.length > 100, 'a real ClientHello');
    await withTestServer(
      true,
      () => {},
      async (t) => {
        const socket = net.connect(t.port, '127.0.0.1');
        socket.on('error', () => {});
        let at = 0;
        const drip = setInterval(() => {
          if (at < hello.length && !socket.destroyed) socket.write(hello.subarray(at, ++at));
        }, 50);
        try {
          // The whole hello would take hello.length × 50 ms (over 10 s).
          await closedWithin(socket, 5000);
          assert.ok(at < hello.length, 'cut before the handshake could finish');
        } finally {
          clearInterval(drip);
        }
      },
      { limits },
    );
  });

  test('a handshake that fails closes the socket at once, not at a timeout', () =>
    withTestServer(
      true,
      () => {},
      async (t) => {
        const socket = net.connect(t.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await closedWithin(socket, 2000);
      },
      { limits: { headerTimeoutMs: 30_000 } },
    ));

  test('after the handshake, the first request must come within what is left of the timeout', () =>
    withTestServer(
      true,
      () => {},
      async (t) => {
        const socket = await silentClient(t);
        let got = '';
        socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
        socket.resume();
        await closedWithin(socket, 5000);
        assert.equal(got, '', 'a connection that never sent a request is closed without an answer');
      },
      { limits },
    ));
});

describe('bytes that cannot be HTTP get 400 and a close at once', () => {
  const limits = { headerTimeoutMs: 30_000 };
  const garbage = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x0d, 0x0a, 0x0d, 0x0a]);

  async function expect400(t: TestServer, bytes: Buffer): Promise<void> {
    const c = await t.connect();
    const t0 = Date.now();
    c.write(bytes);
    const all = await c.closed(5000);
    assert.match(all, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(all, /\r\nConnection: close\r\n/);
    assert.ok(Date.now() - t0 < 5000);
  }

  test('plain port: a TLS ClientHello, binary garbage', async () => {
    const hello = await clientHello();
    await withTestServer(
      false,
      (s) => s.get('/', (ctx) => ctx.send('ok')),
      async (t) => {
        await expect400(t, hello);
        await expect400(t, garbage);
        await expect400(t, Buffer.from('GET /a\x00b HTTP/1.1\r\n'));
      },
      { limits },
    );
  });

  test('TLS port: garbage after the handshake', () =>
    withTestServer(
      true,
      (s) => s.get('/', (ctx) => ctx.send('ok')),
      async (t) => {
        await expect400(t, garbage);
        await expect400(t, Buffer.from('\x16\x03\x01\x00'));
      },
      { limits },
    ));

  for (const secure of TRANSPORTS) {
    test(`${transportName(secure)}: a WebSocket endpoint receiving garbage instead of an upgrade`, async () => {
      const hello = await clientHello();
      await withTestServer(
        secure,
        (s) => live(s, '/ws', () => {}),
        async (t) => {
          await expect400(t, hello);
          // A masked WebSocket frame, as a client would send after an upgrade it never made.
          await expect400(t, Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e]));
        },
        { limits },
      );
    });
  }
});
