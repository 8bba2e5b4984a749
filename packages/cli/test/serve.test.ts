// `connchan serve`: the demo's endpoints on HTTP and HTTPS, its assets and favicon, the request
// log at info and debug in text and JSON, and the command line's options and config file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { open } from 'connchan/ws';
import { serveOptions } from '../src/serve/serve-cli.js';
import { batchedLines, LOG_BATCH_CHARS, LOG_FLUSH_MS } from '../src/serve/serve.js';
import { CommandLineError } from '../src/args.js';
import { startDemo } from './helpers.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';

test('serve answers on HTTP and HTTPS: the page, its assets, the favicon, /channels, POST /echo and /stream', async () => {
  const running = await startDemo();
  try {
    assert.equal(running.urls.length, 2);
    const dispatcher = new Agent({ connect: { ca: readFileSync(running.certPath!, 'utf8') } });
    for (const base of running.urls) {
      const get = (path: string, init: Parameters<typeof undiciFetch>[1] = {}) =>
        undiciFetch(new URL(path, base), { ...init, dispatcher });
      const home = await get('/');
      assert.equal(home.status, 200);
      const html = await home.text();
      assert.match(html, /<h1>connchan<\/h1>/);
      assert.match(html, /<link rel="icon" href="\/favicon\.svg"/);
      for (const src of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
        const asset = await get(src[1]);
        assert.equal(asset.status, 200, src[1]);
        await asset.arrayBuffer();
      }
      const app = await get('/assets/app.js');
      assert.equal(app.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.match(await app.text(), /import \{ createDashboard \} from '\.\/dashboard\.js'/);
      for (const icon of ['/favicon.svg', '/favicon.ico']) {
        const r = await get(icon);
        assert.equal(r.headers.get('content-type'), 'image/svg+xml');
        assert.match(await r.text(), /^<svg/);
      }
      assert.equal((await get('/assets/nothing.js')).status, 404);
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
      assert.ok(Array.isArray(await (await get('/channels')).json()));
      assert.equal((await get('/missing')).status, 404);
    }
    await dispatcher.close();
  } finally {
    await running.close(100);
  }
});

test('serve --log-level info: one line per request and per channel close; debug adds the upgrades, detaches and headers; json for machines', async () => {
  for (const [level, format] of [
    ['info', 'text'],
    ['debug', 'text'],
    ['info', 'json'],
    ['debug', 'json'],
  ] as const) {
    const lines: string[] = [];
    const running = await startDemo({
      tls: false,
      logLevel: level,
      logFormat: format,
      log: (l) => lines.push(l),
    });
    try {
      const [http] = running.urls;
      await (
        await undiciFetch(`${http}channels`, { headers: { 'user-agent': 'log-test/1' } })
      ).text();
      await (await undiciFetch(`${http}stream?count=2&interval=10ms`)).text();
      const ws = await open(`${http.replace('http', 'ws')}echo?viewer=v1`);
      ws.close(1000);
      await ws.closed();
      const deadline = Date.now() + 5000;
      while (lines.filter((l) => /close/.test(l)).length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const log = lines.join('\n');
      if (format === 'json') {
        const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        const request = events.find((e) => e.event === 'request' && e.path === '/channels')!;
        assert.equal(request.method, 'GET');
        assert.equal(request.status, 200);
        assert.equal(request.peer, '127.0.0.1');
        assert.ok((request.bytes as number) > 100 && typeof request.durationMs === 'number');
        const closes = events.filter((e) => e.event === 'close');
        assert.deepEqual(closes.map((e) => e.endpoint).sort(), ['/echo', '/stream']);
        const wsClose = closes.find((e) => e.endpoint === '/echo')!;
        assert.match(wsClose.channel as string, /^conn\d+$/);
        assert.equal(wsClose.websocket, true);
        // A channel's address is asked of its socket at debug only (a system call per life).
        assert.equal(wsClose.peer, level === 'debug' ? '127.0.0.1' : undefined);
        assert.ok((wsClose.sent as number) > 0 && (wsClose.received as number) > 0);
        const upgrade = events.find((e) => e.event === 'upgrade');
        const detach = events.find((e) => e.event === 'detach');
        if (level === 'debug') {
          assert.equal(upgrade?.status, 101);
          assert.equal(upgrade?.path, '/echo?viewer=v1');
          assert.equal(upgrade?.channel, wsClose.channel);
          assert.equal(detach?.path, '/stream?count=2&interval=10ms');
        } else {
          // At info, a detached connection is one line: its close.
          assert.equal(upgrade, undefined);
          assert.equal(detach, undefined);
        }
      } else {
        assert.match(log, /^\S+Z 127\.0\.0\.1 GET \/channels 200 \d+B [\d.]+ms driver=http( |$)/m);
        const upgrade =
          /^\S+Z 127\.0\.0\.1 GET \/echo\?viewer=v1 upgrade 101 channel=conn\d+ [\d.]+ms/m;
        const detach =
          /^\S+Z 127\.0\.0\.1 GET \/stream\?count=2&interval=10ms detach channel=conn\d+/m;
        if (level === 'debug') {
          assert.match(log, upgrade);
          assert.match(log, detach);
        } else {
          assert.doesNotMatch(log, / upgrade 101 | detach /);
        }
        const peer = level === 'debug' ? '127\\.0\\.0\\.1' : '-';
        assert.match(
          log,
          new RegExp(
            `^\\S+Z ${peer} close channel=conn\\d+ endpoint=/echo websocket=true sent=\\d+ received=\\d+ [\\d.]+ms`,
            'm',
          ),
        );
        assert.match(log, /close channel=conn\d+ endpoint=\/stream sent=\d+ received=0/);
        if (level === 'debug') {
          assert.match(log, /version=HTTP\/1\.1 userAgent=log-test\/1/);
          assert.match(log, /^ {4}user-agent: log-test\/1$/m);
          assert.match(log, /kind=detached driver=http/);
        } else {
          assert.doesNotMatch(log, /userAgent|user-agent/);
        }
      }
    } finally {
      await running.close(100);
    }
  }
  const quiet: string[] = [];
  const running = await startDemo({ tls: false, logLevel: 'silent', log: (l) => quiet.push(l) });
  await (await undiciFetch(`${running.urls[0]}channels`)).text();
  await running.close(100);
  assert.deepEqual(quiet, []);
});

test('the log batches lines: full batches of about LOG_BATCH_CHARS leave at once, no line waits longer than LOG_FLUSH_MS, none lost, in order; flush writes what waits', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const writes: string[] = [];
  const log = batchedLines((chunk) => writes.push(chunk.toString()));
  log('alone');
  log('two');
  t.mock.timers.tick(LOG_FLUSH_MS - 1);
  assert.equal(writes.length, 0, 'lines wait for more');
  t.mock.timers.tick(1);
  assert.deepEqual(writes, ['alone\ntwo\n'], 'one write, LOG_FLUSH_MS after the first line');
  // A storm of 1000 lines of 101 characters: each full batch leaves at once, the rest on time,
  // and the storm arms one timer, not one per batch.
  writes.length = 0;
  const sent: string[] = [];
  const armed = t.mock.method(globalThis, 'setTimeout');
  for (let i = 0; i < 1000; i++) {
    const line = `${String(i).padStart(6, '0')} ${'x'.repeat(93)}`;
    sent.push(line);
    log(line);
  }
  armed.mock.restore();
  assert.equal(armed.mock.callCount(), 1);
  const full = Math.floor((sent.length * 101) / LOG_BATCH_CHARS);
  assert.equal(writes.length, full);
  assert.ok(writes.every((w) => w.length >= LOG_BATCH_CHARS && w.length < LOG_BATCH_CHARS + 101));
  t.mock.timers.tick(LOG_FLUSH_MS);
  assert.equal(writes.length, full + 1);
  assert.equal(writes.join(''), sent.map((l) => `${l}\n`).join(''));
  // flush writes what waits at once (the command calls it at stop and at exit), and nothing
  // when nothing waits; the timer of the flushed lines writes nothing more.
  writes.length = 0;
  log('last');
  log.flush();
  assert.deepEqual(writes, ['last\n']);
  log.flush();
  t.mock.timers.tick(LOG_FLUSH_MS);
  assert.deepEqual(writes, ['last\n']);
  // Lines are UTF-8, whatever they hold; a line too long for a batch (a debug line with large
  // headers) leaves on its own, after the lines before it, and nothing is cut.
  writes.length = 0;
  const long = `GET /big ${'h'.repeat(3 * LOG_BATCH_CHARS)}`;
  for (const line of ['grüße 👋', long, 'after']) log(line);
  log.flush();
  assert.equal(writes.join(''), `grüße 👋\n${long}\nafter\n`);
  assert.deepEqual(writes[0], 'grüße 👋\n');
});

test('serve options: flags over the config file over the defaults; bad values are usage errors', () => {
  const dir = tempDir('connchan-serve-config-');
  const config = join(dir, 'serve.json');
  writeFileSync(
    config,
    JSON.stringify({
      httpPort: 9000,
      host: '0.0.0.0',
      logFormat: 'json',
      trustedProxies: ['10.0.0.0/8'],
    }),
  );
  assert.deepEqual(serveOptions(['--config', config, '--http-port', '9100', '--no-tls']), {
    httpPort: 9100,
    host: '0.0.0.0',
    logFormat: 'json',
    trustedProxies: ['10.0.0.0/8'],
    tls: false,
  });
  assert.match(String(serveOptions(['--help'])), /Usage: connchan serve/);
  assert.deepEqual(serveOptions(['--workers', 'auto', '--redis', 'redis://10.0.0.5:6379']), {
    workers: 'auto',
    redis: 'redis://10.0.0.5:6379',
  });
  assert.deepEqual(serveOptions(['--workers', '3']), { workers: 3 });
  const usage = (args: string[], message: RegExp) =>
    assert.throws(
      () => serveOptions(args),
      (e: unknown) => e instanceof CommandLineError && message.test(e.message),
    );
  usage(
    ['--http-port', 'eighty'],
    /--http-port must be a whole number from 0 to 65535, not "eighty"/,
  );
  usage(['--log-level', 'loud'], /--log-level must be one of silent, info, debug/);
  usage(['--log-format', 'xml'], /--log-format must be one of text, json/);
  usage(['--cert', 'c.pem'], /--cert and --key go together/);
  usage(['--port', '1'], /Unknown option '--port'/);
  usage(['--workers', 'many'], /--workers takes a number from 0 to 1024 or "auto", not "many"/);
  writeFileSync(config, JSON.stringify({ httpPorts: 1 }));
  usage(['--config', config], /unknown key "httpPorts"/);
  writeFileSync(config, JSON.stringify({ httpPort: '80' }));
  usage(['--config', config], /"httpPort" must be a number/);
});
