// A hello-world server for the wrk comparison: `connchan` (ours) or `node` (node:http),
// keep-alive, answering GET / with a short text body. Prints its port on stdout.
import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/server/index.js';

const kind = process.argv[2];
const BODY = 'Hello, World!';

if (kind === 'connchan') {
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
} else {
  console.error('usage: hello.ts connchan|node');
  process.exit(2);
}
process.on('SIGINT', () => process.exit(0));
