/**
 * The part of `net.Socket` the library itself uses on a connection: what both a `net.Socket`
 * (or `tls.TLSSocket`) and the server's own plain-TCP {@link HandleSocket} (io/handle-socket.ts)
 * provide, so that the server and channel code does not care which one it has.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the events' own argument types
type Listener = (...args: any[]) => void;

/** A connection's socket as the library's own code sees it (`net.Socket` satisfies it). */
export interface ConnSocket {
  write(chunk: Uint8Array | string, cb?: (err?: Error | null) => void): boolean;
  write(
    chunk: Uint8Array | string,
    encoding?: BufferEncoding,
    cb?: (err?: Error | null) => void,
  ): boolean;
  /** Ends our side after what is queued (`'finish'` then), with `chunk` as the last bytes. */
  end(): this;
  end(chunk: Uint8Array | string): this;
  cork(): void;
  uncork(): void;
  destroy(error?: Error): this;
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  /** For a socket nobody hears: hands a read on as `'data'` (io/lent-reads.ts pushLentRead). */
  push(chunk: Buffer): boolean;

  on(event: string, listener: Listener): this;
  once(event: string, listener: Listener): this;
  off(event: string, listener: Listener): this;

  readonly allowHalfOpen: boolean;
  readonly writable: boolean;
  readonly destroyed: boolean;
  readonly closed: boolean;
  readonly readableEnded: boolean;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly writableHighWaterMark: number;
  readonly writableCorked: number;
  readonly bytesWritten: number;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}
