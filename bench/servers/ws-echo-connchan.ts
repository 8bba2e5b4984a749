// The connchan side of the WebSocket echo benchmark: a live endpoint on connchan's server that
// sends every message back. Compression off, as on the ws side.
import { createServer } from '../../src/server/index.js';
import { live, send } from '../../src/ws/index.js';

export async function startConnchanEcho(): Promise<number> {
  const http = createServer({
    name: 'bench-ws',
    drivers: [{ port: 0 }],
    limits: { maxConnections: 100_000 },
  });
  live(
    http,
    '/echo',
    (sock, type, msg) => {
      if (type === 'text' || type === 'binary') send(sock, type, msg);
    },
    '*',
    { deflate: false, keepalive: 0 },
  );
  const [d] = await http.listen();
  return d.port;
}
