// WebSocket echo servers for the load comparison: `connchan` or `ws` (ws loads bufferutil and
// utf-8-validate unless WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE say otherwise). Prints the
// port; on SIGUSR2 prints its memory use as JSON (for the per-connection memory figure).
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

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
} else {
  console.error('usage: ws-echo.ts connchan|ws');
  process.exit(2);
}
reportMemoryOnSignal();
process.on('SIGINT', () => process.exit(0));
