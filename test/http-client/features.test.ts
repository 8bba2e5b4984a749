// HTTPS, transports (register/unregister/registerError), proxies (absolute-form and CONNECT),
// posterror, Expect: 100-continue, the cookie-jar hook, 101 hand-off, and channel listing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as netServer } from 'node:net';
import type { HttpServer } from '../../src/server/index.js';
import { ChannelTable } from '../../src/channels/channel-table.js';
import {
  HttpClient,
  register,
  unregister,
  registerError,
  defaultTransport,
  wait,
  type CookieJar,
} from '../../src/http-client/index.js';
import { dial } from '../../src/io/dial.js';
import { scriptServer } from './script-server.js';
import { secureOrigin } from './secure-origin.js';
import { tinyProxy } from './tiny-proxy.js';
import { listenLocal } from '../helpers/listen.js';

let tlsServer: HttpServer;
let tlsPort = 0;
let ca = '';

before(async () => {
  ({ server: tlsServer, port: tlsPort, ca } = await secureOrigin('hc-tls'));
});
after(async () => {
  await tlsServer.close({ graceMs: 100 });
});

describe('https and transports', () => {
  test('https is registered by default and verifies certificates', async () => {
    const c = new HttpClient();
    const url = `https://127.0.0.1:${tlsPort}/secure`;
    await assert.rejects(c.geturl(url), { code: 'ERR_TLS_HANDSHAKE' });
    const ok = new HttpClient({ tls: { ca } });
    const t = await ok.geturl(url);
    assert.equal(t.body, 'secret');
    const insecure = new HttpClient({ tls: { insecure: true } });
    assert.equal((await insecure.geturl(url)).status, 'ok');
  });

  test('register a scheme with its default port; unregister returns it; registerError gives the message', async () => {
    const s = await scriptServer();
    let used = 0;
    const entry = register('myproto', s.port, (o) => {
      used++;
      return dial({ host: o.host, port: o.port, timeoutMs: o.timeoutMs });
    });
    assert.equal(entry.port, s.port);
    const c = new HttpClient();
    const t = await c.geturl('myproto://127.0.0.1/x');
    assert.equal(t.body, 'GET /x');
    assert.equal(used, 1);
    register('failing', 9, (o) => {
      registerError(`${o.host}:${o.port}`, 'the failing transport says no');
      return Promise.reject(new Error('generic'));
    });
    await assert.rejects(c.geturl('failing://127.0.0.1/'), /the failing transport says no/);
    assert.equal(registerError('nobody:1'), '');
    assert.equal(unregister('myproto').port, s.port);
    assert.throws(() => unregister('myproto'), { code: 'ERR_HTTP_CLIENT_NOT_REGISTERED' });
    assert.throws(() => c.geturl('myproto://127.0.0.1/x'), {
      code: 'ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME',
    });
    unregister('failing');
    const https = unregister('https');
    assert.throws(() => c.geturl('https://127.0.0.1/'), {
      code: 'ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME',
    });
    register('https', 443, https.connect, { secure: true });
    assert.equal(defaultTransport('https').port, 443);
    await s.close();
  });
});

