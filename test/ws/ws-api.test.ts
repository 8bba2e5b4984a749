// The API a `ws`, browser or Bun user already knows, beside the tcllib one: the connection's
// `ws` shape (send(data) picking text or binary, 'message' (data, isBinary), 'open', 'close'
// (code, reason), ping, terminate, readyState, protocol), send refusals that say why, Bun-style
// callbacks, handlers of the `(sock, type)` form, and on the server side a subprotocol chooser,
// the async `beforeUpgrade` hook with per-connection data, and the request's path, query,
// headers and peer port on the connection.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import {
  connections,
  live,
  open,
  openReconnecting,
  takeover,
  upgrade,
  test as wsTest,
  WsSendError,
  type WebSocketConnection,
  type WsHandlers,
  type WsUpgradeRequest,
} from '../../src/ws/index.js';
import { delay, until } from '../helpers/channel-pair.js';
import { echoServer, RawClient, startServer } from './ws-helpers.js';

/** Sends `request` on a fresh TCP connection and returns everything the server answered. */
async function rawExchange(port: number, request: string): Promise<string> {
  const socket = netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  socket.write(request);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return Buffer.concat(chunks).toString('latin1');
}

function serverConn(name: string): WebSocketConnection {
  const c = [...connections()].find((x) => x.role === 'server' && x.channel.server === name);
  assert.ok(c, 'server connection');
  return c;
}

describe('the ws shape of a connection', () => {
  test('send(data) picks text or binary from the value; message gives (data, isBinary)', async () => {
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo`);
      const got: [string, boolean][] = [];
      conn.on('message', (data, isBinary) =>
        got.push([typeof data === 'string' ? `s:${data}` : `b:${data.toString('hex')}`, isBinary]),
      );
      conn.send('hello');
      conn.send(Buffer.from([1, 2]));
      conn.send(new Uint8Array([3]));
      conn.send(new Uint16Array([0x0504]).buffer);
      conn.send(new DataView(new Uint8Array([6, 7]).buffer));
      conn.send('as bytes', { binary: true });
      conn.send(Buffer.from('as text'), { binary: false });
      conn.send('frag', { fin: false });
      conn.send('ment');
      // The tcllib form goes on working: a second argument that is a message, or a number type.
      conn.send('text', 'tcl');
      conn.send('binary', Buffer.from([8]));
      await until(() => got.length === 10, 'echoes', 5000);
      assert.deepEqual(got, [
        ['s:hello', false],
        ['b:0102', true],
        ['b:03', true],
        ['b:0405', true],
        ['b:0607', true],
        [`b:${Buffer.from('as bytes').toString('hex')}`, true],
        ['s:as text', false],
        ['s:fragment', false],
        ['s:tcl', false],
        ['b:08', true],
      ]);
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });

  test('open, ping → pong, readyState, protocol, close (code, reason) as ws has them', async () => {
    const srv = await echoServer({ protocol: 'chat' });
    try {
      const conn = await open(`${srv.url}/echo`, undefined, { protocols: ['chat'] });
      const seen: string[] = [];
      conn.on('open', () => seen.push(`open:${conn.readyState}`));
      conn.on('pong', (data) => seen.push(`pong:${data.toString()}`));
      conn.on('close', (code, reason) => seen.push(`close:${code}:${reason}:${conn.readyState}`));
      assert.equal(conn.protocol, 'chat');
      assert.equal(conn.readyState, conn.OPEN);
      await until(() => seen.includes('open:1'), 'open');
      assert.ok(conn.ping('are you there') > 0);
      await until(() => seen.includes('pong:are you there'), 'pong');
      conn.close(4000, 'done');
      assert.equal(conn.readyState, 2);
      await conn.closed();
      // The server echoed our code (without a reason): what the peer said is what close reports.
      assert.deepEqual(seen, ['open:1', 'pong:are you there', 'close:4000::3']);
      assert.equal(conn.readyState, 3);
    } finally {
      await srv.close();
    }
  });

  test('terminate() cuts at once: close reports 1006', async () => {
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo`);
      const closed = new Promise<number>((r) => conn.on('close', (code) => r(code)));
      conn.terminate();
      assert.equal(await closed, 1006);
    } finally {
      await srv.close();
    }
  });
});

