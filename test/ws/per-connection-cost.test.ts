// What a WebSocket costs per connection (issue 15): keep-alive by one sweep per interval (no timer
// per connection), handshake headers kept as one string and made a list again when asked for,
// the peer address asked of the kernel only when needed, no TCP keep-alive probes under pings,
// no frame receiver until the first bytes, no listener array for a socket's 'end', no wait for the client's FIN after a closing handshake
// (and no shutdown(2) before the close(2) that follows it),
// one net.Socket per connection (the accepted one, lent its reads in place).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, Server as NetServer, Socket } from 'node:net';
import { list, status } from '../../src/channels/index.js';
import { createServer } from '../../src/server/index.js';
import { HandleSocket } from '../../src/io/handle-socket.js';
import { streamBinding } from '../../src/io/stream-binding.js';
import { KA_AWAITING, KA_RX, keepaliveTurn } from '../../src/ws/keepalive.js';
import { encodeFrameMerged } from '../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import { echoPayload } from '../../src/ws/close-handshake.js';
import {
  close,
  configure,
  live,
  lookup,
  open,
  send,
  test as wsTest,
  upgrade,
  type WebSocketConnection,
} from '../../src/ws/index.js';
import { delay, until } from '../helpers/channel-pair.js';
import { echo, RawClient, startServer } from './ws-helpers.js';

/** A client's close frame, code 1000, masked. */
function maskedClose1000(): Buffer {
  return encodeFrameMerged({
    opcode: Opcode.CLOSE,
    payload: Buffer.from([0x03, 0xe8]),
    fin: true,
    rsv1: false,
    maskKey: Buffer.from([1, 2, 3, 4]),
  });
}

/**
 * A raw client that can stay half-open: connects, sends an upgrade request for `path` and
 * resolves once connected (the server may not have answered yet).
 */
async function rawUpgrade(port: number, path: string): Promise<Socket> {
  const s = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(s, 'connect');
  s.write(
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return s;
}

describe('keep-alive sweep', () => {
  test('a turn pings, and times out only when the last ping went unanswered and nothing came', () => {
    assert.equal(keepaliveTurn(0), KA_AWAITING);
    assert.equal(keepaliveTurn(KA_RX), KA_AWAITING);
    assert.equal(keepaliveTurn(KA_AWAITING | KA_RX), KA_AWAITING);
    assert.equal(keepaliveTurn(KA_AWAITING), -1);
  });

  test('twenty connections with keep-alive arm one timer between them, and each is pinged', async () => {
    const realSetInterval = globalThis.setInterval;
    let intervals = 0;
    globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
      intervals++;
      return realSetInterval(...args);
    }) as typeof setInterval;
    const srv = await startServer((http) => live(http, '/echo', echo, '*', { keepalive: '80ms' }));
    try {
      const conns = await Promise.all(Array.from({ length: 20 }, () => open(`${srv.url}/echo`)));
      const pinged = new Set<WebSocketConnection>();
      for (const c of conns) c.on('ping', () => pinged.add(c));
      await until(() => pinged.size === conns.length, 'every connection pinged', 5000);
      // One sweep for the 80 ms interval (a timer per connection would make twenty).
      assert.ok(intervals <= 2, `setInterval called ${intervals} times`);
      for (const c of conns) c.close();
      await Promise.all(conns.map((c) => c.closed()));
    } finally {
      globalThis.setInterval = realSetInterval;
      await srv.close();
    }
  });

  test('connections of different intervals are each pinged at their own pace, and a reconfigured one moves', async () => {
    const srv = await startServer((http) => {
      live(http, '/fast', echo, '*', { keepalive: '40ms' });
      live(http, '/slow', echo, '*', { keepalive: '400ms' });
    });
    try {
      const fast = await open(`${srv.url}/fast`);
      const slow = await open(`${srv.url}/slow`);
      let fastPings = 0;
      let slowPings = 0;
      fast.on('ping', () => fastPings++);
      slow.on('ping', () => slowPings++);
      await until(() => fastPings >= 4, 'four pings on the fast one', 5000);
      assert.ok(slowPings <= 1, `slow pinged ${slowPings} times while fast was pinged 4`);
      // The slow one's server side moves to the fast interval.
      for (const e of list()) {
        const st = status(e.name);
        if ((st as { keepaliveMs?: number }).keepaliveMs === 400)
          configure(e.name, { keepalive: '40ms' });
      }
      const before = slowPings;
      await until(() => slowPings >= before + 3, 'the reconfigured one pinged at 40 ms', 5000);
      fast.close();
      slow.close();
      await Promise.all([fast.closed(), slow.closed()]);
    } finally {
      await srv.close();
    }
  });

  test('a silent peer still times out under the sweep, and an answering one does not', async () => {
    const srv = await startServer((http) => live(http, '/k', echo, '*', { keepalive: '50ms' }));
    try {
      const silent = await RawClient.connect(srv.port, '/k');
      const alive = await open(`${srv.url}/k`);
      assert.equal(await silent.closeCode(3000), 1001);
      await delay(150);
      assert.equal(alive.state, 'CONNECTED');
      alive.close();
      await alive.closed();
    } finally {
      await srv.close();
    }
  });
});

