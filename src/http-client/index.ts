/**
 * `connchan/http-client`: the Tcl `http` package (2.9 manual, with 2.10's additions) as an
 * HTTP/1.1 client over connchan's channels and codec. See docs/http-client.md.
 *
 * @module
 */
export { HttpClient, reset } from './client.js';
export { defaultClient, geturl, config, formatQuery, quoteString } from './geturl.js';
export {
  DEFAULT_HTTP_CONFIG,
  type HttpConfig,
  type CookieJar,
  type ProxyFilter,
} from './config.js';
export type { GeturlOptions, HeadersOption } from './options.js';
export { HttpToken, type HttpStatus, type ProxyUsed } from './token.js';
export {
  status,
  size,
  code,
  ncode,
  meta,
  data,
  error,
  cleanup,
  wait,
  postError,
  responseHeaderValue,
  responseInfo,
  reasonPhrase,
  type ResponseInfo,
} from './accessors.js';
export {
  register,
  unregister,
  registerError,
  defaultTransport,
  type TransportConnect,
  type TransportConnectOptions,
  type TransportEntry,
} from './transports.js';
export { isTextType, charsetOf } from './charset.js';
export { geturlStream, type StreamedResponse } from './stream.js';
