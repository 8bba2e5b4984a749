// WebSocket echo servers for the load comparison: `connchan` (a bare live() endpoint), `demo`
// (`connchan serve`'s /echo), `ws` (it loads bufferutil and utf-8-validate unless
// WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE say otherwise), and `floor`: the least a Node server
// can do and still echo (net-floor.ts), and `ceiling`: the socket work alone, not a valid echo
// (net-ceiling.ts). Bun's server is bun.ts, run by Bun.
// Prints the port; on SIGUSR2 prints its memory use as JSON (for the per-connection memory).
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';

// tsx turns source maps on, and every stack trace is then mapped: a client that resets its
// connection costs each server an error whose stack Node's streams read. Users run compiled
// JavaScript, so the servers here measure without that.
process.setSourceMapsEnabled(false);

const require = createRequire(import.meta.url);
const kind = process.argv[2];

function reportMemoryOnSignal(): void {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.stdout.write(
      `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
    );
  });
}

if (kind === 'ws') {
  const { WebSocketServer } = require('ws') as typeof import('ws');
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    maxPayload: 100 * 1024 * 1024,
  });
  wss.on('connection', (sock) => {
    sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
  });
  wss.on('listening', () => console.log((wss.address() as AddressInfo).port));
} else if (kind === 'connchan') {
  const { startConnchanEcho } = await import('./ws-echo-connchan.js');
  console.log(await startConnchanEcho());
} else if (kind === 'demo') {
  const { startDemoEcho } = await import('./ws-echo-connchan.js');
  console.log(await startDemoEcho());
} else if (kind === 'floor') {
  const { startNetFloor } = await import('./net-floor.js');
  console.log(await startNetFloor());
} else if (kind === 'ceiling') {
  const { startNetCeiling } = await import('./net-ceiling.js');
  console.log(await startNetCeiling());
} else {
  console.error('usage: ws-echo.ts connchan|demo|ws|floor|ceiling');
  process.exit(2);
}
reportMemoryOnSignal();
// Where per-connection memory goes: BENCH_SNAPSHOT=file makes SIGHUP write a heap snapshot there.
const snapshotFile = process.env.BENCH_SNAPSHOT;
if (snapshotFile) {
  process.on('SIGHUP', () => {
    globalThis.gc?.();
    console.error(writeHeapSnapshot(snapshotFile));
  });
}
process.on('SIGINT', () => process.exit(0));
