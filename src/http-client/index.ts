/**
 * `connchan/http-client`: an HTTP/1.1 client over connchan's channels and codec. `fetch` and
 * `request` (the shapes of the platform's fetch and `undici.request`) on `HttpClient` pools,
 * and the Tcl `http` package (2.9 manual, with 2.10's additions) as `geturl` and friends. See
 * docs/http-client.md.
 *
 * @module
 */
export { HttpClient } from './client.js';
export { defaultClient, geturl, config, formatQuery, quoteString, reset } from './geturl.js';
export {
  DEFAULT_HTTP_CONFIG,
  TCL_HTTP_CONFIG,
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
export {
  request,
  ResponseData,
  getGlobalDispatcher,
  setGlobalDispatcher,
  type RequestOptions,
  type UrlObject,
} from './request.js';
export { fetch, type FetchInit } from './fetch.js';
export { BodyReadable } from './response-body.js';
export type { RequestHeaders, RequestBodyInit } from './request-init.js';
