// A tiny HTTP proxy for the client tests: CONNECT tunnels and absolute-form forwarding, with an
// optional Proxy-Authorization check; it records the request lines it saw.
import {
  createServer as netServer,
  connect as netConnect,
  type Server,
  type Socket,
} from 'node:net';

/** A tiny proxy: CONNECT tunnels (407 without the right Proxy-Authorization) and byte-for-byte
 * forwarding of absolute-form requests to the origin named in the first request line. */
export async function tinyProxy(
  auth?: string,
): Promise<{ port: number; lines: string[]; close(): Promise<void> }> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const srv: Server = netServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const head = buf.subarray(0, end).toString('latin1');
      const first = head.split('\r\n')[0];
      lines.push(first);
      const [method, target] = first.split(' ');
      if (auth !== undefined && !head.includes(`Proxy-Authorization: ${auth}`)) {
        client.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n',
        );
        return;
      }
      if (method === 'CONNECT') {
        const [h, p] = target.split(':');
        const up = netConnect(Number(p), h, () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          const rest = buf.subarray(end + 4);
          if (rest.length) up.write(rest);
          client.pipe(up).pipe(client);
        });
        up.on('error', () => client.destroy());
        sockets.add(up);
      } else {
        const u = new URL(target);
        const up = netConnect(Number(u.port), u.hostname, () => {
          up.write(buf);
          client.pipe(up).pipe(client);
        });
        up.on('data', () => {});
        up.on('error', () => client.destroy());
        sockets.add(up);
        // record later request lines too
        client.on('data', (d: Buffer) => {
          const m = /^[A-Z]+ \S+ HTTP\/1\.\d/.exec(d.toString('latin1'));
          if (m) lines.push(m[0]);
        });
      }
    };
    client.on('data', onData);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    lines,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
