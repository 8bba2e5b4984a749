// Handshake answers, test/upgrade/reject from application code, takeover, keep-alive, backpressure
// and graceful shutdown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { callback, KEEP, list, status } from '../../src/channels/index.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import {
  close,
  configure,
  connections,
  conninfo,
  live,
  open,
  reject,
  send,
  shutdown,
  takeover,
  test as wsTest,
  upgrade,
  type WebSocketConnection,
} from '../../src/ws/index.js';
import { channelPair, delay, until } from '../helpers/channel-pair.js';
import { echo, echoServer, RawClient, startServer } from './ws-helpers.js';

async function rawRequest(port: number, head: string): Promise<string> {
  const s = netConnect({ host: '127.0.0.1', port });
  s.write(head);
  let out = '';
  s.on('data', (c) => (out += c.toString('latin1')));
  await new Promise((r) => s.once('close', r));
  return out;
}

const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
const UPG = 'Upgrade: websocket\r\nConnection: Upgrade\r\n';

describe('handshake answers', () => {
  test('426 with Sec-WebSocket-Version for a wrong version, 400 for a bad key or no Upgrade, 404 for no live path', async () => {
    const srv = await echoServer();
    try {
      const r426 = await rawRequest(
        srv.port,
        `GET /echo HTTP/1.1\r\nHost: x\r\n${UPG}${KEY}Sec-WebSocket-Version: 8\r\nConnection: close\r\n\r\n`,
      );
      assert.match(r426, /^HTTP\/1.1 426 /);
      assert.match(r426, /Sec-WebSocket-Version: 13/i);
      const r400 = await rawRequest(
        srv.port,
        `GET /echo HTTP/1.1\r\nHost: x\r\n${UPG}Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n`,
      );
      assert.match(r400, /^HTTP\/1.1 400 /);
      const plain = await fetch(`http://127.0.0.1:${srv.port}/echo`);
      assert.equal(plain.status, 400);
      assert.match(await plain.text(), /Upgrade header/);
      await assert.rejects(
        open(`${srv.url}/nothing-here`),
        (e: Error & { status?: number }) => e.status === 404,
      );
    } finally {
      await srv.close();
    }
  });

  test('application code tests, checks the origin, rejects with its own answer or upgrades', async () => {
    const srv = await startServer((http) => {
      live(http, '/app', echo);
      http.get('/guarded', (ctx) => {
        if (!wsTest(http, ctx, { path: '/app' })) return reject(ctx);
        if (ctx.headers.get('origin') !== 'https://good.example') {
          return reject(ctx, 403, { headers: { 'X-Why': 'origin' }, body: 'bad origin\n' });
        }
        upgrade(ctx, {
          headers: { 'Set-Cookie': 'seen=1' },
          handler: (sock, type, msg) => {
            if (type === 'text') send(sock, 'text', `guarded:${msg}`);
          },
        });
      });
    });
    try {
      await assert.rejects(
        open(`${srv.url}/guarded`, undefined, { origin: 'https://evil.example' }),
        (e: Error & { status?: number; headers?: Record<string, string> }) =>
          e.status === 403 && e.headers?.['x-why'] === 'origin',
      );
      const conn = await open(`${srv.url}/guarded`, undefined, { origin: 'https://good.example' });
      const got = new Promise<string>((r) => conn.once('text', r));
      send(conn, 'text', 'hi');
      assert.equal(await got, 'guarded:hi'); // the handler given to upgrade replaces the endpoint's
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });

  test('a server WebSocket is a channel in the server table with WebSocket fields in status', async () => {
    let sock = '';
    const srv = await startServer((http) =>
      live(http, '/s', (s, type, _msg) => {
        if (type === 'connect') sock = s;
      }),
    );
    try {
      const conn = await open(`${srv.url}/s`, undefined, { protocols: ['x'] });
      await until(() => sock !== '', 'server side');
      const entry = list({ server: srv.http.name }).find((e) => e.name === sock);
      // As the docs say: a WebSocket's channel shows callback `websocket`, condition `x`
      // (it answers the server's shutdown with a 1001 closing handshake).
      assert.equal(entry?.callback, 'websocket');
      assert.equal(entry?.condition, 'x');
      const st = status(sock) as unknown as Record<string, unknown>;
      assert.equal(st.kind, 'detached');
      assert.equal(st.websocket, true);
      assert.equal(st.wsRole, 'server');
      assert.equal(st.protocol, 'x');
      assert.equal(st.extensions, 'permessage-deflate');
      assert.equal(st.wsState, 'CONNECTED');
      assert.equal(conninfo(sock, 'type'), 'server');
      assert.equal(st.keepaliveMs, 30_000);
      assert.equal(st.callback, 'websocket');
      assert.equal(st.condition, 'x');
      conn.close();
      await conn.closed();
      await until(
        () => !list({ server: srv.http.name }).some((e) => e.name === sock),
        'channel gone',
      );
    } finally {
      await srv.close();
    }
  });
});

describe('takeover', () => {
  test('two raw channels become a server and a client WebSocket', async () => {
    const pair = await channelPair();
    try {
      const seen: string[] = [];
      const s = takeover(
        pair.server,
        (sock, type, msg) => {
          seen.push(type);
          if (type === 'text') send(sock, 'text', msg.toUpperCase());
        },
        { server: true },
      );
      const c = takeover(pair.client.name);
      const got = new Promise<string>((r) => c.once('text', r));
      await until(() => c.state === 'CONNECTED', 'client started');
      c.send('text', 'shout');
      assert.equal(await got, 'SHOUT');
      assert.equal(conninfo(s, 'server'), 1);
      assert.equal(s.keepalive.intervalMs, 30_000);
      assert.equal(c.keepalive.intervalMs, 0);
      c.close();
      assert.equal((await s.closed()).code, 1000);
      assert.deepEqual(seen, ['connect', 'text', 'close', 'disconnect']);
    } finally {
      await pair.close();
    }
  });
});

describe('keep-alive', () => {
  test('pings go out at the interval and a live peer answers them', async () => {
    const srv = await echoServer({ ws: { keepalive: '50ms', ping: 'hb' } });
    try {
      const conn = await open(`${srv.url}/echo`);
      const pings: Buffer[] = [];
      const t0 = performance.now();
      conn.on('ping', (d: Buffer) => pings.push(d));
      // Three pings come (bounded for a loaded machine), never more than one per interval.
      await until(() => pings.length >= 3, 'three pings', 10_000);
      const elapsed = performance.now() - t0;
      assert.ok(pings.length <= elapsed / 50 + 2, `${pings.length} pings in ${elapsed} ms`);
      assert.equal(pings[0].toString(), 'hb');
      assert.equal(conn.state, 'CONNECTED');
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });

  test('a stall of this process (a loaded machine, a long GC) does not time out a live peer', async () => {
    const srv = await echoServer({ ws: { keepalive: '50ms' } });
    try {
      const conn = await open(`${srv.url}/echo`);
      let pings = 0;
      conn.on('ping', () => {
        // Block the event loop for four intervals right after the first ping: the server's
        // timer then fires before its socket is read, with the pong waiting in it.
        if (++pings === 1) {
          const end = performance.now() + 200;
          while (performance.now() < end);
        }
      });
      await until(() => pings >= 4, 'pings after the stall', 10_000);
      assert.equal(conn.state, 'CONNECTED');
      conn.close();
      assert.equal((await conn.closed()).code, 1000);
    } finally {
      await srv.close();
    }
  });

  test('a silent peer gets a timeout event and is closed (1001 on the wire, 1006 locally)', async () => {
    const events: string[] = [];
    const srv = await startServer((http) =>
      live(http, '/k', (sock, type, _msg) => {
        events.push(type);
        if (type === 'connect') configure(sock, { keepalive: '60ms' });
      }),
    );
    try {
      const raw = await RawClient.connect(srv.port, '/k');
      // The raw client reads but never answers a ping.
      assert.equal(await raw.closeCode(10_000), 1001);
      assert.ok(raw.frames.some((f) => f.opcode === Opcode.PING));
      await until(() => events.includes('disconnect'), 'disconnect');
      assert.deepEqual(
        events.filter((e) => e !== 'ping'),
        ['connect', 'timeout', 'error', 'disconnect'],
      );
    } finally {
      await srv.close();
    }
  });

  test('a client can ping the server on its own schedule (client keepalive)', async () => {
    const srv = await echoServer({ ws: { keepalive: 0 } });
    try {
      const conn = await open(`${srv.url}/echo`, undefined, { keepalive: '40ms' });
      let pongs = 0;
      conn.on('pong', () => pongs++);
      await until(() => pongs >= 2, 'two pongs');
      assert.equal(configure(conn).keepalive, 0.04);
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });
});

describe('backpressure', () => {
  test('bufferedAmount grows for a peer that does not read; over maxBufferedBytes the connection is closed with 1008', async () => {
    let conn: WebSocketConnection | undefined;
    const errors: Error[] = [];
    const srv = await startServer((http) =>
      live(
        http,
        '/bp',
        (sock, type, msg) => {
          if (type === 'error') errors.push(msg);
        },
        '*',
        { maxBufferedBytes: 2 * 1024 * 1024, deflate: false },
      ),
    );
    srv.http.get('/dummy', (ctx) => ctx.send('x'));
    try {
      const raw = await RawClient.connect(srv.port, '/bp');
      raw.socket.pause();
      await until(() => [...connections()].some((c) => c.path === '/bp'), 'server conn');
      conn = [...connections()].find((c) => c.path === '/bp')!;
      const chunk = Buffer.alloc(64 * 1024);
      const results: number[] = [];
      for (let i = 0; i < 200 && !results.includes(-1); i++) {
        results.push(conn.send('binary', chunk));
        if (i % 8 === 0) await delay(1);
      }
      assert.ok(results.includes(-1), 'a send was refused');
      assert.ok(results.filter((n) => n > 0).length >= 16, 'sends were accepted until the bound');
      assert.equal(errors[0]?.message.includes('maxBufferedBytes'), true);
      assert.equal((errors[0] as Error & { code?: string }).code, 'ERR_WS_BUFFER_OVERFLOW');
      raw.socket.resume();
      assert.equal(await raw.closeCode(5000), 1008);
    } finally {
      await srv.close();
    }
  });

  test('drained() resolves once the peer has read; drain event fires', async () => {
    // 32 MiB queued: more than loopback's kernel buffers can absorb, so nothing drains before
    // the peer reads (4 MiB sometimes fit in the kernel and made this test flaky).
    const srv = await echoServer({ ws: { deflate: false, maxBufferedBytes: 64 * 1024 * 1024 } });
    try {
      const raw = await RawClient.connect(srv.port);
      raw.socket.pause();
      await until(
        () =>
          [...connections()].some((c) => c.role === 'server' && c.channel.server === srv.http.name),
        'server conn',
      );
      const conn = [...connections()].find(
        (c) => c.role === 'server' && c.channel.server === srv.http.name,
      )!;
      let drains = 0;
      conn.on('drain', () => drains++);
      const block = Buffer.alloc(256 * 1024);
      for (let i = 0; i < 128; i++) conn.send('binary', block);
      assert.ok(conn.bufferedAmount > 0);
      let done = false;
      const p = conn.drained().then(() => (done = true));
      await delay(50);
      assert.equal(done, false);
      raw.socket.resume();
      await p;
      assert.ok(drains >= 1);
      raw.destroy();
    } finally {
      await srv.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('shutdown closes every WebSocket of a server with 1001 and waits for the handshakes', async () => {
    const srv = await echoServer();
    try {
      const a = await open(`${srv.url}/echo`);
      const b = await open(`${srv.url}/echo`);
      await shutdown({ server: srv.http.name, deadlineMs: 2000 });
      assert.equal((await a.closed()).code, 1001);
      assert.equal((await b.closed()).code, 1001);
      assert.equal((await a.closed()).wasClean, true);
    } finally {
      await srv.close();
    }
  });
});

describe('server shutdown', () => {
  test("the HTTP server's close() closes its WebSockets with 1001 and awaits the handshakes", async () => {
    const srv = await echoServer();
    const a = await open(`${srv.url}/echo`);
    const t0 = Date.now();
    await srv.http.close({ graceMs: 3000 });
    assert.ok(Date.now() - t0 < 2000, 'did not wait for the grace period');
    assert.deepEqual(await a.closed(), {
      code: 1001,
      reason: 'Endpoint going away',
      wasClean: true,
    });
    assert.equal(list({ server: srv.http.name }).length, 0);
  });

  test("an application's own x callback on a WebSocket's channel fires too, beside the 1001", async () => {
    const srv = await echoServer();
    const a = await open(`${srv.url}/echo`);
    await until(() => list({ server: srv.http.name }).length === 1, 'the server side in the table');
    const [entry] = list({ server: srv.http.name });
    const reasons: string[] = [];
    callback(entry.name, (why) => (reasons.push(why), KEEP), 'x', { server: srv.http.name });
    await srv.http.close({ graceMs: 3000 });
    assert.deepEqual(reasons, ['x']);
    assert.equal((await a.closed()).code, 1001);
  });
});

describe('closing handshake bounds', () => {
  test('a peer that never answers our close frame is cut after closeTimeout', async () => {
    let info: unknown;
    let sock = '';
    const srv = await startServer((http) =>
      live(
        http,
        '/t',
        (s, type, msg) => {
          if (type === 'connect') sock = s;
          if (type === 'disconnect') info = msg;
        },
        '*',
        { closeTimeout: '100ms' },
      ),
    );
    try {
      const raw = await RawClient.connect(srv.port, '/t');
      await until(() => sock !== '', 'connected');
      const t0 = Date.now();
      close(sock, 4000, 'answer me');
      assert.equal(await raw.closeCode(3000), 4000);
      assert.ok(Date.now() - t0 < 1500, `cut after ${Date.now() - t0} ms`);
      await until(() => info !== undefined, 'disconnect');
      assert.deepEqual(info, { code: 1006, reason: '', wasClean: false });
    } finally {
      await srv.close();
    }
  });
});
