// The server side of the soak test, in its own process so that its memory is measured alone:
// prints nothing; answers the parent's IPC messages with its port and its memory use.
import { createServer } from '../../src/server/index.js';
import { testCert } from '../helpers/tls.js';

const secure = process.argv[2] === 'tls';
const cert = secure ? await testCert() : undefined;
const server = createServer({
  name: 'soak',
  drivers: [{ port: 0, tls: cert ? { cert: cert.cert, key: cert.key } : undefined }],
});
const body = 'x'.repeat(2048);
server.get('/r', (ctx) => ctx.send(body));
server.get('/ping', (ctx) => ctx.send('pong'));
const [d] = await server.listen();

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (msg: string) => {
  if (msg === 'memory') {
    gc?.();
    const m = process.memoryUsage();
    process.send?.({ rss: m.rss, heap: m.heapUsed, external: m.external });
  } else if (msg === 'stop') {
    void server.close({ graceMs: 50 }).then(() => process.exit(0));
  }
});
process.send?.({ port: d.port, ca: cert?.cert });