describe('proxies', () => {
  test('http:// through a proxy uses the absolute form, with Proxy-Authorization (proxyauth)', async () => {
    const origin = await scriptServer();
    const proxy = await tinyProxy('Basic eDp5');
    const c = new HttpClient({
      proxyhost: '127.0.0.1',
      proxyport: proxy.port,
      proxyauth: 'Basic eDp5',
      keepalive: true,
    });
    const t = await c.geturl(`${origin.url}/via`);
    assert.equal(t.status, 'ok');
    assert.equal(t.body, `GET ${origin.url}/via`);
    assert.equal(t.proxyUsed, 'HttpProxy');
    assert.equal(proxy.lines[0], `GET ${origin.url}/via HTTP/1.1`);
    const direct = new HttpClient({
      proxyhost: '127.0.0.1',
      proxyport: proxy.port,
      proxynot: ['127.0.0.*'],
    });
    const d = await direct.geturl(`${origin.url}/direct`);
    assert.equal(d.body, 'GET /direct');
    assert.equal(d.proxyUsed, 'none');
    const f = new HttpClient({
      proxyfilter: () => ['127.0.0.1', proxy.port],
      proxyauth: 'Basic eDp5',
    });
    assert.equal((await f.geturl(`${origin.url}/filtered`)).body, `GET ${origin.url}/filtered`);
    c.close();
    await proxy.close();
    await origin.close();
  });

  test('https:// through a proxy uses a CONNECT tunnel; a refusal is handed back as the response', async () => {
    const proxy = await tinyProxy('Basic eDp5');
    const c = new HttpClient({
      proxyhost: '127.0.0.1',
      proxyport: proxy.port,
      proxyauth: 'Basic eDp5',
      tls: { ca },
    });
    const t = await c.geturl(`https://127.0.0.1:${tlsPort}/secure`);
    assert.equal(t.body, 'secret');
    assert.equal(t.proxyUsed, 'SecureProxy');
    assert.equal(proxy.lines[0], `CONNECT 127.0.0.1:${tlsPort} HTTP/1.1`);
    const noAuth = new HttpClient({ proxyhost: '127.0.0.1', proxyport: proxy.port, tls: { ca } });
    const r = await noAuth.geturl(`https://127.0.0.1:${tlsPort}/secure`);
    assert.equal(r.status, 'ok');
    assert.equal(r.ncode, 407);
    assert.equal(r.proxyUsed, 'SecureProxyFailed');
    assert.ok(r.meta.some(([k]) => k === 'Proxy-Authenticate'));
    await proxy.close();
  });
});

