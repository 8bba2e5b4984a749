// Proxies from the environment, opt-in (`envProxy`), as undici's EnvHttpProxyAgent: HTTP_PROXY
// for http (absolute-form), HTTPS_PROXY for https (CONNECT), NO_PROXY exemptions, credentials
// in the proxy URL, and nothing at all unless asked for.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpServer } from '../../src/server/index.js';
import { HttpClient, request, fetch } from '../../src/http-client/index.js';
import { readEnvProxies, envProxyFor } from '../../src/io/proxy/env.js';
import { scriptServer } from './script-server.js';
import { secureOrigin } from './secure-origin.js';
import { tinyProxy } from './tiny-proxy.js';

let tlsServer: HttpServer;
let tlsPort = 0;
let ca = '';

before(async () => {
  ({ server: tlsServer, port: tlsPort, ca } = await secureOrigin('hc-env-proxy-tls'));
});
after(async () => {
  await tlsServer.close({ graceMs: 100 });
});

describe('reading the environment', () => {
  test('HTTP_PROXY / HTTPS_PROXY (lower case first), credentials, NO_PROXY forms', () => {
    const p = readEnvProxies({
      HTTP_PROXY: 'http://upper:1',
      http_proxy: 'http://user:p%40ss@lower:3128',
      HTTPS_PROXY: 'https://secure-proxy',
      NO_PROXY: 'localhost, .internal,example.org:8080 [::1]',
    });
    assert.deepEqual(envProxyFor(p, 'http', 'example.com', 80), {
      host: 'lower',
      port: 3128,
      tls: false,
      authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    });
    assert.deepEqual(envProxyFor(p, 'https', 'example.com', 443), {
      host: 'secure-proxy',
      port: 443,
      tls: true,
    });
    assert.equal(envProxyFor(p, 'http', 'LOCALHOST', 80), undefined);
    assert.equal(envProxyFor(p, 'http', 'db.internal', 80), undefined);
    assert.equal(envProxyFor(p, 'http', 'internal', 80), undefined);
    assert.equal(envProxyFor(p, 'http', 'example.org', 8080), undefined);
    assert.notEqual(envProxyFor(p, 'http', 'example.org', 80), undefined, 'another port');
    assert.equal(envProxyFor(p, 'http', '::1', 80), undefined);
    assert.equal(
      envProxyFor(readEnvProxies({ HTTP_PROXY: 'p:1', NO_PROXY: '*' }), 'http', 'a', 80),
      undefined,
    );
    assert.equal(envProxyFor(readEnvProxies({}), 'http', 'a', 80), undefined);
    assert.equal(envProxyFor(readEnvProxies({ HTTP_PROXY: 'p:1' }), 'https', 'a', 443), undefined);
  });
});

describe('HttpClient({ envProxy })', () => {
  test('off by default: HTTP_PROXY in process.env changes nothing unless envProxy is set', async () => {
    const origin = await scriptServer();
    const proxy = await tinyProxy();
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = `http://127.0.0.1:${proxy.port}`;
    try {
      const plain = new HttpClient();
      assert.equal(
        await (await request(`${origin.url}/a`, { dispatcher: plain })).body.text(),
        'GET /a',
      );
      assert.deepEqual(proxy.lines, [], 'no proxy without envProxy');
      const env = new HttpClient({ envProxy: true });
      assert.equal(
        await (await request(`${origin.url}/b`, { dispatcher: env })).body.text(),
        `GET ${origin.url}/b`,
        'absolute-form through the proxy',
      );
      assert.deepEqual(proxy.lines, [`GET ${origin.url}/b HTTP/1.1`]);
      plain.close();
      env.close();
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
      await proxy.close();
      await origin.close();
    }
  });

  test('http through HTTP_PROXY with the URL’s credentials; NO_PROXY hosts go direct', async () => {
    const origin = await scriptServer();
    const proxy = await tinyProxy(`Basic ${Buffer.from('me:pw').toString('base64')}`);
    const c = new HttpClient({
      envProxy: { HTTP_PROXY: `http://me:pw@127.0.0.1:${proxy.port}`, NO_PROXY: 'localhost' },
    });
    try {
      const t = await c.geturl(`${origin.url}/via`);
      assert.equal(t.body, `GET ${origin.url}/via`);
      assert.equal(t.proxyUsed, 'HttpProxy');
      const res = await fetch(`http://localhost:${origin.port}/direct`, { dispatcher: c });
      assert.equal(await res.text(), 'GET /direct', 'NO_PROXY: direct');
      assert.equal(proxy.lines.length, 1);
    } finally {
      c.close();
      await proxy.close();
      await origin.close();
    }
  });

  test('https through HTTPS_PROXY with CONNECT; configure() re-reads it', async () => {
    const proxy = await tinyProxy();
    const c = new HttpClient({ tls: { ca } });
    try {
      const direct = await request(`https://127.0.0.1:${tlsPort}/secure`, { dispatcher: c });
      assert.equal(await direct.body.text(), 'secret');
      assert.deepEqual(proxy.lines, []);
      c.configure({ envProxy: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } });
      const via = await request(`https://127.0.0.1:${tlsPort}/secure`, { dispatcher: c });
      assert.equal(await via.body.text(), 'secret');
      assert.deepEqual(proxy.lines, [`CONNECT 127.0.0.1:${tlsPort} HTTP/1.1`]);
    } finally {
      c.close();
      await proxy.close();
    }
  });
});
