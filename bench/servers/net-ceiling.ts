/**
 * The `node:net` I/O ceiling of the WebSocket echo rows: what a Node server costs when it does
 * nothing but the socket work an echo cannot avoid. It reads each frame's header, writes the
 * server's header back and the payload once the frame is whole, as views of the read chunks (one
 * writev, as a real echo writes): no unmasking, no copy, no message, no limits. It is NOT a valid echo (the payload goes
 * back still masked; wsload counts frames and bytes without reading them), only the bound above
 * every real server on `net.Socket`: a ratio to `ws` that this side does not reach, no Node
 * server reaches.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { startRawServer } from './net-floor.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

class CeilingConnection {
  #upgraded = false;
  #head: Buffer = Buffer.alloc(0);
  /** Header bytes of the frame being read, while the header is incomplete. */
  readonly #hdr = Buffer.alloc(14);
  #hdrLen = 0;
  /** Payload bytes of the current frame still to come, and the views of those that came. */
  #remaining = 0;
  #out: Buffer[] = [];
  constructor(readonly sock: Socket) {}

  receive(chunk: Buffer): void {
    let pos = 0;
    if (!this.#upgraded) {
      const head = Buffer.concat([this.#head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#head = head;
        return;
      }
      const key = /sec-websocket-key: *([^\r]*)/i.exec(head.toString('latin1', 0, end))?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      this.sock.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      this.#upgraded = true;
      chunk = head.subarray(end + 4);
    }
    const sock = this.sock;
    sock.cork();
    while (pos < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - pos);
        this.#out.push(chunk.subarray(pos, pos + take));
        this.#remaining -= take;
        pos += take;
        // The frame is whole: its header and payload views leave in one writev.
        if (this.#remaining === 0) for (const b of this.#out.splice(0)) sock.write(b);
        continue;
      }
      // Gather the header (it may straddle chunks).
      const hdr = this.#hdr;
      while (this.#hdrLen < 2 && pos < chunk.length) hdr[this.#hdrLen++] = chunk[pos++];
      if (this.#hdrLen < 2) break;
      const len7 = hdr[1] & 0x7f;
      const size = (len7 === 126 ? 4 : len7 === 127 ? 10 : 2) + 4;
      while (this.#hdrLen < size && pos < chunk.length) hdr[this.#hdrLen++] = chunk[pos++];
      if (this.#hdrLen < size) break;
      this.#hdrLen = 0;
      const op = hdr[0] & 0x0f;
      const length =
        len7 === 126 ? hdr.readUInt16BE(2) : len7 === 127 ? hdr.readUIntBE(4, 6) : len7;
      if (op === 8) {
        sock.write(Buffer.from([0x88, 0]));
        sock.end();
        break;
      }
      // The server's header: the client's without the MASK bit and the key.
      const head = Buffer.from(hdr.subarray(0, size - 4));
      head[1] &= 0x7f;
      if (length === 0) sock.write(head);
      else this.#out.push(head);
      this.#remaining = length;
    }
    sock.uncork();
  }
}

/** Starts the ceiling server on a free port of 127.0.0.1 and resolves with the port. */
export function startNetCeiling(): Promise<number> {
  return startRawServer((sock) => new CeilingConnection(sock));
}
