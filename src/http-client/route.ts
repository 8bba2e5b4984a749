/**
 * How to reach an origin: directly over its scheme's transport, through an HTTP proxy (the
 * request then uses the absolute form), or through a CONNECT tunnel for TLS schemes. Routes are
 * cached per client by key; they read the config when they connect, so changes apply.
 */
import { connectTunnel, type ProxyAddress } from '../io/proxy/http-connect.js';
import { dial, type Transport } from '../io/dial.js';
import type { HttpConfig } from './config.js';
import type { Route } from './exchange.js';
import { transportFor, type TransportEntry } from './transports.js';

/**
 * Large bodies of known length are read straight into their final buffer (io/dial's
 * `readBuffer`, see read-buffers.ts). CONNCHAN_READ_IN_PLACE=0 turns it off (the ordinary read
 * path copies each chunk once), for comparison or if it is ever suspected.
 */
const READ_IN_PLACE = process.env.CONNCHAN_READ_IN_PLACE !== '0';
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
  proxy: ProxyAddress | undefined,
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
  const { host: ph, port: pp } = proxy;
  if (!transport.secure) {
    // Proxy connections are not shared between hosts (the key names the origin). A proxy
    // reached over TLS (an https:// proxy URL) is dialed directly with TLS to it.
    return {
      key,
      driver,
      transport,
      open: (signal, readBuffer) =>
        proxy.tls
          ? dial({
              host: ph,
              port: pp,
              tls: proxy.tls,
              timeoutMs: cfg.connectTimeoutMs,
              localAddress,
              signal,
            })
          : (transportFor('http')?.connect ?? connect)({
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
        proxy,
        host: u.host,
        port: u.port,
        tls: cfg.tls ?? true,
        timeoutMs: cfg.connectTimeoutMs,
        signal,
      }),
  };
}
