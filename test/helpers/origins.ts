// Origins for HTTP client tests on loopback, closed with every connection they hold: a node:http
// one (an independent implementation) that reads each request's body whole before answering,
// and a raw TCP one that writes whatever bytes a test needs.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  type Server,
} from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { listenLocal } from './listen.js';

export interface NodeOrigin {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Ends every connection and closes the server. */
  close(): Promise<void>;
}

/** A node:http origin calling `respond` once each request's body has been read whole. */
export async function nodeOrigin(
  respond: (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => void,
): Promise<NodeOrigin> {
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => respond(req, res, Buffer.concat(chunks), url));
  });
  const port = await listenLocal(server);
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface RawOrigin {
  /** `http://127.0.0.1:<port>` followed by the path asked for. */
  url: string;
  /** Destroys every connection and closes the server. */
  close(): Promise<void>;
}

/**
 * A raw TCP origin: `onSocket` gets each connection (whose errors are ignored: the client may
 * close while a response is still being written).
 */
export async function rawOrigin(onSocket: (s: Socket) => void, path = '/'): Promise<RawOrigin> {
  const sockets: Socket[] = [];
  const server = createNetServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    onSocket(s);
  });
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * Calls `onHead` for each bodiless request that arrives on `s` (once its blank line is in),
 * then `afterRead` once per read.
 */
export function onRequestHeads(s: Socket, onHead: () => void, afterRead?: () => void): void {
  let text = '';
  s.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    let end: number;
    while ((end = text.indexOf('\r\n\r\n')) >= 0) {
      text = text.slice(end + 4);
      onHead();
    }
    afterRead?.();
  });
}
