/**
 * Random masking keys for client frames (RFC 6455 §5.3), drawn from a pooled buffer filled by
 * `crypto.randomFillSync`, so a key costs a subarray, not a syscall.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 8 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * Returns 4 fresh random bytes. The view is only valid until the pool refills: use it for the
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
  const key = pool.subarray(offset, offset + 4);
  offset += 4;
  return key;
}
