// A hello-world server for the wrk comparison: `connchan` (ours), `node` (node:http) or `floor`
// (plain node:net, hello-floor.ts), keep-alive, answering GET / with a short text body. Prints
// its port on stdout. Run from another checkout (BENCH_CWD), `connchan` loads that checkout's code.
import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// As the other bench servers: tsx turns source maps on, and a reset connection's error would pay
// for a mapped stack trace, which compiled JavaScript in production does not.
process.setSourceMapsEnabled(false);
const kind = process.argv[2];
const BODY = 'Hello, World!';

if (kind === 'connchan') {
  const { createServer } = (await import(
    pathToFileURL(join(process.cwd(), 'src/server/index.ts')).href
  )) as typeof import('../../src/server/index.js');
  const server = createServer({ drivers: [{ port: 0 }] });
  server.get('/', (ctx) => ctx.send(BODY));
  const [d] = await server.listen();
  console.log(d.port);
} else if (kind === 'node') {
  const server = createNodeServer((req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': BODY.length,
    });
    res.end(BODY);
  });
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else if (kind === 'floor') {
  // The Node floor (hello-floor.ts): no parsing, shared read buffer, one write per read.
  const { startHelloFloor } = await import('./hello-floor.js');
  console.log(await startHelloFloor());
} else {
  console.error('usage: hello.ts connchan|node|floor');
  process.exit(2);
}
process.on('SIGINT', () => process.exit(0));
