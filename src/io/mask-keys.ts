/**
 * Random masking keys for client frames (RFC 6455 §5.3), drawn from a pooled buffer filled by
 * `crypto.randomFillSync`, so a key costs a subarray, not a syscall.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 8 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;
/** One key buffer, refilled per call: cheaper than a new view per frame. */
const key = Buffer.allocUnsafe(4);

/**
 * Returns 4 fresh random bytes in a shared buffer that the next call overwrites: use it for the
 * frame at hand (the frame encoder copies it into the header), do not keep it.
 *
 * @example
 * ```ts
 * const [header, payload] = encodeFrame({ opcode: Opcode.TEXT, payload, maskKey: nextMaskKey() });
 * ```
 */
export function nextMaskKey(): Buffer {
  if (offset === POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  key[0] = pool[offset];
  key[1] = pool[offset + 1];
  key[2] = pool[offset + 2];
  key[3] = pool[offset + 3];
  offset += 4;
  return key;
}