describe('what a server connection keeps', () => {
  test('conn.headers gives the request fields as received, made again from the kept text', async () => {
    let server: WebSocketConnection | undefined;
    const srv = await startServer((http) =>
      live(http, '/h', (sock, type) => {
        if (type === 'connect') server = lookup(sock);
      }),
    );
    try {
      const raw = await RawClient.connect(
        srv.port,
        '/h',
        'X-Trace: a b  \r\nx-trace: c\r\nCookie: k=v\r\n',
      );
      await until(() => server !== undefined, 'connected');
      const h = server!.headers;
      assert.equal(h.get('x-trace'), 'a b, c');
      assert.deepEqual(h.getAll('X-TRACE'), ['a b', 'c']);
      assert.equal(h.get('cookie'), 'k=v');
      assert.equal(h.get('upgrade'), 'websocket');
      assert.equal(server!.headers, h, 'the list is made once');
      const names = [...h].map(([n]) => n);
      assert.deepEqual(names.slice(-3), ['X-Trace', 'x-trace', 'Cookie']);
      raw.socket.destroy();
    } finally {
      await srv.close();
    }
  });

  test('the peer address is still reported, on the request and on the channel, when asked late', async () => {
    let peerSeen = '';
    const srv = await startServer((http) =>
      live(http, '/p', (sock, type) => {
        if (type === 'connect') peerSeen = lookup(sock).remoteAddress ?? '';
      }),
    );
    try {
      const c = await open(`${srv.url}/p`);
      await until(() => peerSeen !== '', 'connect');
      assert.equal(peerSeen, '127.0.0.1');
      const entry = list().find((e) => e.name !== c.name && e.driver === 'http');
      assert.equal(entry?.peer, '127.0.0.1');
      c.close();
      await c.closed();
    } finally {
      await srv.close();
    }
  });

  test('behind a trusted proxy a detached channel keeps the forwarded client, asked or not', async () => {
    const http = createServer({
      name: 'fwd-peer',
      drivers: [{ port: 0 }],
      trustedProxies: ['127.0.0.1'],
    });
    const names: string[] = [];
    http.get('/d', (ctx) => {
      names.push(ctx.detach());
    });
    const [d] = await http.listen();
    try {
      const s = new Socket();
      await new Promise<void>((r) => s.connect(d.port, '127.0.0.1', r));
      s.write('GET /d HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n');
      await until(() => names.length === 1, 'detached');
      assert.equal(
        list({ server: 'fwd-peer' }).find((e) => e.name === names[0])?.peer,
        '203.0.113.7',
      );
      s.destroy();
    } finally {
      await http.close({ graceMs: 100 });
    }
  });

  test('WebSockets with pings turn TCP keep-alive probes off; without pings, and for plain detaches, they stay on', async () => {
    const srv = await startServer((http) => {
      live(http, '/pings', echo);
      live(http, '/quiet', echo, '*', { keepalive: 0 });
      http.get('/plain', (ctx) => {
        ctx.detach();
      });
    });
    // Probes turned on for the server's side of a connection (its local port is the server's).
    let serverProbes = 0;
    // (on either kind of server socket: a bare handle's, or net.Socket)
    const original = Socket.prototype.setKeepAlive;
    const originalHandle = HandleSocket.prototype.setKeepAlive;
    Socket.prototype.setKeepAlive = function (this: Socket, enable?: boolean, delayMs?: number) {
      if (enable === true && this.localPort === srv.port) serverProbes++;
      return original.call(this, enable, delayMs);
    };
    HandleSocket.prototype.setKeepAlive = function (this: HandleSocket, enable, delayMs) {
      if (enable === true && this.localPort === srv.port) serverProbes++;
      return originalHandle.call(this, enable, delayMs);
    };
    try {
      const a = await open(`${srv.url}/pings`);
      await delay(20);
      assert.equal(serverProbes, 0, 'no probes under pings');
      const b = await open(`${srv.url}/quiet`);
      await until(() => serverProbes === 1, 'probes without pings');
      const s = new Socket();
      await new Promise<void>((r) => s.connect(srv.port, '127.0.0.1', r));
      s.write('GET /plain HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => serverProbes === 2, 'probes on a plain detach');
      s.destroy();
      a.close();
      b.close();
      await Promise.all([a.closed(), b.closed()]);
    } finally {
      Socket.prototype.setKeepAlive = original;
      HandleSocket.prototype.setKeepAlive = originalHandle;
      await srv.close();
    }
  });

  test('an idle connection has no receiver yet, reports empty buffers, and then receives normally', async () => {
    let server: WebSocketConnection | undefined;
    const srv = await startServer((http) =>
      live(http, '/r', (sock, type, msg) => {
        if (type === 'connect') server = lookup(sock);
        if (type === 'text') send(sock, 'text', `got ${String(msg)}`);
      }),
    );
    try {
      const raw = await RawClient.connect(srv.port, '/r');
      await until(() => server !== undefined, 'connected');
      const st = status(server!.name);
      assert.equal(st.framebuffer, 0);
      assert.equal(st.fragments, 0);
      // Half a frame, then the rest: the receiver made on the first bytes keeps them.
      const frame = encodeFrameMerged({
        opcode: Opcode.TEXT,
        payload: Buffer.from('hello'),
        fin: true,
        rsv1: false,
        maskKey: Buffer.from([9, 8, 7, 6]),
      });
      raw.raw(frame.subarray(0, 4));
      await delay(20);
      assert.equal(status(server!.name).framebuffer, 4);
      raw.raw(frame.subarray(4));
      await until(() => raw.frames.length === 1, 'the answer');
      assert.equal(Buffer.from(raw.frames[0].payload).toString(), 'got hello');
      raw.socket.destroy();
    } finally {
      await srv.close();
    }
  });

  test("a server connection's socket keeps one 'end' listener, not a two-listener array, and still hears the peer's FIN", async () => {
    let server: WebSocketConnection | undefined;
    const srv = await startServer((http) =>
      live(http, '/e', (sock, type) => {
        if (type === 'connect') server = lookup(sock);
      }),
    );
    try {
      const raw = await RawClient.connect(srv.port, '/e');
      await until(() => server !== undefined, 'connected');
      const socket = server!.channel.socket;
      // Node's own listener (a no-op on a half-open socket) was replaced by the channel's.
      assert.equal(socket.listenerCount('end'), 1);
      const events = (socket as unknown as { _events: Record<string, unknown> })._events;
      assert.equal(typeof events.end, 'function', 'one function, no array');
      // The peer ends its side without a close frame: the channel's listener must see it.
      raw.socket.end();
      await until(() => server!.state === 'CLOSED', 'closed after the FIN', 5000);
    } finally {
      await srv.close();
    }
  });

  test('a connection is served by one socket over the accepted handle (a bare HandleSocket, else the very net.Socket net.Server accepted, lent its reads in place), which reads the lent buffer', async () => {
    let server: WebSocketConnection | undefined;
    const accepted: Socket[] = [];
    // Every socket a net.Server hands out in this test (its 'connection' event).
    const original = NetServer.prototype.emit;
    NetServer.prototype.emit = function (
      this: NetServer,
      event: string | symbol,
      ...args: unknown[]
    ) {
      if (event === 'connection') accepted.push(args[0] as Socket);
      return (original as (this: NetServer, e: string | symbol, ...a: unknown[]) => boolean).call(
        this,
        event,
        ...args,
      );
    } as typeof NetServer.prototype.emit;
    const srv = await startServer((http) =>
      live(http, '/e', (sock, type, msg) => {
        if (type === 'connect') server = lookup(sock);
        if (type === 'text') send(sock, 'text', msg);
      }),
    );
    try {
      const raw = await RawClient.connect(srv.port, '/e');
      await until(() => server !== undefined, 'connected');
      if (streamBinding()) {
        // No net.Socket at accept (net.Server never emitted 'connection'): the bare handle's.
        assert.equal(accepted.length, 0);
      } else {
        const socket = server!.channel.socket;
        assert.equal(accepted.length, 1);
        assert.equal(socket, accepted[0], 'the accepted socket itself');
      }
      // Its reads go to the onread callback (no 'data' chunk of its own per read) and still arrive.
      const socket = server!.channel.socket;
      const fields = socket as unknown as Record<symbol, unknown>;
      const lent = Object.getOwnPropertySymbols(socket).find((k) => k.description === 'kBuffer');
      assert.ok(lent !== undefined && Buffer.isBuffer(fields[lent]), 'reads into a lent buffer');
      raw.frame({ opcode: Opcode.TEXT, payload: 'after the upgrade' });
      const [frame] = await raw.waitFrames(1);
      assert.equal(frame.payload.toString(), 'after the upgrade');
    } finally {
      NetServer.prototype.emit = original;
      await srv.close();
    }
  });

  test('an application limit is still checked at the upgrade, before any frame', async () => {
    let caught: unknown;
    const srv = await startServer((http) => {
      live(http, '/ok', echo);
      http.get('/bad', (ctx) => {
        assert.equal(wsTest(http, ctx, { path: '/ok' }), true);
        try {
          upgrade(ctx, { maxMessageBytes: -1 });
        } catch (err) {
          caught = err;
        }
      });
    });
    try {
      await RawClient.connect(srv.port, '/bad').then(
        (raw) => raw.socket.destroy(),
        () => undefined,
      );
      await until(() => caught !== undefined, 'the upgrade to throw');
      assert.equal((caught as { code?: string }).code, 'ERR_INVALID_OPTION');
    } finally {
      await srv.close();
    }
  });

  test('after the closing handshake the server closes TCP without waiting for the client to end its side', async () => {
    let server: WebSocketConnection | undefined;
    // closeWaitMs far beyond the test: only the new path can close the server's socket in time.
    const srv = await startServer(
      (http) =>
        live(http, '/c', (sock, type) => {
          if (type === 'connect') server = lookup(sock);
        }),
      { http: { channelLimits: { closeWaitMs: 600_000 } } },
    );
    try {
      const s = await rawUpgrade(srv.port, '/c');
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      await until(() => server !== undefined, 'connected');
      s.write(maskedClose1000());
      await once(s, 'end');
      // Our side is still open (half-open client), yet the server's socket is gone.
      assert.equal(s.writable, true);
      await until(() => server!.channel.socket.destroyed, 'the server socket closed', 10_000);
      const bytes = Buffer.concat(got);
      const close = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
      assert.deepEqual([...close], [0x88, 0x02, 0x03, 0xe8], 'the close frame came before the FIN');
      // The client's reset now meets a closed socket: nothing fails on the server.
      s.resetAndDestroy();
      await delay(20);
      assert.equal(server!.readyState, 3);
    } finally {
      await srv.close();
    }
  });

  test('the echo of a 1000/1001 close is one buffer made once, and masked client echoes leave it intact', async () => {
    assert.equal(echoPayload(1000), echoPayload(1000), 'no buffer per close');
    assert.equal(echoPayload(1001), echoPayload(1001));
    const srv = await startServer((http) =>
      live(http, '/c', (sock, type, msg) => {
        if (type === 'text') close(sock, Number(msg));
      }),
    );
    try {
      // Our client answers the server's close with the shared echo, masked on the wire.
      for (const code of [1000, 1001, 1000]) {
        const c = await open(`${srv.url}/c`);
        c.send(String(code));
        const info = await c.closed();
        assert.equal(info.code, code);
      }
      assert.deepEqual([...echoPayload(1000)], [0x03, 0xe8]);
      assert.deepEqual([...echoPayload(1001)], [0x03, 0xe9]);
      // And a server still echoes the right bytes after them.
      const s = await rawUpgrade(srv.port, '/c');
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      s.write(maskedClose1000());
      await once(s, 'end');
      const bytes = Buffer.concat(got);
      assert.deepEqual([...bytes.subarray(bytes.indexOf('\r\n\r\n') + 4)], [0x88, 2, 0x03, 0xe8]);
      s.destroy();
    } finally {
      await srv.close();
    }
  });

  test('after the closing handshake over plain TCP the server closes with close(2) alone: no shutdown(2), no end(), the client still reads the close frame then a FIN', async () => {
    let server: WebSocketConnection | undefined;
    let shutdowns = 0;
    let ends = 0;
    const srv = await startServer((http) =>
      live(http, '/c', (sock, type) => {
        if (type !== 'connect') return;
        server = lookup(sock);
        const socket = server.channel.socket as Socket;
        const handle = (socket as unknown as { _handle: { shutdown: () => number } })._handle;
        const shutdown = handle.shutdown;
        handle.shutdown = function (this: unknown, ...args: unknown[]) {
          shutdowns++;
          return (shutdown as (...a: unknown[]) => number).apply(this, args);
        };
        const end = socket.end;
        socket.end = function (this: Socket, ...args: unknown[]) {
          ends++;
          return (end as (...a: unknown[]) => Socket).apply(this, args);
        } as Socket['end'];
      }),
    );
    try {
      const s = await rawUpgrade(srv.port, '/c');
      let failed: Error | undefined;
      s.on('error', (err) => (failed = err));
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      await until(() => server !== undefined, 'connected');
      s.write(maskedClose1000());
      await once(s, 'end');
      await until(() => server!.readyState === 3, 'the server connection closed');
      const bytes = Buffer.concat(got);
      assert.deepEqual(
        [...bytes.subarray(bytes.indexOf('\r\n\r\n') + 4)],
        [0x88, 0x02, 0x03, 0xe8],
      );
      assert.equal(failed, undefined, 'a FIN, not a reset');
      assert.equal(shutdowns, 0, 'no shutdown(2)');
      assert.equal(ends, 0, 'no end()');
      s.destroy();
    } finally {
      await srv.close();
    }
  });

  test('a chunk that sends one small frame writes it straight (no cork); one that sends small, large and small frames still leaves in one write', async () => {
    let server: WebSocketConnection | undefined;
    let corks = 0;
    let handleWrites = 0;
    const srv = await startServer((http) =>
      live(http, '/c', (sock, type, msg) => {
        if (type === 'connect') {
          server = lookup(sock);
          const socket = server.channel.socket as Socket;
          const cork = socket.cork;
          socket.cork = function (this: Socket) {
            corks++;
            cork.call(this);
          };
          // Every way Node's stream hands bytes to libuv: one call is one write(v) syscall.
          const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
          for (const name of ['writeBuffer', 'writev', 'writeLatin1String', 'writeUtf8String']) {
            const real = handle[name] as (...a: unknown[]) => unknown;
            handle[name] = function (this: unknown, ...args: unknown[]) {
              handleWrites++;
              return real.apply(this, args);
            };
          }
          return;
        }
        if (type !== 'text') return;
        if (msg === 'one') {
          send(sock, 'text', 'one back');
        } else {
          send(sock, 'text', 'small');
          send(sock, 'binary', Buffer.alloc(64 * 1024, 7));
          send(sock, 'text', 'small again');
        }
      }),
    );
    const client = await RawClient.connect(srv.port, '/c');
    try {
      await until(() => server !== undefined, 'connected');
      client.frame({ opcode: Opcode.TEXT, payload: 'one' });
      const [back] = await client.waitFrames(1);
      assert.equal(back.payload.toString(), 'one back');
      assert.equal(corks, 0, 'one small frame: the socket is not corked');
      assert.equal(handleWrites, 1);
      client.frame({ opcode: Opcode.TEXT, payload: 'three' });
      const frames = await client.waitFrames(4);
      assert.deepEqual(
        frames.slice(1).map((f) => f.payload.length),
        [5, 64 * 1024, 11],
        'in order, whole',
      );
      assert.ok(corks >= 1, 'corked when the large frame had to go before the batch ended');
      assert.equal(handleWrites, 2, 'the three frames left in one write');
    } finally {
      client.destroy();
      await srv.close();
    }
  });

  test('a client that reads nothing after its close: the server socket still closes, at once when nothing is queued, within closeWaitMs when a large message is', async () => {
    let conns: WebSocketConnection[] = [];
    const srv = await startServer(
      (http) =>
        live(http, '/c/*', (sock, type) => {
          if (type !== 'connect') return;
          conns.push(lookup(sock));
          if (lookup(sock).path === '/c/big') send(sock, 'binary', Buffer.alloc(8 * 1024 * 1024));
        }),
      { http: { channelLimits: { closeWaitMs: 300 } } },
    );
    try {
      for (const path of ['/c/small', '/c/big']) {
        conns = [];
        const s = await rawUpgrade(srv.port, path);
        s.pause(); // reads nothing, ever
        await until(() => conns.length === 1, 'connected');
        s.write(maskedClose1000());
        await until(() => conns[0].readyState === 3, `${path}: the server socket closed`, 10_000);
        assert.equal(conns[0].channel.socket.destroyed, true, path);
        s.destroy();
      }
    } finally {
      await srv.close();
    }
  });
});
