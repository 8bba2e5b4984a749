// The examples in examples/ run as documented and print what they promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const cases: [string, RegExp][] = [
  ['examples/detach-echo.ts', /echoed: HELLO, CHANNELS/],
  ['examples/websocket-chat.ts', /bob heard: conn\d+ says: hello, room/],
  [
    'examples/http-client.ts',
    /200 hello fetch\n200 got q=undici\n200 hello ada \| 200 hello tcl\nHTTP\/1\.1 200 OK got q=tcl%20http&n=1/,
  ],
];

for (const [file, expected] of cases) {
  test(`${file} runs`, { timeout: 30_000 }, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.equal(r.status, 0, `${file} exited with ${r.status}: ${r.stderr}`);
    assert.match(r.stdout, expected);
  });
}
