// The connchan sides of the WebSocket benchmarks: a bare `live()` endpoint with the library's
// defaults (keep-alive pings on, permessage-deflate offered: the load generator asks for none),
// and the demo of `connchan serve` (packages/cli) with its /echo, as the command runs it.
import { openSync, writeSync } from 'node:fs';
import { createServer } from '../../src/server/index.js';
import { live, send } from '../../src/ws/index.js';

export async function startConnchanEcho(): Promise<number> {
  const http = createServer({ name: 'bench-ws', drivers: [{ port: 0 }] });
  live(http, '/echo', (sock, type, msg) => {
    if (type === 'text' || type === 'binary') send(sock, type, msg);
  });
  const [d] = await http.listen();
  return d.port;
}

/**
 * `connchan serve --no-tls --http-port 0`: the demo's routes, dashboard, chat and request log
 * (level info, as the command's default), its log lines going where `connchan serve >
 * /dev/null` would send them (stdout here carries the port and memory figures).
 */
export async function startDemoEcho(): Promise<number> {
  const { serve, batchedLines } = await import('../../packages/cli/src/serve/serve.js');
  const devNull = openSync('/dev/null', 'w');
  const running = await serve({
    httpPort: 0,
    tls: false,
    log: batchedLines((chunk) => writeSync(devNull, chunk)),
  });
  return running.server.drivers[0].port;
}
