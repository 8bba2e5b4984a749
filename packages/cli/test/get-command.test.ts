// `connchan get` against the demo server and a few misbehaving peers: the body as it arrives,
// the heads, the progress line on a terminal (known and unknown length), curl's exit codes with
// the partial body kept, and proxies from the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGet, type GetOptions } from '../src/get/get-command.js';
import { capture, startDemo } from './helpers.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';

const base: GetOptions = { headers: [] };

test('connchan get: the body, POST bodies, heads (-v, -i, -I), redirects (-L) and files (-o)', async () => {
  const dir = tempDir('connchan-get-');
  const running = await startDemo();
  running.server.get('/big', (ctx) =>
    ctx.send(Buffer.alloc(3 * 1024 * 1024, 0x61), 200, 'application/octet-stream'),
  );
  running.server.get('/moved', (ctx) => ctx.status(302).header('Location', '/big').end('moved'));
  try {
    const [http, https] = running.urls;
    const a = capture();
    assert.equal(await runGet(`${https}channels`, { ...base, ca: running.certPath }, a.io), 0);
    assert.ok(Array.isArray(JSON.parse(a.out().toString())));

    const b = capture();
    const posted = { ...base, data: 'posted text', headers: [['Content-Type', 'text/plain']] };
    assert.equal(await runGet(`${http}echo`, { ...posted, verbose: true } as GetOptions, b.io), 0);
    assert.equal(b.out().toString(), 'posted text', '-v leaves stdout to the body');
    assert.match(b.err(), /^> POST \/echo HTTP\/1\.1$/m);
    assert.match(b.err(), /^< HTTP\/1\.1 200 OK$/m);

    const c = capture();
    assert.equal(await runGet(`${http}echo`, { ...posted, include: true } as GetOptions, c.io), 0);
    assert.match(c.out().toString(), /^HTTP\/1\.1 200 OK\r\n(.+\r\n)+\r\nposted text$/);

    const d = capture();
    assert.equal(await runGet(`${http}`, { ...base, head: true }, d.io), 0);
    assert.match(d.out().toString(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Type: text\/html/);
    assert.doesNotMatch(d.out().toString(), /<html/);

    const file = join(dir, 'upload.bin');
    writeFileSync(file, Buffer.alloc(100_000, 7));
    const e = capture();
    const back = join(dir, 'back.bin');
    const upload = { ...base, dataFile: file, method: 'POST', output: back };
    assert.equal(await runGet(`${http}echo`, { ...upload, verbose: true }, e.io), 0);
    assert.deepEqual(readFileSync(back), readFileSync(file));
    // As curl's --data-binary: a form type unless -H gives one.
    assert.match(e.err(), /^> Content-Type: application\/x-www-form-urlencoded$/im);

    // -L: the redirect's own body is not part of the output; the progress line reaches 100 %.
    const f = capture({ stderr: true });
    const big = join(dir, 'big.bin');
    assert.equal(await runGet(`${http}moved`, { ...base, output: big, maxRedirects: 10 }, f.io), 0);
    assert.equal(readFileSync(big).length, 3 * 1024 * 1024);
    assert.match(f.err(), /\[#+\] 100%\s+3\.0 MiB \/ 3\.0 MiB/);
    const g = capture();
    assert.equal(await runGet(`${http}moved`, base, g.io), 0, 'without -L: the 302 itself');
    assert.equal(g.out().toString(), 'moved');
    const h = capture();
    assert.equal(await runGet(`${http}moved`, { ...base, maxRedirects: 1 }, h.io), 0);
    assert.equal(h.out().length, 3 * 1024 * 1024);

    // A URL without a scheme is http://.
    const i = capture();
    assert.equal(await runGet(`${http.slice('http://'.length)}channels`, base, i.io), 0);
    assert.ok(Array.isArray(JSON.parse(i.out().toString())));
  } finally {
    await running.close(200);
  }
});

test('connchan get: a body of unknown length streams out as it arrives, with bytes and rate on a terminal', async () => {
  const running = await startDemo();
  try {
    const [http] = running.urls;
    const c = capture({ stderr: true });
    const seen: { at: number; text: string }[] = [];
    c.io.stdout.on('data', (d: Buffer) => seen.push({ at: Date.now(), text: d.toString() }));
    const started = Date.now();
    const code = await runGet(`${http}stream?count=4&interval=250ms`, base, c.io);
    const ended = Date.now();
    assert.equal(code, 0);
    assert.equal(c.out().toString().split('\n').filter(Boolean).length, 4);
    assert.ok(seen.length >= 4, 'each tick was written as it came');
    assert.ok(
      seen[0].at < ended - 400,
      `the first tick was out ${seen[0].at - started} ms after the start, the whole body took ${ended - started} ms`,
    );
    // Unknown length: no bar, no percentage; bytes, a rate, the time spent.
    assert.match(c.err(), /\d+ B\s+\d+(\.\d)? (B|KiB)\/s\s+0:0\d/);
    assert.doesNotMatch(c.err(), /%/);
    const quiet = capture({ stderr: true });
    await runGet(`${http}stream?count=2&interval=10ms`, { ...base, silent: true }, quiet.io);
    assert.equal(quiet.err(), '', '-s draws nothing');
    const toTerminal = capture({ stderr: true, stdout: true });
    await runGet(`${http}stream?count=2&interval=10ms`, base, toTerminal.io);
    assert.equal(toTerminal.err(), '', 'no progress line over a body shown on the terminal');
  } finally {
    await running.close(200);
  }
});

test("connchan get: curl's exit codes, the partial body kept", async () => {
  const dir = tempDir('connchan-get-codes-');
  const running = await startDemo();
  // Peers that break off: 10 bytes of a promised 100, and no reply at all.
  const cut = createNetServer((s) => {
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789'));
  });
  const silent = createNetServer((s) => s.once('data', () => s.end()));
  cut.listen(0, '127.0.0.1');
  silent.listen(0, '127.0.0.1');
  await Promise.all([once(cut, 'listening'), once(silent, 'listening')]);
  const portOf = (s: typeof cut) => (s.address() as AddressInfo).port;
  try {
    const [http, https] = running.urls;
    const a = capture();
    assert.equal(await runGet(`${http}missing`, { ...base, fail: true }, a.io), 22);
    assert.equal(a.out().length, 0, '-f prints no body');
    assert.match(a.err(), /returned error: 404/);
    const a2 = capture();
    assert.equal(await runGet(`${http}missing`, base, a2.io), 0, 'without -f a 404 is a success');

    const b = capture();
    assert.equal(await runGet('http://127.0.0.1:1/', base, b.io), 7);
    assert.match(b.err(), /refused/);

    const out = join(dir, 'ticks.txt');
    const c = capture();
    const slow = { ...base, output: out, timeoutMs: 700 };
    assert.equal(await runGet(`${http}stream?count=20&interval=200ms`, slow, c.io), 28);
    const kept = readFileSync(out, 'utf8');
    assert.match(kept, /^tick 1 of 20/, 'what arrived before the timeout is kept');
    assert.ok(kept.split('\n').filter(Boolean).length < 20);

    const d = capture();
    assert.equal(await runGet(`http://127.0.0.1:${portOf(cut)}/`, base, d.io), 18);
    assert.equal(d.out().toString(), '0123456789');
    assert.match(d.err(), /90 bytes outstanding/);

    const e = capture();
    assert.equal(await runGet(`http://127.0.0.1:${portOf(silent)}/`, base, e.io), 52);

    const f = capture();
    assert.equal(await runGet(`${https}channels`, base, f.io), 60, 'self-signed, not trusted');
    const g = capture();
    assert.equal(await runGet(`${https}channels`, { ...base, insecure: true }, g.io), 0);

    const h = capture();
    assert.equal(await runGet('http://exa mple/', base, h.io), 3);
    const i = capture();
    assert.equal(await runGet(`${http}missing`, { ...base, fail: true, silent: true }, i.io), 22);
    assert.equal(i.err(), '', '-s hides the message');
    const j = capture();
    const loud = { ...base, fail: true, silent: true, showError: true };
    assert.equal(await runGet(`${http}missing`, loud, j.io), 22);
    assert.match(j.err(), /404/, '-S shows it again');
  } finally {
    cut.close();
    silent.close();
    await running.close(200);
  }
});

test('connchan get: HTTP_PROXY, HTTPS_PROXY (CONNECT), NO_PROXY, -x and --noproxy', async () => {
  const running = await startDemo();
  const seen: string[] = [];
  // A forward proxy: absolute-form requests answered by fetching through it, CONNECT tunnelled.
  const proxy = createHttpServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    const upstream = netConnect(Number(target.port), target.hostname, () => {
      upstream.write(
        `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`,
      );
    });
    const parts: Buffer[] = [];
    upstream.on('data', (d: Buffer) => parts.push(d));
    upstream.on('end', () => {
      const text = Buffer.concat(parts).toString();
      res.setHeader('Via', 'test-proxy');
      res.end(text.slice(text.indexOf('\r\n\r\n') + 4));
    });
  });
  proxy.on('connect', (req: IncomingMessage, client) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  try {
    const [http, https] = running.urls;
    const a = capture({}, { HTTP_PROXY: proxyUrl });
    assert.equal(await runGet(`${http}channels`, { ...base, include: true }, a.io), 0);
    assert.deepEqual(seen, [`GET ${http}channels`]);
    assert.match(a.out().toString(), /Via: test-proxy/);

    const b = capture({}, { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
    assert.equal(await runGet(`${http}channels`, base, b.io), 0);
    assert.equal(seen.length, 1, 'NO_PROXY: direct');

    const c = capture({}, { HTTPS_PROXY: proxyUrl });
    const trusted = { ...base, ca: running.certPath };
    assert.equal(await runGet(`${https}channels`, trusted, c.io), 0);
    assert.equal(seen[1], `CONNECT ${new URL(https).host}`);
    assert.ok(Array.isArray(JSON.parse(c.out().toString())));

    const d = capture();
    assert.equal(await runGet(`${http}channels`, { ...base, proxy: proxyUrl }, d.io), 0);
    assert.equal(seen[2], `GET ${http}channels`, '-x');
    const e = capture({}, { HTTP_PROXY: proxyUrl });
    assert.equal(await runGet(`${http}channels`, { ...base, noproxy: '*' }, e.io), 0);
    assert.equal(seen.length, 3, '--noproxy');
  } finally {
    proxy.close();
    await running.close(200);
  }
});
