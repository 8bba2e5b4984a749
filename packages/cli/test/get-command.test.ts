// `connchan get` against the demo server: a GET, a POST body, saving to a file (with the
// progress bar drawn when stderr is a terminal), verbose heads, redirects and --fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { serve } from '../src/serve.js';
import { runGetCommand, type GetCommandOptions } from '../src/get-command.js';

function capture(tty = false) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), {
    isTTY: tty,
    columns: 80,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
  let out = Buffer.alloc(0);
  let err = '';
  stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

const base: GetCommandOptions = { header: [] };

test(
  'connchan get: GET, POST, -o with a progress bar on a terminal, -v, -L and -f',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connchan-get-'));
    const running = await serve({ httpPort: 0, httpsPort: 0, dataDir: dir, logLevel: 'silent' });
    running.server.get('/big', (ctx) =>
      ctx.send(Buffer.alloc(3 * 1024 * 1024, 0x61), 200, 'application/octet-stream'),
    );
    running.server.get('/moved', (ctx) => ctx.status(302).header('Location', '/big').end());
    try {
      const [http, https] = running.urls;
      const a = capture();
      assert.equal(
        await runGetCommand(`${https}channels`, { ...base, ca: running.certPath }, a.io),
        0,
      );
      assert.ok(Array.isArray(JSON.parse(a.out().toString())));

      const b = capture();
      assert.equal(
        await runGetCommand(
          `${http}echo`,
          { ...base, data: 'posted text', header: ['Content-Type: text/plain'], verbose: true },
          b.io,
        ),
        0,
      );
      assert.equal(b.out().toString(), 'posted text');
      assert.match(b.err(), /> POST \/echo HTTP\/1\.1/);
      assert.match(b.err(), /< HTTP\/1\.1 200 OK/);

      const file = join(dir, 'upload.bin');
      writeFileSync(file, Buffer.alloc(100_000, 7));
      const c = capture();
      assert.equal(
        await runGetCommand(
          `${http}echo`,
          { ...base, dataFile: file, request: 'POST', output: join(dir, 'back.bin') },
          c.io,
        ),
        0,
      );
      assert.deepEqual(readFileSync(join(dir, 'back.bin')), readFileSync(file));

      const d = capture(true);
      const out = join(dir, 'big.bin');
      assert.equal(
        await runGetCommand(`${http}moved`, { ...base, output: out, location: true }, d.io),
        0,
      );
      assert.equal(readFileSync(out).length, 3 * 1024 * 1024);
      assert.match(d.err(), /100%/, 'the progress bar reached 100% on the terminal');

      const e = capture();
      assert.equal(await runGetCommand(`${http}missing`, { ...base, fail: true }, e.io), 22);
      const f = capture();
      assert.equal(await runGetCommand('http://127.0.0.1:1/', { ...base, timeout: '1s' }, f.io), 7);
      assert.match(f.err(), /refused/);
    } finally {
      await running.close(200);
    }
  },
);