describe('send refusals say why', () => {
  test('closing, closed: -1 and a typed sendError', async () => {
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo`);
      const before = conn.sendError;
      assert.equal(before, undefined);
      conn.close();
      assert.equal(conn.send('late'), -1);
      const closing = conn.sendError;
      assert.ok(closing instanceof WsSendError);
      assert.equal(closing.code, 'ERR_WS_CLOSING');
      assert.match(closing.message, /closing handshake/);
      await conn.closed();
      assert.equal(conn.send('later'), -1);
      const closed = conn.sendError;
      assert.equal(closed?.code, 'ERR_WS_CLOSED');
    } finally {
      await srv.close();
    }
  });

  test('over maxBufferedBytes: refused with ERR_WS_BUFFER_OVERFLOW, what was accepted still arrives before the 1008', async () => {
    const results: number[] = [];
    let refusal: string | undefined;
    const srv = await startServer((http) =>
      live(
        http,
        '/big',
        {
          message(ws) {
            // The peer does not read: the first 600 KiB are accepted, the second is over the bound.
            results.push(ws.send(Buffer.alloc(600 * 1024, 1)));
            results.push(ws.send(Buffer.alloc(600 * 1024, 2)));
            refusal = ws.sendError?.code;
          },
        },
        '*',
        { maxBufferedBytes: 1024 * 1024, deflate: false },
      ),
    );
    try {
      const raw = await RawClient.connect(srv.port, '/big');
      raw.frame({ opcode: 1, payload: 'go' });
      assert.equal(await raw.closeCode(5000), 1008);
      assert.deepEqual(results, [600 * 1024 + 10, -1]);
      assert.equal(refusal, 'ERR_WS_BUFFER_OVERFLOW');
      assert.deepEqual(
        raw.frames.map((f) => [f.opcode, f.payload.length, f.payload[0]]),
        [
          [2, 600 * 1024, 1],
          [8, raw.frames[1].payload.length, 3], // 03 f0: 1008
        ],
      );
    } finally {
      await srv.close();
    }
  });
});

describe('handler shapes', () => {
  test('(sock, type) handlers are accepted by open, live, upgrade, takeover and openReconnecting', async () => {
    const types: string[] = [];
    const short = (sock: string, type: string): void =>
      void types.push(`${sock.slice(0, 4)}:${type}`);
    const srv = await startServer((http) => {
      live(http, '/short', (_sock, type) => void types.push(`live:${type}`));
      http.get('/manual', (ctx) => {
        if (wsTest(http, ctx, { path: '/short' }))
          upgrade(ctx, { handler: (_s, type) => void types.push(`up:${type}`) });
      });
    });
    try {
      const a = await open(`${srv.url}/short`, (_sock, type) => void types.push(`open:${type}`));
      const b = await open(`${srv.url}/manual`, short);
      const rc = await openReconnecting(
        `${srv.url}/short`,
        (_sock, type) => void types.push(`rc:${type}`),
      );
      await until(
        () =>
          ['live:connect', 'up:connect', 'open:connect', 'rc:connect'].every((t) =>
            types.includes(t),
          ),
        'connects',
      );
      assert.ok(types.includes('conn:connect'));
      a.close();
      b.close();
      rc.close();
      await Promise.all([a.closed(), b.closed(), rc.closed()]);
      // takeover compiles with one too (typed only; the channel pair tests run it).
      const typed: Parameters<typeof takeover>[1] = (_s, _t) => {};
      assert.equal(typeof typed, 'function');
    } finally {
      await srv.close();
    }
  });
});

describe('server side', () => {
  test('Bun-style callbacks with data from beforeUpgrade; the hook sees cookies, query, headers, peer port', async () => {
    let seen: WsUpgradeRequest | undefined;
    const events: string[] = [];
    const handlers: WsHandlers<{ user: string }> = {
      open(ws) {
        events.push(`open:${ws.data.user}`);
        ws.send(`hello ${ws.data.user}`);
      },
      message(ws, data, isBinary) {
        events.push(`message:${String(data)}:${isBinary}`);
        ws.send(data, { binary: isBinary });
      },
      close(ws, code) {
        events.push(`close:${ws.data.user}:${code}`);
      },
    };
    const srv = await startServer((http) =>
      live(http, '/app', handlers, '*', {
        beforeUpgrade: async (req) => {
          seen = req;
          await delay(5); // a session look-up
          if (req.cookies.sid !== 'abc')
            return {
              status: 401,
              headers: { 'WWW-Authenticate': 'Cookie' },
              body: 'who are you?\n',
            };
          return { data: { user: `ada(${req.query.get('room')})` }, headers: { 'X-Hello': 'yes' } };
        },
      }),
    );
    try {
      // Refused: the hook's status, headers and body.
      await assert.rejects(
        open(`${srv.url}/app?room=1`),
        (err: Error & { status?: number; headers?: Record<string, string> }) => {
          assert.equal(err.status, 401);
          assert.equal(err.headers?.['www-authenticate'], 'Cookie');
          return true;
        },
      );
      const answer = await rawExchange(
        srv.port,
        'GET /app?room=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          'Cookie: sid=nope\r\n\r\n',
      );
      assert.match(answer, /^HTTP\/1\.1 401 Unauthorized\r\n/);
      assert.match(answer, /\r\nWWW-Authenticate: Cookie\r\n/i);
      assert.match(answer, /\r\n\r\nwho are you\?\n$/);
      // Accepted: data, extra 101 headers.
      const conn = await open(`${srv.url}/app?room=7`, undefined, {
        headers: { Cookie: 'x=1; sid=abc' },
      });
      assert.equal(conn.headers.get('x-hello'), 'yes');
      const reply = await new Promise<string>((r) => conn.once('message', (d) => r(String(d))));
      assert.equal(reply, 'hello ada(7)');
      assert.ok(seen);
      assert.equal(seen.path, '/app');
      assert.equal(seen.query.get('room'), '7');
      assert.equal(seen.cookies.x, '1');
      assert.equal(seen.headers.get('cookie'), 'x=1; sid=abc');
      assert.equal(seen.remoteAddress, '127.0.0.1');
      assert.equal(seen.remotePort, conn.channel.socket.localPort);
      // The server connection exposes the request too.
      const sc = serverConn(srv.http.name) as WebSocketConnection<{ user: string }>;
      assert.equal(sc.data.user, 'ada(7)');
      assert.equal(sc.path, '/app');
      assert.equal(sc.query.get('room'), '7');
      assert.equal(sc.headers.get('cookie'), 'x=1; sid=abc');
      assert.equal(sc.remotePort, conn.channel.socket.localPort);
      conn.send('ping me back');
      await until(() => events.includes('message:ping me back:false'), 'message');
      conn.close(1000);
      await until(() => events.includes('close:ada(7):1000'), 'close');
      assert.deepEqual(events, ['open:ada(7)', 'message:ping me back:false', 'close:ada(7):1000']);
    } finally {
      await srv.close();
    }
  });

  test('a hook that throws refuses with 500; false refuses with 403', async () => {
    const srv = await startServer((http) => {
      live(http, '/boom', () => {}, '*', {
        beforeUpgrade: () => {
          throw new Error('db down');
        },
      });
      live(http, '/no', () => {}, '*', { beforeUpgrade: () => false });
    });
    try {
      await assert.rejects(open(`${srv.url}/boom`), (e: { status?: number }) => e.status === 500);
      await assert.rejects(open(`${srv.url}/no`), (e: { status?: number }) => e.status === 403);
    } finally {
      await srv.close();
    }
  });

  test('a subprotocol chooser picks one, or declines all and the connection opens without one', async () => {
    const offeredSeen: string[][] = [];
    const srv = await startServer((http) => {
      live(
        http,
        '/pick',
        () => {},
        (offered) => {
          offeredSeen.push([...offered]);
          return offered.find((p) => p.startsWith('v2.'));
        },
      );
      live(
        http,
        '/none',
        () => {},
        () => false,
      );
    });
    try {
      const a = await open(`${srv.url}/pick`, undefined, { protocols: ['v1.chat', 'v2.chat'] });
      assert.equal(a.protocol, 'v2.chat');
      assert.deepEqual(offeredSeen, [['v1.chat', 'v2.chat']]);
      const raw = await RawClient.connect(srv.port, '/none', 'Sec-WebSocket-Protocol: a, b\r\n');
      assert.match(raw.head, /^HTTP\/1\.1 101/);
      assert.doesNotMatch(raw.head, /sec-websocket-protocol/i);
      raw.destroy();
      a.close();
      await a.closed();
    } finally {
      await srv.close();
    }
  });

  test('no hook, no chooser: nothing is made per connection for them', async () => {
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo?x=1`);
      const sc = serverConn(srv.http.name);
      assert.equal(sc.data, undefined);
      assert.equal(sc.query.get('x'), '1');
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });
});

