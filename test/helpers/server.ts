// A connchan HTTP server for one test, plain or TLS, closed afterwards; and a raw client for it.
import { createServer, type HttpServer, type ServerOptions } from '../../src/server/index.js';
import { rawConnect, type RawConn } from './raw-http.js';
import { testCert } from './tls.js';

let serial = 0;

export interface TestServer {
  server: HttpServer;
  port: number;
  tls: boolean;
  /** The CA a client must trust for a TLS server. */
  ca: string | undefined;
  /** A raw connection to it (TLS when the server is). */
  connect(): Promise<RawConn>;
}

/**
 * Runs `fn` with a listening server (one driver, TLS with the test certificate when `tls`), and
 * closes it afterwards, whatever happened.
 */
export async function withTestServer(
  tls: boolean,
  setup: (s: HttpServer) => void,
  fn: (t: TestServer) => Promise<void>,
  options: ServerOptions = {},
  tlsOptions: Record<string, unknown> = {},
): Promise<void> {
  const cert = tls ? await testCert() : undefined;
  const server = createServer({
    name: `hardening-${serial++}`,
    drivers: [
      { port: 0, tls: cert ? { cert: cert.cert, key: cert.key, ...tlsOptions } : undefined },
    ],
    ...options,
  });
  setup(server);
  const [d] = await server.listen();
  const t: TestServer = {
    server,
    port: d.port,
    tls,
    ca: cert?.cert,
    connect: () => rawConnect(d.port, cert ? { tls: { ca: cert.cert } } : {}),
  };
  try {
    await fn(t);
  } finally {
    await server.close({ graceMs: 50 });
  }
}

/** Both transports, for `for (const tls of TRANSPORTS)` loops. */
export const TRANSPORTS = [false, true] as const;

export const transportName = (tls: boolean): string => (tls ? 'TLS' : 'plain TCP');
