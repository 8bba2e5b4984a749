/**
 * Opening outgoing connections, plain or TLS, with one call and one result type. A connect
 * timeout covers everything up to a usable socket: DNS, TCP connect and the TLS handshake.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ConnectError, TimeoutError, AbortError, connectErrorFrom } from './errors.js';

/** TLS settings for an outgoing connection. Certificates are verified unless `insecure`. */
export interface ClientTlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain (PEM). */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  /** Server name for SNI and certificate checks. Default: the host, unless it is an IP address. */
  servername?: string;
  /** Skip certificate verification (NaviServer's `-insecure`). */
  insecure?: boolean;
  /** ALPN protocols to offer. */
  alpnProtocols?: string[];
}

export interface DialOptions {
  host: string;
  port: number;
  /** `true` or TLS settings for a TLS connection; absent for plain TCP. */
  tls?: boolean | ClientTlsOptions;
  /** Connect timeout in ms, covering DNS, TCP and TLS. Default 1000 (as ns_connchan connect). */
  timeoutMs?: number;
  /** Local address to connect from (Tcl http's `-myaddr`). */
  localAddress?: string;
  /** Connect to this Unix-domain socket instead of host:port (host still names the server for TLS and Host). */
  unixSocket?: string;
  signal?: AbortSignal;
  /**
   * Plain TCP only: where each read from the socket lands (Node's `onread`), asked before every
   * read with how many bytes the previous read put into the buffer it returned last time (0 at
   * first). The bytes then leave as `'data'` views of that memory, as usual, so it must be memory
   * never handed out twice. Lets a reader put a body straight where it is kept.
   */
  readBuffer?: (filled: number) => Buffer;
}

export type Transport = Socket | TLSSocket;

/**
 * Connects and resolves with a ready socket: connected, and for TLS with the handshake done
 * and the certificate verified. Errors are {@link ConnectError} or {@link TimeoutError}.
 *
 * @example
 * ```ts
 * const socket = await dial({ host: 'example.org', port: 443, tls: true, timeoutMs: 2000 });
 * ```
 */
export function dial(options: DialOptions): Promise<Transport> {
  const { host, port, timeoutMs = 1000, localAddress, signal } = options;
  if (signal?.aborted) return Promise.reject(new AbortError());
  return new Promise((resolve, reject) => {
    let socket: Transport;
    const tlsOpts = options.tls === true ? {} : options.tls || undefined;
    // Half-open allowed: the channel layer decides when our side ends (see Channel.halfOpen).
    const readBuffer = options.tls ? undefined : options.readBuffer;
    // With readBuffer, reads go where it says and are pushed into the stream as Node would.
    let filled = 0;
    const onread = readBuffer && {
      buffer: () => {
        const n = filled;
        filled = 0;
        return readBuffer(n);
      },
      callback: (n: number, buf: Uint8Array) => {
        filled = n;
        return tcp.push((buf as Buffer).subarray(0, n));
      },
    };
    const tcp: Socket = options.unixSocket
      ? netConnect({ path: options.unixSocket, allowHalfOpen: true, onread })
      : netConnect({ host, port, localAddress, allowHalfOpen: true, onread });
    if (tlsOpts) {
      const servername = tlsOpts.servername ?? (isIP(host) === 0 ? host : undefined);
      // TLS over our own TCP socket, so that localAddress applies; the handshake starts once
      // the TCP connection is up.
      socket = tlsConnect({
        socket: tcp,
        host,
        servername,
        ca: tlsOpts.ca,
        cert: tlsOpts.cert,
        key: tlsOpts.key,
        rejectUnauthorized: !tlsOpts.insecure,
        ALPNProtocols: tlsOpts.alpnProtocols,
      });
    } else {
      socket = tcp;
    }
    const readyEvent = tlsOpts ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      fail(
        new TimeoutError(`connecting to ${host}:${port} timed out after ${timeoutMs} ms`, {
          code: 'ERR_CONNECT_TIMEOUT',
          timeoutMs,
        }),
      );
    }, timeoutMs);
    const onAbort = () => fail(new AbortError(`connecting to ${host}:${port} was aborted`));
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      tcp.removeListener('error', onError);
      socket.removeListener(readyEvent, onReady);
    };
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      tcp.destroy();
      reject(err);
    };
    // TCP errors surface on the TLS socket too, but a failure before the TLS layer attaches
    // would otherwise go unheard.
    const onError = (err: NodeJS.ErrnoException) => fail(connectErrorFrom(err, host, port));
    if (socket !== tcp) tcp.once('error', onError);
    const onReady = () => {
      cleanup();
      if (!options.unixSocket) socket.setNoDelay(true);
      resolve(socket);
    };
    socket.once('error', onError);
    socket.once(readyEvent, onReady);
  });
}

export { ConnectError };