describe("backpressure: 'throttle'", () => {
  test(
    'a client that sends fast and reads slowly is slowed by TCP, not disconnected',
    { timeout: 60_000 },
    async () => {
      const srv = await echoServer({
        ws: {
          deflate: false,
          backpressure: { highWaterBytes: 256 * 1024 },
          maxBufferedBytes: 4 * 1024 * 1024,
        },
      });
      try {
        const raw = await RawClient.connect(srv.port);
        raw.socket.pause(); // reads nothing for now
        const block = Buffer.alloc(64 * 1024, 7);
        const total = 400; // 25 MiB of echoes: far past maxBufferedBytes if the server kept reading
        for (let i = 0; i < total; i++) raw.frame({ opcode: 2, payload: block });
        await until(
          () => [...connections()].some((c) => c.channel.server === srv.http.name),
          'conn',
        );
        const sc = serverConn(srv.http.name);
        await delay(300);
        // The server stopped reading: its send buffer stays bounded, the connection stays open.
        assert.ok(sc.bufferedAmount <= 4 * 1024 * 1024, `buffered ${sc.bufferedAmount}`);
        assert.ok(
          sc.messagesIn < total,
          `read ${sc.messagesIn} of ${total} while the client read nothing`,
        );
        assert.equal(sc.state, 'CONNECTED');
        raw.socket.resume();
        await raw.waitFrames(total, 30_000);
        assert.ok(
          raw.frames
            .slice(0, total)
            .every((f) => f.opcode === 2 && f.payload.length === block.length),
        );
        assert.equal(sc.state, 'CONNECTED');
        assert.equal(sc.messagesIn, total);
        raw.destroy();
      } finally {
        await srv.close();
      }
    },
  );
});
