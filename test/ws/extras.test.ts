// Broadcast, the opening's timeout, and HTTP proxies (CONNECT) for clients.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect as netConnect,
  createServer as netServer,
  type Server,
  type Socket,
} from 'node:net';
import {
  broadcast,
  find,
  live,
  loglevel,
  open,
  type WebSocketConnection,
} from '../../src/ws/index.js';
import { until } from '../helpers/channel-pair.js';
import { echoServer, startServer } from './ws-helpers.js';

/** A minimal CONNECT proxy; `used` counts tunnels. */
async function connectProxy(): Promise<{
  port: number;
  used: () => number;
  close: () => Promise<void>;
}> {
  let used = 0;
  const sockets = new Set<Socket>();
  const server: Server = netServer((client) => {
    sockets.add(client);
    client.once('data', (head) => {
      const m = /^CONNECT ([^ ]+):(\d+) HTTP\/1\.1\r\n/.exec(head.toString('latin1'));
      if (!m) return client.destroy();
      used++;
      const upstream = netConnect({ host: m[1], port: Number(m[2]) }, () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    used: () => used,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('broadcast', () => {
  test('one encoding to many endpoints; closed and unknown ones are skipped', async () => {
    const received: string[] = [];
    const srv = await startServer((http) => live(http, '/b', () => {}));
    try {
      const clients: WebSocketConnection[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await open(`${srv.url}/b`);
        c.on('text', (m: string) => received.push(`${i}:${m}`));
        clients.push(c);
      }
      await until(() => find().filter((s) => s !== '').length >= 10, 'all connected');
      const servers = find().filter((s) => !clients.some((c) => c.name === s));
      assert.equal(servers.length, 5);
      const r = broadcast([...servers, 'no-such-socket'], 'text', 'to all');
      assert.deepEqual(r, { sent: 5, skipped: 1 });
      await until(() => received.length === 5, 'five copies');
      assert.deepEqual(received.sort(), [
        '0:to all',
        '1:to all',
        '2:to all',
        '3:to all',
        '4:to all',
      ]);
      const big = 'B'.repeat(100_000);
      let bigs = 0;
      for (const c of clients) c.on('text', (m: string) => m === big && bigs++);
      broadcast(servers, 'text', big);
      await until(() => bigs === 5, 'five big copies');
      for (const c of clients) c.close();
      await Promise.all(clients.map((c) => c.closed()));
    } finally {
      await srv.close();
    }
  });
});

describe('opening', () => {
  test('the timeout covers the whole opening (a server that never answers)', async () => {
    const silent = netServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const t0 = Date.now();
      await assert.rejects(open(`ws://127.0.0.1:${port}/`, undefined, { timeout: '200ms' }), {
        code: 'ERR_WS_OPEN_TIMEOUT',
      });
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      silent.close();
    }
  });

  test('non-ws URLs are refused', async () => {
    await assert.rejects(open('http://127.0.0.1/'), { code: 'ERR_WS_INVALID_URL' });
  });

  test('through an HTTP proxy given as an option, and from http_proxy (no_proxy honoured)', async () => {
    const srv = await echoServer();
    const proxy = await connectProxy();
    const saved = {
      http_proxy: process.env.http_proxy,
      no_proxy: process.env.no_proxy,
      NO_PROXY: process.env.NO_PROXY,
    };
    try {
      const a = await open(`${srv.url}/echo`, undefined, {
        proxy: `http://127.0.0.1:${proxy.port}`,
      });
      const got = new Promise<string>((r) => a.once('text', r));
      a.send('text', 'via proxy');
      assert.equal(await got, 'via proxy');
      assert.equal(proxy.used(), 1);
      a.close();
      await a.closed();

      process.env.http_proxy = `http://127.0.0.1:${proxy.port}`;
      process.env.no_proxy = '';
      delete process.env.NO_PROXY;
      const b = await open(`${srv.url}/echo`);
      assert.equal(proxy.used(), 2);
      b.close();
      await b.closed();
      process.env.no_proxy = '127.0.0.1';
      const c = await open(`${srv.url}/echo`);
      assert.equal(proxy.used(), 2, 'no_proxy bypasses the proxy');
      c.close();
      await c.closed();
      const d = await open(`${srv.url}/echo`, undefined, { proxy: false });
      d.close();
      await d.closed();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await proxy.close();
      await srv.close();
    }
  });
});

describe('loglevel', () => {
  test('queries and sets; refuses unknown levels', () => {
    assert.equal(loglevel(), 'error');
    assert.equal(loglevel('debug'), 'debug');
    assert.throws(() => loglevel('loud' as never), { code: 'ERR_INVALID_OPTION' });
    loglevel('error');
  });
});
