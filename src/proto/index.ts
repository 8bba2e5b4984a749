/**
 * The pure protocol core: WebSocket frames, messages, close codes, handshake, extension
 * negotiation, and HTTP/1.1 messages. Bytes in, events out; no sockets, timers or zlib.
 *
 * @module
 */
export { NEED_DATA, PAUSED } from './need-data.js';
export type { NeedData, Paused } from './need-data.js';
export { ByteQueue } from './bytes/byte-queue.js';
export { maskInPlace, maskCopy, isZeroKey } from './bytes/mask.js';
export { isValidUtf8, Utf8StreamValidator } from './bytes/utf8.js';
export * from './ws/index.js';
// http1's isToken is the same check as ws's (RFC 9110 token), exported once from ws.
export {
  HeaderList,
  isFieldValue,
  HttpErrorCode,
  RequestParser,
  DEFAULT_REQUEST_PARSER_OPTIONS,
  ResponseParser,
  DEFAULT_RESPONSE_PARSER_OPTIONS,
  writeRequestHead,
  writeResponseHead,
  formatRequestHead,
  formatResponseHead,
  encodeChunk,
  lastChunk,
  STATUS_REASONS,
  reasonPhrase,
} from './http1/index.js';
export type {
  HttpErrorCodeValue,
  BodyKind,
  RequestHead,
  ResponseHead,
  RequestParserOptions,
  RequestEvent,
  ResponseParserOptions,
  ResponseEvent,
  HeaderInit,
  RequestHeadInit,
  ResponseHeadInit,
} from './http1/index.js';
export { ConnchanError, ProtocolError, UsageError } from '../errors.js';
export type { ProtocolErrorAnswer } from '../errors.js';
