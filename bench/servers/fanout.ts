// Fan-out servers for `npm run bench fanout`: `connchan` (topics, joined to Redis when
// REDIS_URL is set) or `socketio` (socket.io 4 with @socket.io/redis-adapter when REDIS_URL is
// set), the same load shape on both. Every WebSocket subscribes (connchan: /t/fan; socket.io:
// its default namespace); then
//   GET /burst?n=N&size=S  publishes N messages of S bytes, each starting with its number
//   GET /rate?secs=S       publishes one message per millisecond for S seconds, carrying
//                          "T<send time in µs since the epoch>" (cross-node latency)
//   GET /list              (connchan) times a cluster-wide list and answers {ms, count}
// Prints its port; on SIGUSR2 prints {rss, peakRss} (peak from /proc: VmHWM).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import {
  createServer as createNodeServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { wallOffsetMs } from './wall-clock.js';

process.setSourceMapsEnabled(false);
const require = createRequire(import.meta.url);
const kind = process.argv[2];
const redisUrl = process.env.REDIS_URL;
const port = Number(process.env.PORT ?? 0);

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
process.on('SIGUSR2', () => {
  process.stdout.write(
    `${JSON.stringify({ rss: process.memoryUsage().rss, peakRss: peakRss() })}\n`,
  );
});

/** The i-th message of a burst: its number, then filler to `size` bytes. */
function message(i: number, size: number): string {
  const head = String(i).padStart(9, '0');
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

let wallOffset = 0;

function timed(size: number): string {
  const us = Math.round((wallOffset + performance.now()) * 1000);
  const head = `T${us}`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

/** The common HTTP triggers; `publish` sends one message to every subscriber. */
function triggers(
  publish: (text: string) => void,
): (path: string, answer: (status: number, body: string) => void) => boolean {
  return (path, answer) => {
    const url = new URL(path, 'http://x');
    if (url.pathname === '/burst') {
      const n = Number(url.searchParams.get('n') ?? 1000);
      const size = Number(url.searchParams.get('size') ?? 64);
      for (let i = 0; i < n; i++) publish(message(i, size));
      answer(200, 'ok');
      return true;
    }
    if (url.pathname === '/rate') {
      wallOffset = wallOffsetMs();
      const end = Date.now() + Number(url.searchParams.get('secs') ?? 5) * 1000;
      const timer = setInterval(() => {
        if (Date.now() > end) clearInterval(timer);
        else publish(timed(64));
      }, 1);
      answer(200, 'ok');
      return true;
    }
    return false;
  };
}

if (kind === 'connchan') {
  const { createServer } = await import('../../src/server/index.js');
  const { live, lookup } = await import('../../src/ws/index.js');
  const cluster = await import('../../src/cluster/index.js');
  if (redisUrl) await cluster.joinCluster({ broker: redisUrl, node: process.env.NODE_ID });
  const http = createServer({
    name: 'bench-fanout',
    drivers: [{ host: '127.0.0.1', port }],
    limits: { maxConnections: 200_000 },
  });
  live(
    http,
    '/t/*',
    (...args) => {
      if (args[1] === 'connect') cluster.subscribe(lookup(args[0]), 'fan');
    },
    '*',
    { deflate: false, keepalive: 0 },
  );
  const handle = triggers((text) => cluster.publish('fan', text));
  http.get('/list', async (ctx) => {
    const t0 = performance.now();
    const local = ctx.query.get('local') === '1';
    const count = (await cluster.list({ cluster: !local, timeoutMs: 10_000 })).length;
    ctx.sendJson({ ms: performance.now() - t0, count });
  });
  http.get('/*', (ctx) => {
    if (!handle(ctx.path + (ctx.url.search ?? ''), (status, body) => ctx.send(body, status)))
      ctx.send('no', 404);
  });
  const [d] = await http.listen();
  console.log(d.port);
} else if (kind === 'socketio') {
  const { Server } = require('socket.io') as typeof import('socket.io');
  const holder: { io?: import('socket.io').Server } = {};
  const handle = triggers((text) => holder.io?.emit('m', text));
  const http = createNodeServer((req: IncomingMessage, res: ServerResponse) => {
    if (!handle(req.url ?? '/', (status, body) => res.writeHead(status).end(body)))
      res.writeHead(404).end();
  });
  const io = new Server(http, {
    transports: ['websocket'],
    perMessageDeflate: false,
    serveClient: false,
  });
  if (redisUrl) {
    const { createAdapter } =
      require('@socket.io/redis-adapter') as typeof import('@socket.io/redis-adapter');
    const { createClient } = require('redis') as typeof import('redis');
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
  }
  holder.io = io;
  http.listen(port, '127.0.0.1', () => console.log((http.address() as AddressInfo).port));
} else {
  console.error('usage: fanout.ts connchan|socketio');
  process.exit(2);
}
