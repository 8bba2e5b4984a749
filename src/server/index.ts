/**
 * The HTTP/1.1 server whose handlers can detach their connection into a channel.
 *
 * @module
 */
export { createServer, HttpServer, DEFAULT_SERVER_LIMITS } from './server.js';
export type {
  Handler,
  ServerOptions,
  DriverOptions,
  ServerLimits,
  BoundDriver,
  CertificatePair,
  ServerTlsOptions,
} from './server.js';
export type { DetachOptions } from './connection.js';
export type { TlsDetails } from './tls-details.js';
export { HttpContext, ResponseStateError } from './context.js';
export type { BodyOptions } from './context.js';
export { TrustedProxies } from './reverse-proxy.js';
export { Router, routeKind } from './router.js';
