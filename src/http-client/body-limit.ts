/**
 * `maxResponseSize` (undici's name): how much of one response body the client keeps in memory.
 * Checked against Content-Length before any memory is set aside for the body, against the bytes
 * as they arrive otherwise, and against the decoded size when the client inflates the body. A
 * body read as a stream (a `channel`, a `handler`, the body of `request()` iterated) is not kept
 * and not limited: its reader's pace bounds the memory.
 */
import { ConnchanError } from '../errors.js';

/** A response body was larger than the client's `maxResponseSize`. */
export class ResponseTooLargeError extends ConnchanError {
  /** The limit in bytes. */
  readonly limit: number;

  /**
   * @example
   * ```ts
   * try { await (await request(url)).body.arrayBuffer(); } catch (err) {
   *   if (err instanceof ResponseTooLargeError) console.log(`over ${err.limit} bytes`);
   * }
   * ```
   */
  constructor(limit: number, what: string) {
    super(`the response body ${what} exceeds maxResponseSize (${limit} bytes)`, {
      code: 'ERR_HTTP_CLIENT_RESPONSE_TOO_LARGE',
    });
    this.limit = limit;
  }
}

/** The limit in force: `maxResponseSize`, where 0 means none. */
export function keptLimit(maxResponseSize: number): number {
  return maxResponseSize > 0 ? maxResponseSize : Infinity;
}
