/**
 * The `node:net` floor of the WebSocket rows: the least a Node server can do and still be a
 * WebSocket echo server. It answers the `101` from a regex, decodes frames (unmasking in place,
 * no message assembly, no limits, no UTF-8 check), echoes data frames, answers pings and the
 * closing handshake, and closes TCP right after writing its close frame (flushed, then
 * `destroy()`: close(2), as connchan does; `end()` would wait for the client's FIN and make the
 * lives row measure that wait). Any server on `net.Socket` pays at least this.
 *
 * Reads land in one shared buffer (`onread`: no Buffer and no stream push per read, as the
 * hello-world floor), given to the accepted socket itself (a second `net.Socket` per connection
 * costs a fifth of a life); only the bytes of a frame that is not whole yet are copied, into the
 * connection's own buffer, whose whole frames then go back as views of it. No closure and no
 * listener is made per connection.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY = /sec-websocket-key: *([^\r]*)/i;

/** Every connection reads into this one buffer: its bytes are used before the next read. */
const shared = Buffer.allocUnsafe(64 * 1024);

/** Per connection: whether the 101 was sent, and the bytes of an incomplete head or frame. */
const kState = Symbol('floor');
interface FloorState {
  upgraded: boolean;
  pending: Buffer | undefined;
  pendingLen: number;
}
type FloorSocket = Socket & { [kState]: FloorState };

function onRead(this: FloorSocket, nread: number, buf: Buffer): void {
  const st = this[kState];
  if (st.pending === undefined) {
    const used = consume(this, st, buf, nread, false);
    if (used < nread) keep(st, buf, used, nread);
    return;
  }
  // Append to what was kept, then decode from there (its whole frames go out as views of it).
  const need = st.pendingLen + nread;
  if (need > st.pending.length) {
    const grown = Buffer.allocUnsafe(Math.max(need, st.pending.length * 2));
    st.pending.copy(grown, 0, 0, st.pendingLen);
    st.pending = grown;
  }
  buf.copy(st.pending, st.pendingLen, 0, nread);
  st.pendingLen = need;
  const pending = st.pending;
  const used = consume(this, st, pending, need, true);
  st.pending = undefined;
  st.pendingLen = 0;
  if (used < need) keep(st, pending, used, need);
}

/** Copies the undecoded rest into a new buffer of the connection (sized for its frame if known). */
function keep(st: FloorState, from: Buffer, start: number, end: number): void {
  const n = end - start;
  let size = n;
  if (st.upgraded && n >= 2) {
    const b1 = from[start + 1] & 0x7f;
    const hl = b1 === 126 ? 8 : b1 === 127 ? 14 : 6;
    if (n >= hl - 4) {
      const len =
        b1 === 126 ? from.readUInt16BE(start + 2) : b1 === 127 ? from.readUIntBE(start + 4, 6) : b1;
      size = Math.max(n, hl + len);
    }
  }
  st.pending = Buffer.allocUnsafe(Math.max(size, 64));
  from.copy(st.pending, 0, start, end);
  st.pendingLen = n;
}

/** Answers everything whole in `buf[0, end)`; returns how many bytes were used. */
function consume(sock: Socket, st: FloorState, buf: Buffer, end: number, owned: boolean): number {
  let pos = 0;
  if (!st.upgraded) {
    const headEnd = buf.indexOf('\r\n\r\n');
    if (headEnd < 0 || headEnd + 4 > end) return 0;
    const key = KEY.exec(buf.toString('latin1', 0, headEnd))?.[1] ?? '';
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    sock.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      'latin1',
    );
    st.upgraded = true;
    pos = headEnd + 4;
  }
  let corked = false;
  while (end - pos >= 2) {
    const b1 = buf[pos + 1] & 0x7f;
    const hl = b1 === 126 ? 8 : b1 === 127 ? 14 : 6;
    if (end - pos < hl) break;
    const len =
      b1 === 126 ? buf.readUInt16BE(pos + 2) : b1 === 127 ? buf.readUIntBE(pos + 4, 6) : b1;
    if (end - pos < hl + len) break;
    const m = pos + hl - 4;
    const start = pos + hl;
    for (let i = 0; i < len; i++) buf[start + i] ^= buf[m + (i & 3)];
    const op = buf[pos] & 0x0f;
    pos = start + len;
    if (!corked) {
      sock.cork();
      corked = true;
    }
    if (op === 8) {
      send(sock, 0x88, buf, start, Math.min(len, 2), owned);
      // As connchan does once its close frame is written: close(2), not end() and a wait for
      // the client's FIN (RFC 6455 §7.1.1 lets the server close TCP first).
      sock.uncork();
      corked = false;
      if (isFlushed(sock)) sock.destroy();
      else sock.end();
      pos = end;
      break;
    }
    if (op === 9) send(sock, 0x8a, buf, start, len, owned);
    else if (op <= 2) send(sock, 0x80 | op, buf, start, len, owned);
  }
  if (corked) sock.uncork();
  return pos;
}

