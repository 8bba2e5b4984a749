// Bun's servers, the native bar of the server rows (run by the `bun` binary of the npm package,
// never by Node): `ws` is a WebSocket echo on Bun.serve (uWebSockets underneath) with Bun's
// defaults (idle timeout and pings on, no compression), `hello` the hello-world of the wrk row.
// Prints the port; on SIGUSR2 prints its memory use as JSON, like ws-echo.ts.

interface BunServerWebSocket {
  send(data: string | Uint8Array): number;
}
interface BunServer {
  port: number;
  upgrade(req: Request): boolean;
}
interface BunGlobal {
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: Request, server: BunServer): Response | undefined;
    websocket?: {
      message(ws: BunServerWebSocket, message: string | Uint8Array): void;
      maxPayloadLength?: number;
    };
  }): BunServer;
  gc(force: boolean): void;
}

const Bun = (globalThis as unknown as { Bun?: BunGlobal }).Bun;
if (Bun === undefined) {
  console.error('bun.ts runs under Bun (node_modules/.bin/bun bench/servers/bun.ts ws|hello)');
  process.exit(2);
}
const kind = process.argv[2];
const BODY = 'Hello, World!';
let server: BunServer;
if (kind === 'ws') {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (req, srv) =>
      srv.upgrade(req) ? undefined : new Response('upgrade only', { status: 400 }),
    websocket: {
      message(ws, message) {
        ws.send(message);
      },
      maxPayloadLength: 100 * 1024 * 1024,
    },
  });
} else if (kind === 'hello') {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(BODY, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } }),
  });
} else {
  console.error('usage: bun.ts ws|hello');
  process.exit(2);
}
console.log(server.port);
process.on('SIGUSR2', () => {
  Bun.gc(true);
  const m = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
  );
});
process.on('SIGINT', () => process.exit(0));
