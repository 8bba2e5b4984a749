/**
 * Request bodies: bytes (`query`), a stream of known size (`querychannel`), or an async
 * iterable sent chunked (`body`). Written in `queryblocksize` pieces with `queryprogress` after
 * each, waiting for the socket to drain (backpressure); a small body without progress or
 * `Expect` goes out with the head in one write.
 */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { encodeChunk, lastChunk } from '../proto/http1/body-writers.js';
import type { Transport } from '../io/dial.js';
import { drained } from '../io/drain.js';
import type { Exchange } from './exchange.js';
import type { CheckedOptions } from './options.js';

/** A request body and its length (-1: chunked). */
export type RequestBody =
  | { kind: 'bytes'; data: Buffer; length: number }
  | { kind: 'stream'; source: AsyncIterable<Uint8Array | string>; length: number };

/**
 * The body of a request from its options: `query` bytes (a string as UTF-8), `body` sent
 * chunked (or with the caller's Content-Length), or a `querychannel` of known size (a promise:
 * a file's size is read first).
 *
 * @example
 * ```ts
 * requestBodyOf(checkOptions({ query: 'a=1' }), undefined, '1.1'); // { kind: 'bytes', … }
 * ```
 */
export function requestBodyOf(
  o: CheckedOptions,
  givenLength: string | undefined,
  version: '1.0' | '1.1',
): RequestBody | Promise<RequestBody> {
  if (o.query !== undefined) {
    const data =
      typeof o.query === 'string'
        ? Buffer.from(o.query)
        : Buffer.from(o.query.buffer, o.query.byteOffset, o.query.length);
    return { kind: 'bytes', data, length: data.length };
  }
  if (o.body !== undefined) {
    if (givenLength === undefined && version === '1.0') {
      throw new UsageError('a streamed body without Content-Length needs HTTP/1.1 (chunked)', {
        code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
      });
    }
    return {
      kind: 'stream',
      source: o.body,
      length: givenLength === undefined ? -1 : Number(givenLength),
    };
  }
  const qc = o.querychannel as Readable;
  return querychannelSize(qc, givenLength).then((length) => ({
    kind: 'stream',
    source: qc,
    length,
  }));
}

/**
 * The size of a querychannel: a Content-Length the caller gave, a file stream's size, or the
 * bytes buffered in a stream that has ended; otherwise an error, as the manual says.
 *
 * @example
 * ```ts
 * await querychannelSize(createReadStream('f.bin'), undefined); // the file's size
 * ```
 */
export async function querychannelSize(
  source: Readable,
  given: string | undefined,
): Promise<number> {
  if (given !== undefined) {
    const n = Number(given);
    if (Number.isSafeInteger(n) && n >= 0) return n;
    throw new UsageError(`invalid Content-Length header "${given}"`, {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
  }
  const path = (source as Readable & { path?: unknown }).path;
  if (typeof path === 'string' || Buffer.isBuffer(path)) {
    const st = await stat(path);
    const start = (source as Readable & { start?: number }).start ?? 0;
    const end = (source as Readable & { end?: number }).end;
    return (end === undefined || end === Infinity ? st.size - 1 : end) - start + 1;
  }
  throw new UsageError(
    'cannot determine the size of the querychannel: give a Content-Length header, a file stream, or use the body option (chunked)',
    { code: 'ERR_HTTP_CLIENT_QUERY_SIZE' },
  );
}

/**
 * Writes the body of `ex` to `socket` after its head. Resolves when everything was written;
 * rejects with the write error (the caller records it as `posterror`).
 *
 * @example
 * ```ts
 * await sendBody(ex, socket, (b) => channel.write(b, { buffered: true }));
 * ```
 */
export async function sendBody(
  ex: Exchange,
  socket: Transport,
  write: (b: Buffer) => void,
): Promise<void> {
  const body = ex.body;
  if (body === undefined) return;
  const t = ex.token;
  const progress = ex.o.queryprogress;
  const block = ex.o.queryblocksize;
  const chunked = body.length < 0;
  const put = async (buf: Buffer) => {
    for (let off = 0; off < buf.length; off += block) {
      if (ex.done || socket.destroyed)
        throw new Error('connection closed while sending the request body');
      const piece = buf.subarray(off, Math.min(off + block, buf.length));
      if (chunked) for (const b of encodeChunk(piece)) write(b);
      else write(piece);
      t.queryoffset += piece.length;
      progress?.(t, t.querylength, t.queryoffset);
      if (socket.writableNeedDrain) await drained(socket);
    }
  };
  if (body.kind === 'bytes') await put(body.data);
  else {
    for await (const chunk of body.source) {
      const buf =
        typeof chunk === 'string'
          ? Buffer.from(chunk)
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      if (!chunked && t.queryoffset + buf.length > body.length) {
        throw new Error(`querychannel gave more than the ${body.length} bytes announced`);
      }
      await put(buf);
    }
    if (chunked) write(lastChunk());
    else if (t.queryoffset < body.length) {
      throw new Error(
        `querychannel ended after ${t.queryoffset} of the ${body.length} bytes announced`,
      );
    }
  }
}
