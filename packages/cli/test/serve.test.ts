import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { serve } from '../src/serve.js';
import { readFileSync } from 'node:fs';

test('serve answers on HTTP and HTTPS with the page, /channels, POST /echo and /stream', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'connchan-serve-'));
  const running = await serve({ httpPort: 0, httpsPort: 0, dataDir, logLevel: 'silent' });
  try {
    assert.equal(running.urls.length, 2);
    assert.ok(
      running.certPath && existsSync(running.certPath),
      'self-signed certificate kept in the data dir',
    );
    const dispatcher = new Agent({ connect: { ca: readFileSync(running.certPath!, 'utf8') } });
    for (const base of running.urls) {
      const get = (path: string, init: Parameters<typeof undiciFetch>[1] = {}) =>
        undiciFetch(new URL(path, base), { ...init, dispatcher });
      const home = await get('/');
      assert.equal(home.status, 200);
      assert.match(await home.text(), /<h1>connchan<\/h1>/);
      const echo = await get('/echo', {
        method: 'POST',
        body: 'ping body',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(await echo.text(), 'ping body');
      const stream = await get('/stream?count=3&interval=20ms');
      const text = await stream.text();
      assert.equal(text.split('\n').filter(Boolean).length, 3);
      assert.match(text, /^tick 1 of 3/);
      const channels = await (await get('/channels')).json();
      assert.ok(Array.isArray(channels));
      assert.equal((await get('/missing')).status, 404);
    }
    await dispatcher.close();
  } finally {
    await running.close(100);
  }
});
