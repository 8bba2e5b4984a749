// Helpers for the WebSocket tests: a server with live endpoints on a free port, an echo
// handler, and a raw client that speaks hand-made frames and reports what the server sent back.
import { connect as netConnect, type Socket } from 'node:net';
import { createServer, type HttpServer, type ServerOptions } from '../../src/server/index.js';
import {
  live,
  server as wsServer,
  type WsHandler,
  type WsServerEndpointOptions,
} from '../../src/ws/index.js';
import { send } from '../../src/ws/index.js';
import { FrameDecoder, type Frame } from '../../src/proto/ws/frame-decoder.js';
import { encodeFrame, encodeFrameMerged } from '../../src/proto/ws/frame-encoder.js';
import { decodeClosePayload } from '../../src/proto/ws/close-codes.js';
import { NEED_DATA } from '../../src/proto/need-data.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import { testCert } from '../helpers/tls.js';

let serial = 0;

export interface WsTestServer {
  http: HttpServer;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Echoes text and binary messages back. */
export const echo: WsHandler = (sock, type, msg) => {
  if (type === 'text' || type === 'binary') send(sock, type, msg);
};

export async function startServer(
  setup: (http: HttpServer) => void,
  options: { tls?: boolean; ws?: WsServerEndpointOptions; http?: ServerOptions } = {},
): Promise<WsTestServer> {
  const cert = options.tls ? await testCert() : undefined;
  const http = createServer({
    name: `ws-test-${process.pid}-${serial++}`,
    drivers: [{ port: 0, ...(cert && { tls: { cert: cert.cert, key: cert.key } }) }],
    ...options.http,
  });
  wsServer(http, options.ws ?? {});
  setup(http);
  const [d] = await http.listen();
  return {
    http,
    port: d.port,
    url: `${cert ? 'wss' : 'ws'}://127.0.0.1:${d.port}`,
    close: () => http.close({ graceMs: 50 }),
  };
}

export async function echoServer(
  options: { tls?: boolean; ws?: WsServerEndpointOptions; protocol?: string } = {},
): Promise<WsTestServer> {
  return startServer((http) => live(http, '/echo', echo, options.protocol ?? '*'), options);
}

/** A raw TCP client that did the handshake itself and sends frames byte for byte. */
export class RawClient {
  readonly socket: Socket;
  readonly frames: Frame[] = [];
  readonly head: string;
  #decoder = new FrameDecoder({ role: 'client', allowRsv1: true });
  #ended = false;
  #endWaiters: (() => void)[] = [];

  private constructor(socket: Socket, head: string, rest: Buffer) {
    this.socket = socket;
    this.head = head;
    socket.on('data', (c: Buffer) => this.#feed(c));
    socket.on('close', () => {
      this.#ended = true;
      for (const w of this.#endWaiters) w();
    });
    socket.on('error', () => {});
    if (rest.length > 0) this.#feed(rest);
  }

  static async connect(port: number, path = '/echo', extraHeaders = ''): Promise<RawClient> {
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`,
    );
    let buf = Buffer.alloc(0);
    const { head, rest } = await new Promise<{ head: string; rest: Buffer }>((resolve, reject) => {
      const onData = (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        const end = buf.indexOf('\r\n\r\n');
        if (end >= 0) {
          socket.off('data', onData);
          resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('close', () =>
        reject(new Error(`closed before a response: ${buf.toString('latin1')}`)),
      );
    });
    return new RawClient(socket, head, rest);
  }

  #feed(chunk: Buffer): void {
    this.#decoder.feed(Buffer.from(chunk));
    for (let f = this.#decoder.next(); f !== NEED_DATA; f = this.#decoder.next())
      this.frames.push(f);
  }

  /** Sends one frame, masked with a fixed key (or unmasked when `mask` is false). */
  frame(opts: {
    opcode: number;
    payload?: Buffer | string;
    fin?: boolean;
    rsv1?: boolean;
    mask?: boolean;
  }): void {
    const payload =
      typeof opts.payload === 'string'
        ? Buffer.from(opts.payload)
        : (opts.payload ?? Buffer.alloc(0));
    const maskKey = opts.mask === false ? undefined : Buffer.from([1, 2, 3, 4]);
    this.socket.write(
      encodeFrameMerged({
        opcode: opts.opcode as Opcode,
        payload,
        fin: opts.fin ?? true,
        rsv1: opts.rsv1 ?? false,
        maskKey,
      }),
    );
  }

  /** Writes raw bytes (for frames the encoder refuses to make). */
  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits for the TCP connection to close; returns the close frame's code (1005: empty, 1006: none). */
  async closeCode(ms = 3000): Promise<number> {
    if (!this.#ended) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('server did not close the connection')), ms);
        this.#endWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const close = this.frames.find((f) => f.opcode === Opcode.CLOSE);
    if (!close) return 1006;
    return decodeClosePayload(close.payload).code ?? 1005;
  }

  /** Waits until `n` frames have arrived. */
  async waitFrames(n: number, ms = 3000): Promise<Frame[]> {
    const end = Date.now() + ms;
    while (this.frames.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} frames, got ${this.frames.length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.frames;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A masked frame as bytes with any header bits, for the reserved-bits and opcode cases. */
export function rawFrame(first: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const [h, p] = encodeFrame({
    opcode: Opcode.BINARY,
    payload,
    maskKey: Buffer.from([9, 8, 7, 6]),
  });
  const out = Buffer.concat([h, p]);
  out[0] = first;
  return out;
}
