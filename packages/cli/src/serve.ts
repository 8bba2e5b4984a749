/**
 * `connchan serve`: the demo server on embedded defaults: HTTP on 127.0.0.1:8080 and HTTPS on
 * 127.0.0.1:8443 with a self-signed certificate made on first start and kept in the data
 * directory. Every endpoint is served on both.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createServer, type DriverOptions, type HttpServer } from 'connchan/server';
import { ensureSelfSignedCertificate } from './certificate.js';
import { addHttpRoutes } from './demo/routes.js';
import { addPageRoutes } from './demo/page.js';
import { addWebSocketRoutes } from './demo/websockets.js';
import { shutdown as shutdownWebSockets } from 'connchan/ws';

export interface ServeOptions {
  host: string;
  /** HTTP port; 0 picks a free one. */
  httpPort: number;
  /** HTTPS port; 0 picks a free one. */
  httpsPort: number;
  /** Serve HTTPS too. */
  tls: boolean;
  /** PEM files; default: a self-signed certificate in `dataDir`. */
  certFile?: string;
  keyFile?: string;
  dataDir: string;
  maxConnections: number;
  trustedProxies: string[];
  logLevel: 'silent' | 'info' | 'debug';
}

export const DEFAULT_SERVE_OPTIONS: Readonly<ServeOptions> = Object.freeze({
  host: '127.0.0.1',
  httpPort: 8080,
  httpsPort: 8443,
  tls: true,
  dataDir: join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'connchan'),
  maxConnections: 10_000,
  trustedProxies: [],
  logLevel: 'info',
});

export interface RunningServer {
  server: HttpServer;
  /** `http://…/` first, then `https://…/` when TLS is on. */
  urls: string[];
  /** The certificate file used for HTTPS (to trust it in a browser). */
  certPath?: string;
  close(graceMs?: number): Promise<void>;
}

export async function serve(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const o: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...options };
  const drivers: DriverOptions[] = [{ name: 'http', host: o.host, port: o.httpPort }];
  let certPath: string | undefined;
  if (o.tls) {
    const { readFileSync } = await import('node:fs');
    let pair: { cert: string; key: string };
    if (o.certFile && o.keyFile) {
      pair = { cert: readFileSync(o.certFile, 'utf8'), key: readFileSync(o.keyFile, 'utf8') };
      certPath = o.certFile;
    } else {
      const made = await ensureSelfSignedCertificate(o.dataDir, ['localhost', o.host]);
      pair = made;
      certPath = made.certPath;
    }
    drivers.push({ name: 'https', host: o.host, port: o.httpsPort, tls: pair });
  }
  const server = createServer({
    name: 'connchan-demo',
    drivers,
    limits: { maxConnections: o.maxConnections },
    trustedProxies: o.trustedProxies,
    onError: (err, ctx) => {
      if (o.logLevel !== 'silent')
        console.error(`connchan: ${ctx.method} ${ctx.path} failed:`, err);
    },
  });
  addPageRoutes(server);
  addHttpRoutes(server);
  const sockets = addWebSocketRoutes(server);
  const bound = await server.listen();
  return {
    server,
    urls: bound.map((d) => d.url),
    certPath,
    close: async (graceMs = 2000) => {
      sockets.stop();
      // WebSockets get a proper close (1001 "going away") before the server closes the rest.
      await shutdownWebSockets({ server: server.name, code: 1001, deadlineMs: graceMs });
      await server.close({ graceMs });
    },
  };
}
