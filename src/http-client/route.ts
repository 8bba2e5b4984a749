/**
 * How to reach an origin: directly over its scheme's transport, through an HTTP proxy (the
 * request then uses the absolute form), or through a CONNECT tunnel for TLS schemes. Routes are
 * cached per client by key; they read the config when they connect, so changes apply.
 */
import { connectTunnel } from '../io/proxy/http-connect.js';
import type { Transport } from '../io/dial.js';
import type { HttpConfig } from './config.js';
import type { Route } from './exchange.js';
import { transportFor, type TransportEntry } from './transports.js';

/**
 * Reading large bodies straight into their final buffer (io/dial's `readBuffer`) is off: its
 * test (read-in-place.test.ts) fails intermittently under load, and until that is understood
 * the ordinary read path, which copies once, is the safe one.
 */
const READ_IN_PLACE = process.env.CONNCHAN_READ_IN_PLACE === '1';
import type { RequestUrl } from './url.js';

/** A route and the transport it was made for (a re-registered scheme makes a new one). */
export type CachedRoute = Route & { transport: TransportEntry };

/**
 * The route to `u`, through `proxy` when given.
 *
 * @example
 * ```ts
 * const route = makeRoute('k', url, undefined, transportFor('http')!, undefined, config);
 * const socket = await route.open();
 * ```
 */
export function makeRoute(
  key: string,
  u: RequestUrl,
  proxy: readonly [string, number] | undefined,
  transport: TransportEntry,
  localAddress: string | undefined,
  cfg: HttpConfig,
): CachedRoute {
  const connect = transport.connect;
  const driver = u.scheme;
  if (proxy === undefined) {
    return {
      key,
      driver,
      transport,
      open: (signal, readBuffer) =>
        connect({
          host: u.host,
          port: u.port,
          timeoutMs: cfg.connectTimeoutMs,
          localAddress,
          signal,
          tls: cfg.tls,
          readBuffer: READ_IN_PLACE ? readBuffer : undefined,
        }),
    };
  }
  const [ph, pp] = proxy;
  if (!transport.secure) {
    // Proxy connections are not shared between hosts (the key names the origin).
    return {
      key,
      driver,
      transport,
      open: (signal, readBuffer) =>
        (transportFor('http')?.connect ?? connect)({
          host: ph,
          port: pp,
          timeoutMs: cfg.connectTimeoutMs,
          localAddress,
          signal,
          readBuffer: READ_IN_PLACE ? readBuffer : undefined,
        }),
    };
  }
  return {
    key,
    driver,
    transport,
    open: (signal): Promise<Transport> =>
      connectTunnel({
        proxy: { host: ph, port: pp, authorization: cfg.proxyauth || undefined },
        host: u.host,
        port: u.port,
        tls: cfg.tls ?? true,
        timeoutMs: cfg.connectTimeoutMs,
        signal,
      }),
  };
}
