/**
 * `connect`: a channel to host:port over TCP or TLS, with nothing sent (ns_connchan connect).
 */
import { dial, type ClientTlsOptions } from '../io/dial.js';
import { parseTimeValue, type TimeValue } from '../io/time-value.js';
import { ChannelTable } from './channel-table.js';
import { driverClientTls } from './driver-defaults.js';
import type { Channel, ChannelLimits } from './channel.js';

export interface ConnectOptions {
  /** TLS (`true`, or TLS settings: ca, cert, key, servername, insecure). Default: plain TCP. */
  tls?: boolean | ClientTlsOptions;
  /** Connect timeout (DNS, TCP and TLS). Default 1 s, as ns_connchan. */
  timeout?: TimeValue;
  /** Local address to connect from. */
  localAddress?: string;
  /** Table the channel goes into. Default: the default server's. */
  server?: string;
  /** Driver name to show in `list`. Default `http` or `https`. */
  driver?: string;
  clientData?: unknown;
  limits?: Partial<ChannelLimits>;
  /**
   * Keep the channel after the peer finished sending (TCP half-close), so that it can still be
   * written to; it leaves the table only once the connection is closed. Default false.
   */
  halfOpen?: boolean;
  signal?: AbortSignal;
}

/**
 * Connects and returns the new channel. Errors are typed: `ConnectError`
 * (`ERR_CONNECT_REFUSED`, `ERR_UNKNOWN_HOST`, `ERR_TLS_HANDSHAKE`, …) or `TimeoutError`
 * (`ERR_CONNECT_TIMEOUT`); no table entry is left behind on failure.
 *
 * @example
 * ```ts
 * const chan = await connectChannel('127.0.0.1', 6379, { timeout: '500ms' });
 * chan.write('PING\r\n');
 * ```
 */
export async function connectChannel(
  host: string,
  port: number,
  options: ConnectOptions = {},
): Promise<Channel> {
  const timeoutMs =
    options.timeout === undefined ? 1000 : parseTimeValue(options.timeout, 'timeout');
  // `tls: true` with a driver takes the driver's client settings (CA, client certificate…).
  const tls =
    options.tls === true ? (driverClientTls(options.server, options.driver) ?? true) : options.tls;
  const socket = await dial({
    host,
    port,
    tls,
    timeoutMs,
    localAddress: options.localAddress,
    signal: options.signal,
  });
  return ChannelTable.of(options.server).create({
    socket,
    kind: 'connect',
    driver: options.driver ?? (options.tls ? 'https' : 'http'),
    role: 'client',
    clientData: options.clientData,
    limits: options.limits,
    halfOpen: options.halfOpen,
  });
}
