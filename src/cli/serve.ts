/**
 * `connchan serve`: the demo application. For now it answers `GET /` with a page; the channel
 * server, WebSocket endpoints and the dashboard replace this as they land.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServeOptions {
  host: string;
  port: number;
}

export const DEFAULT_SERVE_OPTIONS: Readonly<ServeOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
});

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>connchan</title></head>
<body><h1>connchan</h1><p>Long-lived network connections for Node.js.</p></body></html>
`;

export async function serve(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const { host, port } = { ...DEFAULT_SERVE_OPTIONS, ...options };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
