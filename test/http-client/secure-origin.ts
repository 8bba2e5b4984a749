// An HTTPS origin for the client tests: our own server on 127.0.0.1 answering GET /secure with
// "secret", and the CA a client passes to trust it.
import { createServer, type HttpServer } from '../../src/server/index.js';
import { testCert } from '../helpers/tls.js';

export interface SecureOrigin {
  server: HttpServer;
  port: number;
  /** The origin's self-signed certificate, for a client's `tls: { ca }`. */
  ca: string;
}

export async function secureOrigin(name: string): Promise<SecureOrigin> {
  const cert = await testCert();
  const server = createServer({ name, drivers: [{ port: 0, host: '127.0.0.1', tls: cert }] });
  server.route('GET', '/secure', (ctx) => ctx.send('secret', 200, 'text/plain'));
  const [bound] = await server.listen();
  return { server, port: bound.port, ca: cert.cert };
}