describe('uploads, cookies, upgrade, channels', () => {
  test('posterror: the server answers before the upload is done; status ok', async () => {
    const s = netServer((sock) => {
      let seen = '';
      sock.on('error', () => {});
      sock.on('data', (d) => {
        if (seen.includes('\r\n\r\n')) return;
        seen += d.toString('latin1');
        if (seen.includes('\r\n\r\n'))
          sock.end('HTTP/1.1 413 Too Big\r\nContent-Length: 7\r\nConnection: close\r\n\r\ntoo big');
      });
    });
    const port = await listenLocal(s);
    const big = Buffer.alloc(8 * 1024 * 1024, 1);
    const c = new HttpClient();
    const t = c.geturl(`http://127.0.0.1:${port}/up`, {
      query: big,
      queryprogress: () => {},
      command: () => {},
    });
    await wait(t);
    assert.equal(t.ncode, 413);
    assert.equal(t.status, 'ok');
    assert.equal(t.body, 'too big');
    assert.notEqual(t.posterror, '');
    assert.ok(t.queryoffset < big.length);
    await new Promise((r) => s.close(r));
  });

  test('Expect: 100-continue: waits for 100 (or a final answer) before the body', async () => {
    const raw = netServer((sock) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.includes('\r\n\r\n') && !buf.includes('#sent100')) {
          const head = buf.slice(0, buf.indexOf('\r\n\r\n'));
          if (/Expect: 100-continue/i.test(head) && !buf.slice(buf.indexOf('\r\n\r\n') + 4)) {
            buf += '#sent100';
            if (head.includes('/refuse'))
              sock.end(
                'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
              );
            else sock.write('HTTP/1.1 100 Continue\r\n\r\n');
          }
        }
        const m = /Content-Length: (\d+)/i.exec(buf);
        const bodyStart = buf.indexOf('\r\n\r\n') + 4;
        const body = buf.slice(bodyStart).replace('#sent100', '');
        if (m && body.length >= Number(m[1]))
          sock.end(
            `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
      });
    });
    const port = await listenLocal(raw);
    const c = new HttpClient({ expectContinueBytes: 10 });
    const t = await c.geturl(`http://127.0.0.1:${port}/ok`, { query: 'x'.repeat(100) });
    assert.equal(t.body, 'x'.repeat(100));
    assert.ok(t.requestHeaders.some(([k, v]) => k === 'Expect' && v === '100-continue'));
    const small = await c.geturl(`http://127.0.0.1:${port}/ok`, { query: 'x' });
    assert.ok(
      !small.requestHeaders.some(([k]) => k === 'Expect'),
      'below the threshold: no Expect',
    );
    const refused = await c.geturl(`http://127.0.0.1:${port}/refuse`, { query: 'y'.repeat(100) });
    assert.equal(refused.ncode, 417);
    assert.equal(refused.queryoffset, 0, 'the body was never sent');
    await new Promise((r) => raw.close(r));
  });

  test('cookiejar hook: asked before the request, told of every Set-Cookie', async () => {
    const s = await scriptServer(() => ({ headers: { 'Set-Cookie': 'a=1; Path=/' } }));
    const stored: [string, string][] = [];
    const jar: CookieJar = {
      getCookies: (scheme, host, path) => (path === '/c' ? `sid=${scheme}-${host}` : undefined),
      storeCookie: (v, url) => stored.push([v, url]),
    };
    const c = new HttpClient({ cookiejar: jar });
    await c.geturl(`${s.url}/c?x=1`);
    assert.equal(s.log[0].headers.find(([k]) => k === 'Cookie')?.[1], 'sid=http-127.0.0.1');
    assert.deepEqual(stored, [['a=1; Path=/', `${s.url}/c?x=1`]]);
    await s.close();
  });

  test('101 Switching Protocols: the token gets the channel and the bytes after the head', async () => {
    const s = await scriptServer(() => ({
      raw: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nhello',
    }));
    const c = new HttpClient({ keepalive: true });
    const t = await c.geturl(`${s.url}/up`, { headers: { Connection: 'Upgrade', Upgrade: 'x' } });
    assert.equal(t.ncode, 101);
    assert.equal(t.connectionRequest, 'Upgrade, close');
    assert.ok(t.upgradeChannel);
    assert.equal(Buffer.concat(t.upgradeData ?? []).toString(), 'hello');
    t.upgradeChannel.destroy();
    await s.close();
  });

  test('client connections are channels listed in the table of the configured server', async () => {
    const s = await scriptServer();
    const c = new HttpClient({ keepalive: true, server: 'hc-list' });
    await c.geturl(`${s.url}/x`);
    const list = ChannelTable.of('hc-list').list();
    assert.equal(list.length, 1);
    assert.equal(list[0].driver, 'http');
    c.close();
    assert.equal(ChannelTable.of('hc-list').list().length, 0);
    await s.close();
  });

  test('connectTimeoutMs covers the TLS handshake: a server that never answers it', async () => {
    const held = new Set<import('node:net').Socket>();
    const silent = netServer((sock) => {
      held.add(sock);
      sock.on('error', () => {});
    });
    const port = await listenLocal(silent);
    const c = new HttpClient({ connectTimeoutMs: 100 });
    const t0 = Date.now();
    await assert.rejects(c.geturl(`https://127.0.0.1:${port}/`), { code: 'ERR_CONNECT_TIMEOUT' });
    assert.ok(Date.now() - t0 < 1000);
    const c2 = new HttpClient({ connectTimeoutMs: 300 });
    const t = await c2.geturl(`https://127.0.0.1:${port}/`, { timeout: 50 });
    assert.equal(t.status, 'timeout', 'the geturl timeout covers connecting too');
    await new Promise((r) => setTimeout(r, 350));
    for (const sock of held) sock.destroy();
    await new Promise((r) => silent.close(r));
  });

  test('maxPipelineDepth bounds the requests written ahead', async () => {
    const s = await scriptServer(() => ({ delayMs: 10 }));
    const c = new HttpClient({ maxConnectionsPerOrigin: 1, maxPipelineDepth: 3 });
    const tokens = Array.from({ length: 12 }, (_, i) =>
      c.geturl(`${s.url}/r${i}`, { command: () => {} }),
    );
    await Promise.all(tokens.map((t) => wait(t)));
    assert.ok(tokens.every((t, i) => t.body === `GET /r${i}`));
    assert.equal(s.maxInFlight, 3);
    c.close();
    await s.close();
  });

  test('expectContinue option: without a 100 the body goes after expectContinueTimeoutMs', async () => {
    const s = await scriptServer();
    const c = new HttpClient({ expectContinueTimeoutMs: 150 });
    const t0 = Date.now();
    const t = await c.geturl(`${s.url}/p`, { query: 'hello', expectContinue: true });
    assert.ok(Date.now() - t0 >= 140, 'waited for the 100');
    assert.equal(t.body, 'POST /p');
    assert.equal(s.log[0].body, 'hello');
    assert.equal(s.log[0].headers.find(([k]) => k === 'Expect')?.[1], '100-continue');
    await s.close();
  });
});
