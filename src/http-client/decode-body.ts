/**
 * Decoding a whole compressed body (gzip, deflate, br) in one call with one output buffer, and
 * the streaming decoders for a body read piece by piece. A small body is decoded on the spot
 * (zlib's sync call: no thread-pool hop, no stream machinery; a 64 KiB page costs a third of the
 * CPU), with the output capped so that a body lying about its size falls back to the async call;
 * a large one on the thread pool, so the event loop never waits long.
 */
import {
  brotliDecompress,
  brotliDecompressSync,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  gunzip,
  gunzipSync,
  inflate,
  inflateRaw,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';
import type { Transform } from 'node:stream';

/** A content coding connchan decodes. */
export type Coding = 'gzip' | 'deflate' | 'br';

const MIN_INFLATE_CHUNK = 64 * 1024;
const MAX_INFLATE_CHUNK = 8 * 1024 * 1024;
/** Bodies expected to decode to at most this much are decoded synchronously. */
const SYNC_DECODED_BYTES = 256 * 1024;

/**
 * Decodes `bytes` and calls `done` once (at once for a small body, later for a large one).
 * deflate is meant to be zlib-wrapped; some servers send raw deflate, tried next (as Tcl 2.10).
 *
 * @example
 * ```ts
 * decodeBody(gzipped, 'gzip', (err, out) => err ? fail(err) : keep(out));
 * ```
 */
export function decodeBody(
  bytes: Buffer,
  coding: Coding,
  done: (err: Error | null, out: Buffer) => void,
): void {
  const chunkSize = outputChunkSize(bytes, coding === 'gzip');
  if (chunkSize <= SYNC_DECODED_BYTES + 1024) {
    // The cap: a body that says (or is guessed) small but is not goes the async way.
    const opts = { chunkSize, maxOutputLength: SYNC_DECODED_BYTES * 4 };
    let out: Buffer | undefined;
    let failure: Error | undefined;
    try {
      out =
        coding === 'gzip'
          ? gunzipSync(bytes, opts)
          : coding === 'br'
            ? brotliDecompressSync(bytes, opts)
            : inflateOrRawSync(bytes, opts);
    } catch (err) {
      failure = err as Error;
    }
    if (out !== undefined) return done(null, out);
    if ((failure as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
      return done(failure as Error, EMPTY);
    }
  }
  // One output buffer sized for the whole body: zlib's default 16 KiB output chunks cost a
  // thread-pool round trip each (a 1 MiB page decoded 2.5× slower).
  const opts = { chunkSize };
  if (coding === 'gzip') gunzip(bytes, opts, done);
  else if (coding === 'br') brotliDecompress(bytes, opts, done);
  else inflate(bytes, opts, (err, out) => (err ? inflateRaw(bytes, opts, done) : done(null, out)));
}

/**
 * A streaming decoder for `coding` (zlib-wrapped deflate; a body read piece by piece).
 *
 * @example
 * ```ts
 * const z = streamDecoder('gzip'); z.on('data', deliver); z.write(chunk);
 * ```
 */
export function streamDecoder(coding: Coding): Transform {
  return coding === 'gzip'
    ? createGunzip()
    : coding === 'br'
      ? createBrotliDecompress()
      : createInflate();
}

function inflateOrRawSync(bytes: Buffer, opts: { chunkSize: number; maxOutputLength: number }) {
  try {
    return inflateSync(bytes, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return inflateRawSync(bytes, opts);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * zlib's output chunk size for inflating `bytes` at once: the decoded size when it is known (a
 * gzip member ends with it, mod 2^32: ISIZE, RFC 1952), else a guess of 4:1; never more than
 * deflate can expand (~1032:1), so a lying trailer cannot make us allocate much.
 */
function outputChunkSize(bytes: Buffer, gzip: boolean): number {
  const n = bytes.length;
  let want = n * 4;
  if (gzip && n >= 18) want = bytes.readUInt32LE(n - 4) + 1024;
  return Math.max(MIN_INFLATE_CHUNK, Math.min(want, n * 1032 + 1024, MAX_INFLATE_CHUNK));
}
