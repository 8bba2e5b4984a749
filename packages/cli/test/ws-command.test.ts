// `connchan ws` against the demo server: non-interactive (--execute) and with lines on stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../src/serve.js';

// The CLI from source, whatever the working directory.
const RUN_TS = fileURLToPath(new URL('../src/run.ts', import.meta.url));

function run(args: string[], stdin?: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_TS, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  if (stdin !== undefined) child.stdin.end(stdin);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

test(
  'connchan ws: --execute sends and prints the echoes; stdin lines and commands work',
  { timeout: 60_000 },
  async () => {
    const running = await serve({
      httpPort: 0,
      httpsPort: 0,
      dataDir: mkdtempSync(join(tmpdir(), 'connchan-ws-cli-')),
      logLevel: 'silent',
    });
    try {
      const [http, https] = running.urls;
      const wsUrl = `${http.replace('http:', 'ws:')}echo`;
      const a = await run(['ws', wsUrl, '-x', 'hello', '-x', 'world']);
      assert.equal(a.code, 0, a.out);
      assert.match(a.out, /\[connected/);
      assert.match(a.out, /< hello\n< world/);

      const wssUrl = `${https.replace('https:', 'wss:')}echo`;
      const b = await run(
        ['ws', wssUrl, '--ca', running.certPath!],
        'line one\n/ping hi\n/binary 00ff\n',
      );
      assert.equal(b.code, 0, b.out);
      assert.match(b.out, /< line one/);
      assert.match(b.out, /< pong hi/);
      assert.match(b.out, /< binary 2 bytes: 00ff/);

      const c = await run(['ws', wsUrl.replace('/echo', '/nowhere'), '-x', 'x']);
      assert.notEqual(c.code, 0);
      assert.match(c.out, /404/);
    } finally {
      await running.close(200);
    }
  },
);
