/**
 * A tunnel through an HTTP proxy with CONNECT (RFC 9110 §9.3.6), for `https://` and `wss://`
 * through a proxy: connect to the proxy, ask for host:port, and on 2xx hand back the socket,
 * optionally wrapped in TLS to the origin. A refusal comes back as a typed error that carries
 * the proxy's status and head.
 */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { dial, type ClientTlsOptions, type Transport } from '../dial.js';
import { ConnchanError } from '../../errors.js';
import { ResponseParser } from '../../proto/http1/response-parser.js';
import { writeRequestHead } from '../../proto/http1/writers.js';
import { NEED_DATA, PAUSED } from '../../proto/need-data.js';
import { TimeoutError } from '../errors.js';

export interface ProxyAddress {
  host: string;
  port: number;
  /** Proxy over TLS (an `https://` proxy URL). */
  tls?: boolean | ClientTlsOptions;
  /** Value of Proxy-Authorization (e.g. `Basic dXNlcjpwYXNz`). */
  authorization?: string;
}

/** The proxy answered CONNECT with something other than 2xx. */
export class ProxyRefusedError extends ConnchanError {
  readonly status: number;
  readonly reason: string;
  readonly headers: [string, string][];
  constructor(status: number, reason: string, headers: [string, string][], target: string) {
    super(`proxy refused CONNECT ${target}: ${status} ${reason}`, { code: 'ERR_PROXY_REFUSED' });
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }
}

export interface TunnelOptions {
  proxy: ProxyAddress;
  host: string;
  port: number;
  /** TLS to the origin through the tunnel (`https`, `wss`). */
  tls?: boolean | ClientTlsOptions;
  /** Covers proxy connect, CONNECT exchange and origin TLS. Default 10 s. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Opens a CONNECT tunnel and resolves with a socket to the origin (TLS if asked).
 *
 * @example
 * ```ts
 * const socket = await connectTunnel({ proxy: { host: '127.0.0.1', port: 3128 }, host: 'example.org', port: 443, tls: true });
 * ```
 */
export async function connectTunnel(options: TunnelOptions): Promise<Transport> {
  const { proxy, host, port, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  const socket = await dial({
    host: proxy.host,
    port: proxy.port,
    tls: proxy.tls,
    timeoutMs,
    signal: options.signal,
  });
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { Host: authority, ...options.headers };
  if (proxy.authorization) headers['Proxy-Authorization'] = proxy.authorization;
  socket.write(writeRequestHead({ method: 'CONNECT', target: authority, headers }));
  const parser = new ResponseParser();
  parser.expectResponse('CONNECT');
  let leftover: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new TimeoutError(`CONNECT ${authority} through ${proxy.host}:${proxy.port} timed out`, {
              code: 'ERR_PROXY_TIMEOUT',
              timeoutMs,
            }),
          ),
        Math.max(0, deadline - Date.now()),
      );
      const done = (err?: Error) => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('end', onEnd);
        if (err) reject(err);
        else resolve();
      };
      const onError = (err: Error) => done(err);
      const onEnd = () =>
        done(
          new ConnchanError(`proxy closed the connection during CONNECT ${authority}`, {
            code: 'ERR_PROXY_CLOSED',
          }),
        );
      const onData = (chunk: Buffer) => {
        try {
          parser.feed(chunk);
          for (let ev = parser.next(); ev !== NEED_DATA && ev !== PAUSED; ev = parser.next()) {
            if (ev.type === 'upgrade') {
              leftover = parser.takeUnparsed();
              return done();
            }
            if (ev.type === 'response') {
              const h = ev.head;
              return done(new ProxyRefusedError(h.status, h.reason, [...h.headers], authority));
            }
          }
        } catch (err) {
          done(err as Error);
        }
      };
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('end', onEnd);
    });
  } catch (err) {
    socket.destroy();
    throw err;
  }
  if (leftover.length > 0) socket.unshift(Buffer.concat(leftover));
  if (!options.tls) return socket;
  const tlsOpts: ClientTlsOptions = options.tls === true ? {} : options.tls;
  return new Promise<TLSSocket>((resolve, reject) => {
    const secure = tlsConnect({
      socket,
      servername: tlsOpts.servername ?? (isIP(host) === 0 ? host : undefined),
      host,
      ca: tlsOpts.ca,
      cert: tlsOpts.cert,
      key: tlsOpts.key,
      rejectUnauthorized: !tlsOpts.insecure,
      ALPNProtocols: tlsOpts.alpnProtocols,
    });
    const timer = setTimeout(
      () => {
        secure.destroy();
        reject(
          new TimeoutError(`TLS to ${authority} through the proxy timed out`, {
            code: 'ERR_CONNECT_TIMEOUT',
            timeoutMs,
          }),
        );
      },
      Math.max(0, deadline - Date.now()),
    );
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(secure);
    });
    secure.once('error', (err) => {
      clearTimeout(timer);
      secure.destroy();
      reject(err);
    });
  });
}
