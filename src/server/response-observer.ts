/**
 * The response diagnostics of one connection: only while someone subscribes to the response or
 * detach channel (diagnostics.ts) does a request remember when it started and how many bytes
 * the socket had written, to publish its duration and size when it ends.
 */
import type { ConnSocket } from '../io/conn-socket.js';
import { detachChannel, responseChannel } from '../diagnostics.js';
import type { HttpContext } from './context.js';

export class ResponseObserver {
  /** performance.now() when the observed request started. */
  from = 0;
  #bytes = 0;

  /** Someone listens: the request starting now is to be observed. */
  static get wanted(): boolean {
    return responseChannel.hasSubscribers || detachChannel.hasSubscribers;
  }

  /**
   * Notes where the request starting now begins.
   *
   * @example
   * ```ts
   * if (ResponseObserver.wanted) observer.start(socket);
   * ```
   */
  start(socket: ConnSocket): void {
    this.from = performance.now();
    this.#bytes = socket.bytesWritten;
  }

  /**
   * Publishes the response's status, size and duration. `writtenTo`: where the response's bytes
   * end when not all are written yet (-1: they are).
   *
   * @example
   * ```ts
   * if (responseChannel.hasSubscribers) observer.publish('srv', ctx, socket, 200);
   * ```
   */
  publish(
    server: string,
    ctx: HttpContext,
    socket: ConnSocket,
    status: number,
    writtenTo = -1,
  ): void {
    // The client's address, asked of the socket now, while it is sure to know it: a subscriber
    // may keep the message and read it later. (A detach does not ask: a WebSocket's life would
    // pay a system call for it whether anyone reads it or not.)
    void ctx.peer;
    responseChannel.publish({
      server,
      request: ctx,
      status,
      bytes: (writtenTo < 0 ? socket.bytesWritten : writtenTo) - this.#bytes,
      durationMs: performance.now() - this.from,
    });
  }
}
