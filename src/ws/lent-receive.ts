/**
 * A WebSocket receiving straight from a socket that reads into the lent buffer
 * (io/lent-reads.ts), without the copy of each read a channel's consumer otherwise gets.
 *
 * Headers are parsed in the lent bytes, and only what outlives the read is copied: payloads
 * (unmasked as they are copied, one pass) and the bytes of a frame still arriving. The rest of
 * a large payload is read straight into the payload's own memory and unmasked there: such a
 * message costs no copy at all after its first read.
 */
import { isLent } from '../io/lent-reads.js';
import type { WsReceiver } from '../proto/ws/receiver.js';

/**
 * Read the rest of a payload straight into place only while at least this much of it is left:
 * a read of its own for a smaller rest would cost a system call more than the copy it saves
 * (the next frame's bytes, read along in the lent buffer, would wait for the next read).
 */
export const DIRECT_READ_MIN = 32 * 1024;

/** Hands a read to `r`: lent bytes, or bytes that landed where {@link afterRead} asked. */
export function feedRead(r: WsReceiver, bytes: Buffer): void {
  if (isLent(bytes)) r.feedLent(bytes);
  else r.landed(bytes);
}

/**
 * Once the read's events are out: keeps what is left of the lent bytes, and returns where the
 * next read should land (the rest of a large payload), or undefined for the lent buffer.
 */
export function afterRead(r: WsReceiver): Buffer | undefined {
  r.releaseLent();
  return r.readTarget(DIRECT_READ_MIN);
}
