/**
 * connchan: long-lived network connections for Node.js. Channels (ns_connchan), the HTTP/1.1
 * server whose handlers can detach, RFC 6455 WebSockets and an HTTP/1.1 client. Each area also
 * has its own entry point: `connchan/channels`, `connchan/server`, `connchan/ws`,
 * `connchan/http-client`, `connchan/proto`, `connchan/io`.
 *
 * @module
 */
export * as channels from './channels/index.js';
export * as ws from './ws/index.js';
export * as http from './http-client/index.js';
export { createServer, HttpServer, HttpContext } from './server/index.js';
export type { ServerOptions, DriverOptions, Handler } from './server/index.js';
export { geturl, HttpClient } from './http-client/index.js';
export { ConnchanError, ProtocolError, UsageError } from './errors.js';
export { DIAGNOSTICS } from './diagnostics.js';
export type {
  ResponseMessage,
  DetachMessage,
  ChannelCloseMessage,
  RequestInfo,
} from './diagnostics.js';