/** Writes one frame; a payload in the shared buffer is copied, one in an owned buffer is not. */
function send(
  sock: Socket,
  b0: number,
  buf: Buffer,
  start: number,
  len: number,
  owned: boolean,
): void {
  const hl = len < 126 ? 2 : len < 65536 ? 4 : 10;
  if (owned && len >= 1024) {
    const h = Buffer.allocUnsafe(hl);
    writeHead(h, b0, len);
    sock.write(h);
    sock.write(buf.subarray(start, start + len));
    return;
  }
  const out = Buffer.allocUnsafe(hl + len);
  writeHead(out, b0, len);
  buf.copy(out, hl, start, start + len);
  sock.write(out);
}

function writeHead(h: Buffer, b0: number, len: number): void {
  h[0] = b0;
  if (len < 126) h[1] = len;
  else if (len < 65536) {
    h[1] = 126;
    h.writeUInt16BE(len, 2);
  } else {
    h[1] = 127;
    h.writeUInt32BE(0, 2);
    h.writeUIntBE(len, 4, 6);
  }
}

/** Plain TCP with nothing left in Node or libuv (connchan's own test before its close(2)). */
function isFlushed(sock: Socket): boolean {
  const handle = (sock as unknown as { _handle?: { writeQueueSize?: number } | null })._handle;
  return sock.writableLength === 0 && handle?.writeQueueSize === 0;
}

function onError(this: Socket): void {
  this.destroy();
}

/**
 * Starts a plain `net` server on a free port of 127.0.0.1 whose connections feed every read to
 * the object `connect` makes for them, and resolves with the port (the I/O ceiling's start-up:
 * it keeps the read chunks, so it reads through the stream).
 */
export function startRawServer(
  connect: (sock: Socket) => { receive(chunk: Buffer): void },
): Promise<number> {
  const server = createServer({ noDelay: true }, (sock) => {
    sock.on('error', () => {});
    const conn = connect(sock);
    sock.on('data', (chunk: Buffer) => conn.receive(chunk));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', 1024, () => resolve((server.address() as AddressInfo).port)),
  );
}

/** The `net.Socket` fields its `onread` option sets, found on the first accepted socket. */
let onreadKeys: { buffer: symbol; callback: symbol } | undefined;

/**
 * Starts the floor server on a free port of 127.0.0.1 and resolves with the port. Node takes no
 * `onread` for the sockets a server accepts, so the accepted socket, paused, is given what the
 * option would have given it (as src/io/lent-reads.ts does): one `net.Socket` per connection.
 */
export function startNetFloor(): Promise<number> {
  const server = createServer({ pauseOnConnect: true, noDelay: true }, (accepted) => {
    const socket = accepted as FloorSocket;
    if (onreadKeys === undefined) {
      const symbols = Object.getOwnPropertySymbols(socket);
      const buffer = symbols.find((k) => k.description === 'kBuffer');
      const callback = symbols.find((k) => k.description === 'kBufferCb');
      if (!buffer || !callback) throw new Error('this Node has no onread fields on net.Socket');
      onreadKeys = { buffer, callback };
    }
    const fields = socket as unknown as Record<symbol, unknown>;
    fields[onreadKeys.buffer] = shared;
    fields[onreadKeys.callback] = onRead;
    (socket as unknown as { _handle: { useUserBuffer(b: Buffer): void } })._handle.useUserBuffer(
      shared,
    );
    socket[kState] = { upgraded: false, pending: undefined, pendingLen: 0 };
    socket.on('error', onError);
    socket.resume();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', 1024, () => resolve((server.address() as AddressInfo).port)),
  );
}
