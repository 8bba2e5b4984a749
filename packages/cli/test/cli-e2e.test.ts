// The CLI end to end: `connchan serve` started as a process answers on both ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';

// The CLI from source, whatever the working directory.
const RUN_TS = fileURLToPath(new URL('../src/run.ts', import.meta.url));

test('connchan serve starts, prints its URLs, answers on HTTP and HTTPS, and stops on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'connchan-cli-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      RUN_TS,
      'serve',
      '--http-port',
      '0',
      '--https-port',
      '0',
      '--data-dir',
      dataDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 15_000;
    while (!/Ctrl-C/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const urls = [...out.matchAll(/(https?:\/\/127\.0\.0\.1:\d+\/)/g)].map((m) => m[1]);
    assert.equal(urls.length, 2, out);
    const certPath = /HTTPS uses (\S+)/.exec(out)![1];
    const dispatcher = new Agent({ connect: { ca: readFileSync(certPath, 'utf8') } });
    for (const url of urls) {
      const r = await undiciFetch(url, { dispatcher });
      assert.equal(r.status, 200);
      assert.match(await r.text(), /connchan/);
    }
    await dispatcher.close();
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, `exit code after SIGTERM; output: ${out}`);
  }
});
