/**
 * `http::register` / `unregister` / `registerError`: the transport used per URL scheme. `http`
 * (port 80, TCP) and `https` (port 443, `node:tls` with certificate verification) are there from
 * the start. A transport is a function that opens a connected socket.
 */
import { UsageError } from '../errors.js';
import { processState } from '../process-state.js';
import { dial, type ClientTlsOptions, type Transport } from '../io/dial.js';

/** What a transport is asked to connect to. */
export interface TransportConnectOptions {
  host: string;
  port: number;
  timeoutMs: number;
  localAddress?: string;
  signal?: AbortSignal;
  /** The client's TLS settings (used by https). */
  tls?: ClientTlsOptions;
  /** Where reads should land (see io/dial's `readBuffer`); a transport may ignore it. */
  readBuffer?: (filled: number) => Buffer;
}

/** Opens a connected (for TLS: handshaken and verified) socket. */
export type TransportConnect = (options: TransportConnectOptions) => Promise<Transport>;

/** A registered scheme. */
export interface TransportEntry {
  scheme: string;
  port: number;
  connect: TransportConnect;
  /** The scheme speaks TLS (so a proxy is used with CONNECT). */
  secure: boolean;
}

const plain: TransportConnect = (o) =>
  dial({
    host: o.host,
    port: o.port,
    timeoutMs: o.timeoutMs,
    localAddress: o.localAddress,
    signal: o.signal,
    readBuffer: o.readBuffer,
  });
const secure: TransportConnect = (o) =>
  dial({
    host: o.host,
    port: o.port,
    tls: o.tls ?? true,
    timeoutMs: o.timeoutMs,
    localAddress: o.localAddress,
    signal: o.signal,
  });

const DEFAULTS: TransportEntry[] = [
  { scheme: 'http', port: 80, connect: plain, secure: false },
  { scheme: 'https', port: 443, connect: secure, secure: true },
];
/** One registry per process (`http::register` is global), whichever copy of connchan asks. */
const shared = processState('http-client/transports@1', () => ({
  registry: new Map<string, TransportEntry>(DEFAULTS.map((e) => [e.scheme, e])),
  errors: new Map<string, string>(),
  generation: 0,
}));
const { registry, errors } = shared;

/**
 * Changes whenever a scheme is registered or unregistered (caches of parsed URLs check it).
 *
 * @example
 * ```ts
 * const g = registryGeneration(); register('x', 1, connect); registryGeneration() !== g; // true
 * ```
 */
export function registryGeneration(): number {
  return shared.generation;
}

/**
 * Registers (or replaces) the transport for `scheme` with its default port. Returns the entry.
 *
 * @example
 * ```ts
 * register('https', 443, (o) => dial({ ...o, tls: { ca: myCa } }), { secure: true });
 * ```
 */
export function register(
  scheme: string,
  port: number,
  connect: TransportConnect,
  options: { secure?: boolean } = {},
): TransportEntry {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) {
    throw new UsageError(`invalid scheme "${scheme}"`, { code: 'ERR_HTTP_CLIENT_INVALID_OPTION' });
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`invalid default port ${port}`, {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
  }
  const s = scheme.toLowerCase();
  const entry = { scheme: s, port, connect, secure: options.secure ?? s === 'https' };
  registry.set(s, entry);
  shared.generation++;
  return entry;
}

/**
 * Removes the transport of `scheme` and returns what was registered; an error if none was.
 * Unregistering http or https and registering again restores them via {@link defaultTransport}.
 *
 * @example
 * ```ts
 * const old = unregister('https');
 * ```
 */
export function unregister(scheme: string): TransportEntry {
  const s = scheme.toLowerCase();
  const entry = registry.get(s);
  if (entry === undefined) {
    throw new UsageError(`"${scheme}" is not registered`, {
      code: 'ERR_HTTP_CLIENT_NOT_REGISTERED',
    });
  }
  registry.delete(s);
  shared.generation++;
  return entry;
}

/**
 * Lets a transport leave a precise error message for the connection to `key` (`host:port`),
 * which geturl reports instead of the generic one; returns the last message for `key`.
 *
 * @example
 * ```ts
 * registerError('example.org:443', 'certificate pinned to another key');
 * ```
 */
export function registerError(key: string, message?: string): string {
  if (message !== undefined) errors.set(key, message);
  return errors.get(key) ?? '';
}

/**
 * Takes (and forgets) the message registered for `key`.
 *
 * @example
 * ```ts
 * takeRegisteredError('example.org:443'); // the message, or undefined
 * ```
 */
export function takeRegisteredError(key: string): string | undefined {
  const m = errors.get(key);
  errors.delete(key);
  return m;
}

/**
 * The transport of `scheme`, or undefined.
 *
 * @example
 * ```ts
 * transportFor('https')?.port; // 443
 * ```
 */
export function transportFor(scheme: string): TransportEntry | undefined {
  return registry.get(scheme);
}

/**
 * The built-in transport of http or https (to register it again after unregister).
 *
 * @example
 * ```ts
 * const d = defaultTransport('https');
 * register(d.scheme, d.port, d.connect, { secure: true });
 * ```
 */
export function defaultTransport(scheme: 'http' | 'https'): TransportEntry {
  return DEFAULTS.find((e) => e.scheme === scheme) as TransportEntry;
}
