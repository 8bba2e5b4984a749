/**
 * The `node:net` floor of the WebSocket rows: the least a Node server can do and still be a
 * WebSocket echo server. It answers the `101` from a regex, decodes frames (unmasking in place,
 * no message assembly, no limits, no UTF-8 check), echoes data frames, answers pings and the
 * closing handshake, and ends TCP after it. Any server on `net.Socket` pays at least this.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The bytes of a connection not yet decoded, kept as a list until a whole frame is there. */
class FloorConnection {
  upgraded = false;
  parts: Buffer[] = [];
  length = 0;
  constructor(readonly sock: Socket) {}

  receive(chunk: Buffer): void {
    this.parts.push(chunk);
    this.length += chunk.length;
    if (!this.upgraded) {
      const head = this.parts.length === 1 ? chunk : Buffer.concat(this.parts);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const key = /sec-websocket-key: *([^\r]*)/i.exec(head.toString('latin1', 0, end))?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      this.sock.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      this.upgraded = true;
      this.parts = end + 4 < head.length ? [head.subarray(end + 4)] : [];
      this.length = head.length - end - 4;
    }
    this.sock.cork();
    while (this.frame()) {
      /* each call echoes one frame */
    }
    this.sock.uncork();
  }

  /** Decodes and answers one whole frame; false when none is complete. */
  frame(): boolean {
    if (this.length < 2) return false;
    let buf = this.parts[0];
    if (buf.length < 14 && this.parts.length > 1) buf = this.flatten();
    const b1 = buf[1] & 0x7f;
    const hl = b1 === 126 ? 8 : b1 === 127 ? 14 : 6;
    if (buf.length < hl) return false;
    const len = b1 === 126 ? buf.readUInt16BE(2) : b1 === 127 ? buf.readUIntBE(4, 6) : b1;
    if (this.length < hl + len) return false;
    if (buf.length < hl + len) buf = this.flatten();
    const payload = buf.subarray(hl, hl + len);
    const m = buf.subarray(hl - 4, hl);
    for (let i = 0; i < len; i++) payload[i] ^= m[i & 3];
    const op = buf[0] & 0x0f;
    const rest = buf.subarray(hl + len);
    this.parts = rest.length > 0 ? [rest] : [];
    this.length -= hl + len;
    if (op === 8) {
      this.send(0x88, payload.subarray(0, Math.min(len, 2)));
      this.sock.end();
      return false;
    }
    if (op === 9) this.send(0x8a, payload);
    else if (op <= 2) this.send(0x80 | op, payload);
    return true;
  }

  send(b0: number, payload: Buffer): void {
    this.sock.write(frameHead(b0, payload.length));
    this.sock.write(payload);
  }

  flatten(): Buffer {
    const b = Buffer.concat(this.parts, this.length);
    this.parts = [b];
    return b;
  }
}

function frameHead(b0: number, len: number): Buffer {
  if (len < 126) return Buffer.from([b0, len]);
  if (len < 65536) return Buffer.from([b0, 126, len >> 8, len & 0xff]);
  const h = Buffer.alloc(10);
  h[0] = b0;
  h[1] = 127;
  h.writeUIntBE(len, 4, 6);
  return h;
}

/**
 * Starts a plain `net` server on a free port of 127.0.0.1 whose connections feed every read to
 * the object `connect` makes for them, and resolves with the port.
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

/** Starts the floor server on a free port of 127.0.0.1 and resolves with the port. */
export function startNetFloor(): Promise<number> {
  return startRawServer((sock) => new FloorConnection(sock));
}
