// A hello-world server for the wrk comparison: `connchan` (ours), `node` (node:http) or `floor`
// (plain node:net), keep-alive, answering GET / with a short text body. Prints its port on stdout.
import { createServer as createNodeServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createServer } from '../../src/server/index.js';

// As the other bench servers: tsx turns source maps on, and a reset connection's error would pay
// for a mapped stack trace, which compiled JavaScript in production does not.
process.setSourceMapsEnabled(false);
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
} else if (kind === 'floor') {
  // The Node floor: the least a keep-alive server on net.Socket can do. No parsing: each CRLF
  // CRLF ends a request, answered with a canned response (the Date field cached per second), the
  // answers to one chunk's requests in one write. What any Node HTTP server can reach at best.
  const HEAD_END = Buffer.from('\r\n\r\n');
  let dateSecond = 0;
  let response = Buffer.alloc(0);
  const answer = (): Buffer => {
    const second = Math.floor(Date.now() / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      response = Buffer.from(
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n' +
          `Date: ${new Date(second * 1000).toUTCString()}\r\n\r\n${BODY}`,
        'latin1',
      );
    }
    return response;
  };
  const onConnection = (socket: Socket) => {
    socket.setNoDelay(true);
    // Bytes of a head end seen at the end of the last chunk (a CRLFCRLF split across chunks).
    let carry: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      let count = 0;
      let from = 0;
      if (carry.length > 0) {
        const joint = Buffer.concat([carry, chunk.subarray(0, 3)]);
        const at = joint.indexOf(HEAD_END);
        if (at >= 0) {
          count++;
          from = at + 4 - carry.length;
        }
      }
      for (let at = chunk.indexOf(HEAD_END, from); at >= 0; at = chunk.indexOf(HEAD_END, from)) {
        count++;
        from = at + 4;
      }
      carry = chunk.subarray(Math.max(from, chunk.length - 3));
      if (count === 1) socket.write(answer());
      else if (count > 1) socket.write(Buffer.concat(Array(count).fill(answer())));
    });
    socket.on('error', () => socket.destroy());
  };
  const server = createNetServer(onConnection);
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else {
  console.error('usage: hello.ts connchan|node|floor');
  process.exit(2);
}
process.on('SIGINT', () => process.exit(0));
