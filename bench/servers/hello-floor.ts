/**
 * The `node:net` floor of the hello-world row: the fastest keep-alive hello-world server we can
 * write on Node. No HTTP parsing: each CRLF CRLF ends a request. Reads land in one shared
 * buffer (`onread`, no Buffer and no stream push per read), the answers to every request of a
 * read leave in one write of a ready-made Buffer (the Date field rebuilt once a second), and no
 * per-request allocation is made. Any HTTP server on `net.Socket` pays at least this.
 *
 * A server-side socket cannot be given `onread` (Node passes no such option at accept), so the
 * accepted handle, paused, is wrapped in a new `net.Socket` that has one.
 */
import { createServer, Socket, type AddressInfo } from 'node:net';

const BODY = 'Hello, World!';
/** Up to this many answers are pre-built side by side (pipelined requests in one read). */
const MAX_BATCH = 64;

let dateSecond = 0;
/** `answers[n - 1]`: n answers back to back, views of one buffer. */
let answers: Buffer[] = [];

function answersFor(count: number): Buffer {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    const one = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n' +
        `Date: ${new Date(second * 1000).toUTCString()}\r\n\r\n${BODY}`,
      'latin1',
    );
    const all = Buffer.alloc(one.length * MAX_BATCH);
    for (let i = 0; i < MAX_BATCH; i++) one.copy(all, i * one.length);
    answers = Array.from({ length: MAX_BATCH }, (_, i) => all.subarray(0, (i + 1) * one.length));
  }
  return answers[count - 1];
}

/** Every connection reads into this one buffer: its bytes are used before the next read. */
const shared = Buffer.allocUnsafe(64 * 1024);

/** Per connection: how many bytes of CR LF CR LF the last read ended with (0–3). */
const kMatched = Symbol('matched');
type FloorSocket = Socket & { [kMatched]: number };

function onRead(this: FloorSocket, nread: number, buf: Buffer): void {
  // A small state machine over CR LF CR LF: state = bytes of it matched so far.
  let state = this[kMatched];
  let count = 0;
  for (let i = 0; i < nread; i++) {
    const b = buf[i];
    if (b === 13) state = state === 2 ? 3 : 1;
    else if (b === 10 && (state === 1 || state === 3)) {
      if (state === 3) {
        count++;
        state = 0;
      } else state = 2;
    } else state = 0;
  }
  this[kMatched] = state;
  while (count > MAX_BATCH) {
    this.write(answersFor(MAX_BATCH));
    count -= MAX_BATCH;
  }
  if (count > 0) this.write(answersFor(count));
}

function onError(this: Socket): void {
  this.destroy();
}

/** Starts the floor on a free port of 127.0.0.1 and resolves with the port. */
export function startHelloFloor(): Promise<number> {
  const server = createServer({ pauseOnConnect: true }, (accepted) => {
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    const socket = new Socket({
      handle,
      onread: { buffer: shared, callback: onRead },
    } as ConstructorParameters<typeof Socket>[0]) as FloorSocket;
    socket[kMatched] = 0;
    socket.setNoDelay(true);
    socket.on('error', onError);
    socket.resume();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', 1024, () => resolve((server.address() as AddressInfo).port)),
  );
}
