// A hand-made WebSocket server for the delivery tests: it answers any opening with a `101` and
// the same frames, written as one `write` or cut into pieces with pauses between them, then
// ends TCP once the client's close frame has come. So the frames arrive in the same read as the
// handshake's answer, or spread over reads in any way a test asks for.
import { createServer, type Server, type Socket } from 'node:net';
import { acceptFor } from '../../src/io/handshake-keys.js';
import { encodeFrameMerged } from '../../src/proto/ws/frame-encoder.js';
import { FrameDecoder } from '../../src/proto/ws/frame-decoder.js';
import { encodeClosePayload } from '../../src/proto/ws/close-codes.js';
import { NEED_DATA } from '../../src/proto/need-data.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';

/** How the server's bytes (101 and frames) are cut: byte offsets, and a pause after each cut. */
export interface Split {
  cuts: number[];
}

export interface RawWsServer {
  port: number;
  url: string;
  /** The bytes each connection gets after the request: the 101 head and the frames. */
  bytes(key: string): Buffer;
  close(): Promise<void>;
}

function frame(opcode: Opcode, payload: string | Buffer, fin = true): Buffer {
  return Buffer.from(
    encodeFrameMerged({
      opcode,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      fin,
      rsv1: false,
      maskKey: undefined,
    }),
  );
}

/** The frames every connection gets: two texts (one fragmented), a binary, a ping, a close. */
export const SERVER_FRAMES = Buffer.concat([
  frame(Opcode.TEXT, 'one'),
  frame(Opcode.BINARY, Buffer.from([1, 2, 3])),
  frame(Opcode.PING, 'p'),
  frame(Opcode.TEXT, 'tw', false),
  frame(Opcode.CONTINUATION, 'o'),
  frame(Opcode.CLOSE, encodeClosePayload(1000, 'bye')),
]);

function head(key: string): Buffer {
  return Buffer.from(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
    'latin1',
  );
}

const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 2));

/**
 * Starts the server. `split()` is asked once per connection how to cut its bytes (default: all
 * in one write).
 */
export async function rawWsServer(split: () => Split = () => ({ cuts: [] })): Promise<RawWsServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let opened = false;
    const decoder = new FrameDecoder({ role: 'server' });
    socket.on('data', (chunk: Buffer) => {
      if (opened) {
        decoder.feed(Buffer.from(chunk));
        for (let f = decoder.next(); f !== NEED_DATA; f = decoder.next()) {
          if (f.opcode === Opcode.CLOSE) socket.end();
        }
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      opened = true;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1];
      void writeSplit(socket, Buffer.concat([head(key ?? ''), SERVER_FRAMES]), split());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    bytes: (key) => Buffer.concat([head(key), SERVER_FRAMES]),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function writeSplit(socket: Socket, bytes: Buffer, split: Split): Promise<void> {
  const points = [...new Set(split.cuts.map((c) => c % bytes.length))]
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (socket.destroyed) return;
    socket.write(bytes.subarray(from, p));
    from = p;
    if (p < bytes.length) await pause();
  }
}
