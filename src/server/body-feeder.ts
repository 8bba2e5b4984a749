/**
 * A large response body given whole (`ctx.send(bigBuffer)`) is fed to the socket a piece at a
 * time, the next piece once the socket drained, instead of in one write. A socket write completes
 * only when all of it has left, so one 100 MB write to a slow client would show no progress to
 * the send-stall check for minutes, and would sit in the socket's queue whole; piece by piece,
 * every piece that leaves is progress, and at most one piece is queued.
 */
import type { ConnSocket } from '../io/conn-socket.js';

/** Bodies larger than this are fed in pieces. */
export const FEED_THRESHOLD_BYTES = 256 * 1024;
const PIECE_BYTES = 64 * 1024;

/**
 * Writes `bytes` to `socket` piece by piece as it drains, then calls `done` (not called if the
 * socket is destroyed first).
 *
 * @example
 * ```ts
 * feedBody(socket, body, () => responseFinished());
 * ```
 */
export function feedBody(socket: ConnSocket, bytes: Uint8Array, done: () => void): void {
  let at = 0;
  const step = (): void => {
    while (at < bytes.length) {
      if (socket.destroyed) return;
      const piece = bytes.subarray(at, at + PIECE_BYTES);
      at += piece.length;
      if (!socket.write(piece) && at < bytes.length) {
        socket.once('drain', step);
        return;
      }
    }
    done();
  };
  step();
}
