/**
 * The bytes of a batch of topic messages as they travel between members (through Redis or the
 * primary): who published it, the publisher's number of its first message on this topic (a gap
 * means messages were lost on the way, which the receiver counts), and the messages.
 *
 * ```
 * u8 version (1) | u8 idLength | id | u32 firstSeq | u32 count | count × (u8 flags | u32 length | bytes)
 * ```
 * flags: bit 0 = binary.
 */
import { Buffer } from 'node:buffer';
import { ConnchanError } from '../errors.js';

const VERSION = 1;

/** A decoded batch: the messages are views of the received bytes. */
export interface Batch {
  publisher: string;
  firstSeq: number;
  payloads: Buffer[];
  binary: boolean[];
}

/**
 * Encodes `count` messages into one buffer.
 *
 * @example
 * ```ts
 * const bytes = encodeBatch('a7.1', 0, [Buffer.from('hi')], [false]);
 * decodeBatch(bytes).payloads[0].toString(); // 'hi'
 * ```
 */
export function encodeBatch(
  publisher: string,
  firstSeq: number,
  payloads: readonly Buffer[],
  binary: readonly boolean[],
): Buffer {
  const id = Buffer.from(publisher);
  let size = 2 + id.length + 8;
  for (const p of payloads) size += 5 + p.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = VERSION;
  out[1] = id.length;
  id.copy(out, 2);
  let at = 2 + id.length;
  out.writeUInt32BE(firstSeq >>> 0, at);
  out.writeUInt32BE(payloads.length, at + 4);
  at += 8;
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i];
    out[at] = binary[i] ? 1 : 0;
    out.writeUInt32BE(p.length, at + 1);
    p.copy(out, at + 5);
    at += 5 + p.length;
  }
  return out;
}

function malformed(why: string): ConnchanError {
  return new ConnchanError(`malformed cluster batch: ${why}`, { code: 'ERR_CLUSTER_BAD_BATCH' });
}

/**
 * Decodes a batch; the payloads are views of `bytes`.
 *
 * @throws ConnchanError `ERR_CLUSTER_BAD_BATCH` for bytes that are not a whole batch.
 * @example
 * ```ts
 * const { publisher, payloads } = decodeBatch(bytes);
 * ```
 */
export function decodeBatch(bytes: Buffer): Batch {
  if (bytes.length < 2 || bytes[0] !== VERSION) throw malformed('unknown version');
  const idLen = bytes[1];
  let at = 2 + idLen;
  if (bytes.length < at + 8) throw malformed('short header');
  const publisher = bytes.toString('utf8', 2, at);
  const firstSeq = bytes.readUInt32BE(at);
  const count = bytes.readUInt32BE(at + 4);
  at += 8;
  const payloads: Buffer[] = [];
  const binary: boolean[] = [];
  for (let i = 0; i < count; i++) {
    if (bytes.length < at + 5) throw malformed('short message header');
    const len = bytes.readUInt32BE(at + 1);
    if (bytes.length < at + 5 + len) throw malformed('short message');
    binary.push((bytes[at] & 1) === 1);
    payloads.push(bytes.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  if (at !== bytes.length) throw malformed('trailing bytes');
  return { publisher, firstSeq, payloads, binary };
}
