// The connchan sides of the WebSocket benchmarks: a bare `live()` endpoint with the library's
// defaults (keep-alive pings on, permessage-deflate offered: the load generator asks for none),
// and the demo of `connchan serve` (packages/cli) with its /echo, as the command runs it.
// Run from another checkout (BENCH_CWD, see server-load.ts), they load that checkout's code.
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const fromCheckout = <T>(path: string): Promise<T> =>
  import(pathToFileURL(join(process.cwd(), path)).href) as Promise<T>;

export async function startConnchanEcho(): Promise<number> {
  const { createServer } =
    await fromCheckout<typeof import('../../src/server/index.js')>('src/server/index.ts');
  const { live, send } =
    await fromCheckout<typeof import('../../src/ws/index.js')>('src/ws/index.ts');
  const http = createServer({ name: 'bench-ws', drivers: [{ port: 0 }] });
  live(http, '/echo', (sock, type, msg) => {
    if (type === 'text' || type === 'binary') send(sock, type, msg);
  });
  const [d] = await http.listen();
  return d.port;
}

/**
 * `connchan serve --no-tls --http-port 0`: the demo's routes, dashboard, chat and request log
 * (level info, as the command's default), its log lines batched as the command batches them
 * (serve-cli.ts) and going where `connchan serve > /dev/null` would send them: stdout here
 * carries the port and memory figures, and a stdout on a file is written with `writeSync`.
 */
export async function startDemoEcho(): Promise<number> {
  const { serve, batchedLines } = await fromCheckout<
    typeof import('../../packages/cli/src/serve/serve.js')
  >('packages/cli/src/serve/serve.ts');
  const devNull = openSync('/dev/null', 'w');
  const running = await serve({
    httpPort: 0,
    tls: false,
    // An older checkout without batched lines: a write per line, as it did.
    log:
      typeof batchedLines === 'function'
        ? batchedLines((chunk) => writeSync(devNull, chunk))
        : (line: string) => writeSync(devNull, `${line}\n`),
  });
  return running.server.drivers[0].port;
}
