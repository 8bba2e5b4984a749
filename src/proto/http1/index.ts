/**
 * `proto/http1`: a pure HTTP/1.1 codec (RFC 9112). Parsers pull (`feed`, then `next()` until
 * `NEED_DATA` or `PAUSED`); writers are functions returning bytes.
 */
export { NEED_DATA, PAUSED, type NeedData, type Paused } from '../need-data.js';
export { HeaderList, isToken, isFieldValue } from './headers.js';
export { HttpErrorCode, type HttpErrorCodeValue } from './errors.js';
export type { BodyKind } from './body-readers.js';
export type { RequestHead } from './request-head.js';
export type { ResponseHead } from './response-head.js';
export {
  RequestParser,
  DEFAULT_REQUEST_PARSER_OPTIONS,
  type RequestParserOptions,
  type RequestEvent,
} from './request-parser.js';
export {
  ResponseParser,
  DEFAULT_RESPONSE_PARSER_OPTIONS,
  type ResponseParserOptions,
  type ResponseEvent,
} from './response-parser.js';
export {
  writeRequestHead,
  writeResponseHead,
  formatRequestHead,
  formatResponseHead,
  type HeaderInit,
  type RequestHeadInit,
  type ResponseHeadInit,
} from './writers.js';
export { encodeChunk, lastChunk } from './body-writers.js';
export { STATUS_REASONS, reasonPhrase } from './status-codes.js';
