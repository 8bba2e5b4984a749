/**
 * The least a Node client can do for the 16 MiB row (issue 14), shown beside connchan and undici
 * so that the row's figures have a floor: one keep-alive `net.Socket` to nginx, a canned
 * `GET /big.bin`, the head parsed only for its status and Content-Length, and each body read by
 * the socket straight into fresh memory of exactly that length (`onread` with the unfilled rest of
 * it as the next read's buffer: reads as large as the kernel has, no copy), which is handed on and
 * kept by the caller, as an `arrayBuffer()` is. No timeouts, limits, chunked bodies, redirects or
 * errors: it is a floor, not a client. What it cannot avoid is what any client that hands over
 * fresh memory pays: the pages of that memory (faulted in again whenever the allocator has given
 * them back to the system) and the garbage collections the engine runs for the external memory.
 */
import { connect } from 'node:net';
import type { BenchCaseFactory } from '../harness.js';

const HEAD_ROOM = 16 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');
const probe: { last?: ArrayBuffer } = {};

/** One keep-alive connection; each call GETs `path` and resolves with its body. */
function rawGetter(port: number, path: string, earlyCheck: boolean): () => Promise<ArrayBuffer> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 'latin1');
  const head = Buffer.allocUnsafe(HEAD_ROOM);
  let headLen = 0;
  let body: Buffer | undefined;
  let filled = 0;
  let settle: ((b: ArrayBuffer) => void) | undefined;
  let fail: ((e: Error) => void) | undefined;

  const nextBuffer = (): Uint8Array =>
    body !== undefined ? body.subarray(filled) : head.subarray(headLen);
  const onRead = (n: number): boolean => {
    if (body === undefined) {
      headLen += n;
      const end = head.subarray(0, headLen).indexOf(CRLF2);
      if (end < 0) return true;
      const text = head.toString('latin1', 0, end);
      const length = /\r\ncontent-length: *(\d+)/i.exec(text);
      if (!text.startsWith('HTTP/1.1 200 ') || length === null) {
        fail?.(new Error(`floor: unexpected head ${text.slice(0, 40)}`));
        return false;
      }
      // The caller's memory: fresh for every body, as a client that hands bodies over must.
      body = Buffer.allocUnsafe(Number(length[1]));
      // V8's young-GC check for ArrayBuffer memory, run now (src/proto/bytes/large-buffers.ts).
      if (earlyCheck) probe.last = new ArrayBuffer(1);
      filled = head.copy(body, 0, end + 4, headLen);
      headLen = 0;
    } else {
      filled += n;
    }
    if (filled === body.length) {
      const done = body.buffer as ArrayBuffer;
      body = undefined;
      settle?.(done);
    }
    return true;
  };
  const socket = connect({
    port,
    host: '127.0.0.1',
    noDelay: true,
    onread: { buffer: nextBuffer, callback: onRead },
  });
  socket.on('error', (e) => fail?.(e));
  return () =>
    new Promise<ArrayBuffer>((resolve, reject) => {
      settle = resolve;
      fail = reject;
      socket.write(request);
    });
}

function floorCase(earlyCheck: boolean): () => Promise<{ ops: number; bytes: number }> {
  const get = rawGetter(Number(process.env.BENCH_NGINX_PORT), '/big.bin', earlyCheck);
  return async () => {
    const b = await get();
    return { ops: 1, bytes: b.byteLength };
  };
}

export const httpClientFloorCases: Record<string, BenchCaseFactory> = {
  'hc-big-floor': () => floorCase(false),
  // The same, with the one thing connchan does about V8 and glibc (src/proto/bytes/large-buffers.ts).
  'hc-big-floor-check': () => floorCase(true),
};
