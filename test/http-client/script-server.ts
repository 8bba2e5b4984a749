// A scriptable raw origin for the client tests: node:net + our RequestParser, answering the
// requests of each connection in order with whatever a test's script says (delays, Connection:
// close, closing without an answer, closing idle connections), and logging what it saw.
import { createServer, type Server, type Socket } from 'node:net';
import { RequestParser, NEED_DATA, PAUSED } from '../../src/proto/http1/index.js';
import { listenLocal } from '../helpers/listen.js';

export interface SeenRequest {
  method: string;
  target: string;
  conn: number;
  body: string;
  headers: [string, string][];
  /** 0 for the first request on its connection. */
  nthOnConn: number;
  /** Requests received and not yet answered on its connection, itself included. */
  inFlight: number;
}

export interface Answer {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Send `Connection: close` and close after this response. */
  close?: boolean;
  /** Close the connection instead of answering (and drop later requests on it). */
  drop?: boolean;
  /** Delay before this answer (ms). */
  delayMs?: number;
  /** Raw bytes to send instead of a formatted response. */
  raw?: string | Buffer;
}

export type Script = (req: SeenRequest, index: number) => Answer;

export interface ScriptServer {
  port: number;
  url: string;
  log: SeenRequest[];
  connections: number;
  /** Highest number of requests received on one connection before the first was answered. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function scriptServer(
  script: Script = () => ({}),
  options: { idleCloseMs?: number } = {},
): Promise<ScriptServer> {
  const log: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { connections: 0, maxInFlight: 0 };
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const conn = state.connections++;
    const parser = new RequestParser();
    let chain = Promise.resolve();
    let dead = false;
    let idle: NodeJS.Timeout | undefined;
    let pending = 0;
    let nth = 0;
    const armIdle = () => {
      if (options.idleCloseMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(() => pending === 0 && socket.end(), options.idleCloseMs);
    };
    armIdle();
    let current: SeenRequest | undefined;
    let bodyParts: Buffer[] = [];
    socket.on('data', (chunk) => {
      if (dead) return;
      clearTimeout(idle);
      parser.feed(chunk);
      for (;;) {
        let ev;
        try {
          ev = parser.next();
        } catch {
          dead = true;
          socket.destroy();
          return;
        }
        if (ev === NEED_DATA) return;
        if (ev === PAUSED) {
          parser.nextMessage();
          continue;
        }
        if (ev.type === 'request') {
          current = {
            method: ev.head.method,
            target: ev.head.target,
            conn,
            body: '',
            headers: [...ev.head.headers],
            nthOnConn: nth++,
            inFlight: 0,
          };
          bodyParts = [];
        } else if (ev.type === 'data') bodyParts.push(Buffer.from(ev.data));
        else if (ev.type === 'end' && current) {
          const req = current;
          req.body = Buffer.concat(bodyParts).toString('latin1');
          const index = log.push(req) - 1;
          pending++;
          req.inFlight = pending;
          state.maxInFlight = Math.max(state.maxInFlight, pending);
          const answer = script(req, index);
          chain = chain.then(async () => {
            if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
            pending--;
            if (dead) return;
            if (answer.drop) {
              dead = true;
              socket.destroy();
              return;
            }
            if (answer.raw !== undefined) socket.write(answer.raw);
            else socket.write(formatAnswer(req, answer));
            if (answer.close) {
              dead = true;
              socket.end();
            } else armIdle();
          });
        } else if (ev.type === 'eof') {
          return;
        }
      }
    });
    socket.on('end', () => {
      void chain.then(() => !dead && socket.end());
    });
  });
  const port = await listenLocal(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    get connections() {
      return state.connections;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function formatAnswer(req: SeenRequest, a: Answer): Buffer {
  const body =
    typeof a.body === 'string'
      ? Buffer.from(a.body)
      : (a.body ?? Buffer.from(`${req.method} ${req.target}`));
  const status = a.status ?? 200;
  let head = `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n`;
  for (const [k, v] of Object.entries(a.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (a.close) head += 'Connection: close\r\n';
  return Buffer.concat([
    Buffer.from(head + '\r\n', 'latin1'),
    req.method === 'HEAD' ? Buffer.alloc(0) : body,
  ]);
}
