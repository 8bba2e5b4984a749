/**
 * The HTTP server's options, limits and their defaults, and what a connection needs from its
 * server (`ServerCore`).
 */
import type { HeaderList } from '../proto/http1/headers.js';
import type { RequestParserOptions } from '../proto/http1/request-parser.js';
import type { ClientTlsOptions } from '../io/dial.js';
import type { ChannelLimits } from '../channels/channel.js';
import type { ServerConnection } from './connection.js';
import type { HttpContext } from './context.js';
import type { ServerTlsOptions } from './tls-driver.js';

export type Handler = (ctx: HttpContext) => void | Promise<void>;

export interface DriverOptions {
  /** Name shown in channel listings. Default `http` or `https`. */
  name?: string;
  host?: string;
  /** Port; 0 picks a free one. Default 8080 (plain) / 8443 (TLS). */
  port?: number;
  /** Listen on this Unix-domain socket path instead of host:port. */
  path?: string;
  /**
   * Serve TLS: the default certificate, per-host ones for SNI, and node:tls's options
   * (`minVersion`, `maxVersion`, `ciphers`, `ALPNProtocols`, `requestCert`/`rejectUnauthorized`/
   * `ca` for client certificates, `sessionTimeout`, `ticketKeys`, `sessionTickets: false`…).
   */
  tls?: ServerTlsOptions;
  /**
   * false: do not listen. The driver then only provides client TLS settings for channels this
   * server opens (NaviServer's "port 0" configuration).
   */
  listen?: boolean;
  /** Client TLS settings for outgoing connections made through this driver. */
  client?: ClientTlsOptions;
}

export interface ServerLimits {
  /** Connections served at once; more are answered 503 and closed. Default 10 000. */
  maxConnections: number;
  /** Largest request body accepted (413 beyond). Default 16 MiB. */
  maxBodyBytes: number;
  /**
   * Time allowed for a whole request head (slow loris → 408): from accept for a connection's
   * first request (the TLS handshake included), from its first byte for later ones. Default 10 s.
   */
  headerTimeoutMs: number;
  /** Idle time allowed between requests on a keep-alive connection. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** Grace period of a shutdown before what is left is closed. Default 5 s. */
  shutdownGraceMs: number;
  /**
   * Answer bytes a connection may have waiting to be sent. Above it the server reads no further
   * request from that connection until they drained (a client that pipelines without reading),
   * and a handler's `write()` throws `ERR_HTTP_SEND_BUFFER_FULL` and cuts the connection (a
   * handler that ignored `write()`'s false). Default 1 MiB.
   */
  maxUnsentBytes: number;
  /**
   * How long bytes waiting to be sent may stay without any of them leaving before the
   * connection is closed (a client that stopped reading; nginx's `send_timeout`). Default 60 s.
   */
  sendTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxConnections: 10_000,
  maxBodyBytes: 16 * 1024 * 1024,
  headerTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  shutdownGraceMs: 5_000,
  maxUnsentBytes: 1024 * 1024,
  sendTimeoutMs: 60_000,
});

export interface ServerOptions {
  /** The server's name: its channel table's name. Default `default`. */
  name?: string;
  /** Listeners. Default: one plain driver on 127.0.0.1:8080. */
  drivers?: DriverOptions[];
  limits?: Partial<ServerLimits>;
  /**
   * Header limits of the request parser (431/414 beyond; the defaults are never stricter than
   * node:http's), and methods to accept besides the known ones and those of the routes.
   */
  parser?: RequestParserOptions;
  /** Reverse-proxy mode: X-Forwarded-For is believed only from these addresses / CIDR ranges. */
  trustedProxies?: string[];
  /** Limits of the channels that detached connections become. */
  channelLimits?: Partial<ChannelLimits>;
  /** Called for requests no route matches. Default: 404 (405 when another method matches). */
  notFound?: Handler;
  /** Called when a handler throws; default logs it (the client gets a 500). */
  onError?: (err: unknown, ctx: HttpContext) => void;
}

/** A driver once listening. */
export interface BoundDriver {
  name: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** `http://host:port/` */
  url: string;
}

/** What a connection needs from its server. */
export interface ServerCore {
  readonly name: string;
  readonly parserOptions: RequestParserOptions | undefined;
  readonly maxBodyBytes: number;
  readonly maxBufferedBytes: number;
  readonly headerTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxUnsentBytes: number;
  readonly sendTimeoutMs: number;
  readonly channelLimits: Partial<ChannelLimits> | undefined;
  readonly closing: boolean;
  clientAddress(peer: string, headers: HeaderList): string;
  dispatch(ctx: HttpContext, conn: ServerConnection): void;
  forget(conn: ServerConnection): void;
}
