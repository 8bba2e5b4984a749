/**
 * The body as an `AsyncIterable`: geturl with a PassThrough as its `channel`, resolved as soon
 * as the response head is in. Reading is flow-controlled: while the consumer does not read,
 * the socket is paused (the channel's backpressure).
 */
import { PassThrough } from 'node:stream';
import type { HttpClient } from './client.js';
import type { GeturlOptions } from './options.js';
import type { HttpToken } from './token.js';

/** A response whose body is read as it arrives. */
export interface StreamedResponse {
  /** The token: status '' until the body has been read to the end. */
  token: HttpToken;
  /** The body (decoded when zip), chunk by chunk. Ends with the transaction. */
  body: AsyncIterable<Buffer>;
  /** Resolves when the transaction is over (look at token.status). */
  done: Promise<HttpToken>;
}

/**
 * Starts a request and resolves when its response head has arrived; the body follows as an
 * async iterable. Rejects if the transaction ends before a head (connect error, eof, timeout…).
 *
 * @example
 * ```ts
 * const res = await geturlStream(client, 'http://127.0.0.1:8080/big');
 * for await (const chunk of res.body) process.stdout.write(chunk);
 * ```
 */
export function geturlStream(
  client: HttpClient,
  url: string,
  options: Omit<GeturlOptions, 'channel' | 'command' | 'onHead' | 'handler'> = {},
): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    const body = new PassThrough();
    // The error reaches a reader through its iterator; nobody reading must not crash the process.
    body.on('error', () => {});
    let headed = false;
    const token = client.geturl(url, {
      ...options,
      channel: body,
      onHead: (t) => {
        headed = true;
        resolve({ token: t, body, done: t.done });
      },
      command: (t) => {
        if (t.status === 'ok') body.end();
        else body.destroy(t.errorObject ?? new Error(`transaction ended with status ${t.status}`));
        if (!headed)
          reject(t.errorObject ?? new Error(`transaction ended with status ${t.status}`));
      },
    });
    void token;
  });
}
