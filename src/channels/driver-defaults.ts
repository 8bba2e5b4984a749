/**
 * Client TLS settings per (server, driver), for channels a server opens outward: NaviServer's
 * "a driver loaded with port 0" that `open` and `connect -tls` use. A server registers the
 * client settings of its drivers here (drivers with `listen: false` exist only for this), and
 * `connect`/`open` with `{server, driver}` take them unless given their own.
 */
import type { ClientTlsOptions } from '../io/dial.js';
import { processState } from '../process-state.js';

/** One set per process, whichever copy of connchan registered the server. */
const { defaults } = processState('channels/driver-tls@1', () => ({
  defaults: new Map<string, ClientTlsOptions>(),
}));

const key = (server: string, driver: string) => `${server}\u0000${driver}`;

/** Sets (or with undefined, removes) the client TLS settings of a server's driver. */
export function setDriverClientTls(
  server: string,
  driver: string,
  tls: ClientTlsOptions | undefined,
): void {
  if (tls === undefined) defaults.delete(key(server, driver));
  else defaults.set(key(server, driver), tls);
}

/** The client TLS settings of a server's driver, if it has any. */
export function driverClientTls(
  server: string | undefined,
  driver: string | undefined,
): ClientTlsOptions | undefined {
  if (driver === undefined) return undefined;
  return defaults.get(key(server ?? 'default', driver));
}
