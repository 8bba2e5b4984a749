// WebSocket echo servers for the load comparison: `connchan` or `ws` (ws loads bufferutil and
// utf-8-validate unless WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE say otherwise), and `floor`:
// the least a Node server can do per connection (a net.Socket, the 101 answer, nothing else),
// the ceiling any server built on net.Socket can reach in the handshake and memory figures.
// Prints the port; on SIGUSR2 prints its memory use as JSON (for the per-connection memory).
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
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
} else if (kind === 'floor') {
  const held = new Set<unknown>();
  const server = createServer((sock) => {
    sock.on('error', () => {});
    held.add(sock);
    sock.once('close', () => held.delete(sock));
    sock.once('data', (head: Buffer) => {
      const key = /sec-websocket-key: *([^\r]*)/i.exec(head.toString('latin1'))?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
        .digest('base64');
      sock.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      sock.on('data', () => {});
    });
  });
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else {
  console.error('usage: ws-echo.ts connchan|ws|floor');
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
