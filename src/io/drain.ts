/**
 * Waiting for a socket's send buffer to drain, or for the socket to close (whichever comes
 * first, so that a dead peer never leaves a writer waiting forever).
 */
import type { ConnSocket } from './conn-socket.js';

/**
 * Resolves at once when nothing waits to be flushed, else at the next `'drain'` or `'close'`.
 *
 * @example
 * ```ts
 * if (!socket.write(chunk)) await drained(socket);
 * ```
 */
export function drained(
  socket: Pick<ConnSocket, 'writableNeedDrain' | 'on' | 'off'>,
): Promise<void> {
  if (!socket.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
