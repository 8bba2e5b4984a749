import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { status } from '../../src/channels/index.js';
import {
  close,
  conninfo,
  find,
  live,
  open,
  send,
  type WebSocketConnection,
  type WsConnectionEvent,
} from '../../src/ws/index.js';
import { testCert } from '../helpers/tls.js';
import { until } from '../helpers/channel-pair.js';
import { echo, echoServer, startServer } from './ws-helpers.js';

/** Collects a connection's events; `next(type)` waits for the next of that type. */
function collect(conn: WebSocketConnection): {
  events: WsConnectionEvent[];
  next: (t: string) => Promise<WsConnectionEvent>;
} {
  const events: WsConnectionEvent[] = [];
  let seen = 0;
  for (const t of [
    'text',
    'binary',
    'ping',
    'pong',
    'close',
    'disconnect',
    'error',
    'timeout',
  ] as const) {
    conn.on(t, (data: unknown) => events.push({ type: t, data } as WsConnectionEvent));
  }
  return {
    events,
    async next(t) {
      await until(() => events.slice(seen).some((e) => e.type === t), `event ${t}`, 5000);
      const i = events.findIndex((e, k) => k >= seen && e.type === t);
      seen = i + 1;
      return events[i];
    },
  };
}

describe('client ↔ server round trips', () => {
  test('text, binary, empty, unicode; handler gets connect first; counters in status', async () => {
    const srv = await echoServer();
    const seen: string[] = [];
    try {
      const conn = await open(`${srv.url}/echo`, (_sock, type, _msg) => void seen.push(type));
      const ev = collect(conn);
      // open() resolves once connected; dispatch begins on the next turn of the event loop, so
      // whatever is attached after the await hears 'connect' too.
      assert.equal(conn.state, 'CONNECTED');
      assert.deepEqual(seen, []);
      await until(() => seen.length > 0, 'connect');
      assert.deepEqual(seen, ['connect']);
      assert.ok(send(conn.name, 'text', 'héllo ✓') > 0);
      assert.equal((await ev.next('text')).data, 'héllo ✓');
      send(conn, 'binary', Buffer.from([0, 1, 2, 255]));
      assert.deepEqual((await ev.next('binary')).data, Buffer.from([0, 1, 2, 255]));
      send(conn, 'text', '');
      assert.equal((await ev.next('text')).data, '');
      const st = status(conn.name) as unknown as Record<string, unknown>;
      assert.equal(st.websocket, true);
      assert.equal(st.wsRole, 'client');
      assert.equal(st.messagesOut, 3);
      assert.equal(st.messagesIn, 3);
      close(conn.name);
      const info = await conn.closed();
      // The server echoes the code without a reason: the close info is the peer's close frame.
      assert.deepEqual(info, { code: 1000, reason: '', wasClean: true });
      assert.equal(seen.at(-1), 'disconnect');
      assert.throws(() => send(conn.name, 'text', 'x'), { code: 'ERR_WS_UNKNOWN_SOCKET' });
      assert.equal(send(conn, 'text', 'x'), -1);
    } finally {
      await srv.close();
    }
  });

  test('1 MiB binary and 1 MiB text, with and without compression', async () => {
    for (const deflate of [false, true]) {
      const srv = await echoServer();
      try {
        const conn = await open(`${srv.url}/echo`, undefined, { deflate });
        const ev = collect(conn);
        assert.equal(conn.compressed, deflate);
        const big = randomBytes(1 << 20);
        send(conn, 'binary', big);
        assert.ok(((await ev.next('binary')).data as Buffer).equals(big));
        const text = 'abcdefghij'.repeat(104858);
        send(conn, 'text', text);
        assert.equal((await ev.next('text')).data, text);
        conn.close();
        await conn.closed();
      } finally {
        await srv.close();
      }
    }
  });

  test('compression parameters: no context takeover and small windows both ways', async () => {
    const srv = await echoServer({
      ws: { deflate: { clientMaxWindowBits: 10 }, deflateThreshold: 0 },
    });
    try {
      const conn = await open(`${srv.url}/echo`, undefined, {
        deflate: {
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          serverMaxWindowBits: 9,
        },
        deflateThreshold: 0,
      });
      assert.equal(
        conn.extensions,
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10',
      );
      const got: string[] = [];
      conn.on('text', (m: string) => got.push(m));
      const msgs = ['a', 'repeat repeat repeat', 'repeat repeat repeat', 'x'.repeat(5000), ''];
      for (const m of msgs) send(conn, 'text', m);
      await until(() => got.length === msgs.length, 'echoes');
      assert.deepEqual(got, msgs);
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });

  test('fragmented sends arrive as one message; mixing types is refused', async () => {
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo`);
      const ev = collect(conn);
      await until(() => conn.state === 'CONNECTED', 'connected');
      send(conn, 'text', 'Hel', false);
      assert.throws(() => send(conn, 'binary', 'x', false), { code: 'ERR_WS_INVALID_TYPE' });
      send(conn, 'text', 'lo ', false);
      send(conn, 'ping', 'between');
      send(conn, 'text', 'world');
      assert.equal((await ev.next('text')).data, 'Hello world');
      // The ping went out between fragments, so its pong may come before the echo.
      assert.ok(ev.events.some((e) => e.type === 'pong' && e.data.equals(Buffer.from('between'))));
      assert.throws(() => send(conn, 0, 'x'), { code: 'ERR_WS_INVALID_TYPE' });
      assert.throws(() => send(conn, 'nonsense', 'x'), { code: 'ERR_WS_INVALID_TYPE' });
      assert.throws(() => send(conn, 'ping', Buffer.alloc(126)), {
        code: 'ERR_WS_CONTROL_TOO_LONG',
      });
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });

  test('close codes and reasons both ways; reason cut to 123 bytes', async () => {
    let serverSock = '';
    const serverEvents: [string, unknown][] = [];
    const srv = await startServer((http) =>
      live(http, '/c', (sock, type, msg) => {
        serverEvents.push([type, msg]);
        if (type === 'connect') serverSock = sock;
        if (type === 'text' && msg === 'close me') close(sock, 4001, 'server says bye');
      }),
    );
    try {
      const a = await open(`${srv.url}/c`);
      await until(() => serverSock !== '', 'server connect');
      send(a, 'text', 'close me');
      assert.deepEqual(await a.closed(), { code: 4001, reason: 'server says bye', wasClean: true });

      serverSock = '';
      const b = await open(`${srv.url}/c`);
      await until(() => serverSock !== '', 'server connect');
      assert.throws(() => b.close(1004), { code: 'ERR_WS_INVALID_CLOSE_CODE' });
      assert.throws(() => b.close(999), { code: 'ERR_WS_INVALID_CLOSE_CODE' });
      b.close(4999, 'é'.repeat(100));
      const info = await b.closed();
      assert.equal(info.code, 4999);
      await until(
        () => serverEvents.filter(([t]) => t === 'disconnect').length === 2,
        'server disconnect',
      );
      const closeEv = serverEvents.filter(([t]) => t === 'close').at(-1)?.[1] as {
        code: number;
        reason: string;
      };
      assert.equal(closeEv.code, 4999);
      assert.equal(Buffer.byteLength(closeEv.reason), 122); // 61 two-byte characters fit in 123 bytes
    } finally {
      await srv.close();
    }
  });

  test('wss:// with a test certificate; conninfo and find', async () => {
    const srv = await echoServer({ tls: true });
    const cert = await testCert();
    try {
      const conn = await open(`wss://localhost:${srv.port}/echo`, undefined, {
        tls: { ca: cert.cert },
      });
      const ev = collect(conn);
      await until(() => conn.state === 'CONNECTED', 'connected');
      send(conn, 'text', 'secure');
      assert.equal((await ev.next('text')).data, 'secure');
      assert.equal(conninfo(conn, 'type'), 'client');
      assert.equal(conninfo(conn, 'client'), 1);
      assert.equal(conninfo(conn, 'server'), 0);
      assert.equal(conninfo(conn, 'peername'), 'localhost');
      assert.equal(conninfo(conn, 'sockname'), '127.0.0.1');
      assert.equal(conninfo(conn, 'state'), 'CONNECTED');
      assert.equal(conninfo(conn, 'closed'), 0);
      assert.ok(find('localhost').includes(conn.name));
      assert.ok(find('127.0.0.*', String(srv.port)).includes(conn.name));
      assert.ok(!find('10.*').includes(conn.name));
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  });

  test('async iteration yields events in order and ends after disconnect', async () => {
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo`);
      const got: string[] = [];
      const done = (async () => {
        for await (const ev of conn) {
          got.push(ev.type === 'text' ? `text:${ev.data}` : ev.type);
          if (ev.type === 'text' && ev.data === '3') conn.close();
        }
      })();
      await until(() => conn.state === 'CONNECTED', 'connected');
      for (const m of ['1', '2', '3']) send(conn, 'text', m);
      await done;
      assert.deepEqual(got, ['connect', 'text:1', 'text:2', 'text:3', 'close', 'disconnect']);
    } finally {
      await srv.close();
    }
  });

  test('subprotocol selection by glob; echo via handler', async () => {
    const srv = await startServer((http) => {
      live(http, '/p', echo, 'chat.v[12]');
      live(http, '/room[0-9]/ws', echo);
    });
    try {
      const conn = await open(`${srv.url}/p`, undefined, {
        protocols: ['chat.v3', 'chat.v2', 'chat.v1'],
      });
      assert.equal(conn.protocol, 'chat.v2');
      conn.close();
      await conn.closed();
      await assert.rejects(
        open(`${srv.url}/p`, undefined, { protocols: ['other'] }),
        (err: Error & { status?: number }) => err.status === 400,
      );
      // As tcllib: a client offering no subprotocol is accepted by any endpoint of the path.
      const none = await open(`${srv.url}/p`);
      assert.equal(none.protocol, '');
      none.close();
      await none.closed();
      // Tcl glob sets in paths: routed by prefix, matched exactly by test().
      const room = await open(`${srv.url}/room7/ws`);
      room.close();
      await room.closed();
      await assert.rejects(
        open(`${srv.url}/roomX/ws`),
        (err: Error & { status?: number }) => err.status === 404,
      );
      await assert.rejects(
        open(`${srv.url}/nowhere`),
        (err: Error & { status?: number }) => err.status === 404,
      );
    } finally {
      await srv.close();
    }
  });
});
