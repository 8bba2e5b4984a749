/**
 * The I/O layer: dialing plain and TLS connections, CONNECT tunnels, proxies from the
 * environment, masking keys, permessage-deflate over zlib, and time values.
 *
 * @module
 */
export { dial } from './dial.js';
export type { DialOptions, ClientTlsOptions, Transport } from './dial.js';
export { ConnectError, TimeoutError, AbortError } from './errors.js';
export { connectTunnel, ProxyRefusedError } from './proxy/http-connect.js';
export type { ProxyAddress, TunnelOptions } from './proxy/http-connect.js';
export { proxyFromEnv, parseProxyUrl, readEnvProxies, envProxyFor } from './proxy/env.js';
export type { EnvProxies, ProxyEnv } from './proxy/env.js';
export { parseTimeValue } from './time-value.js';
export type { TimeValue } from './time-value.js';
export { nextMaskKey } from './mask-keys.js';
export { generateKey, acceptFor } from './handshake-keys.js';
export { PerMessageDeflate, zlibLimiter } from './deflate.js';
export { Limiter } from './limiter.js';
