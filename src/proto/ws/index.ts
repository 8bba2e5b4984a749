// WebSocket protocol core (RFC 6455): pure, bytes in, events out.
export { Opcode, isControlOpcode, isKnownOpcode } from './opcodes.js';
export {
  CloseCode,
  MAX_CLOSE_REASON_BYTES,
  isValidWireCloseCode,
  decodeClosePayload,
  encodeClosePayload,
  defaultCloseReason,
} from './close-codes.js';
export type { ClosePayload } from './close-codes.js';
export {
  MAX_CONTROL_PAYLOAD_BYTES,
  encodeFrameHeader,
  encodeFrame,
  encodeFrameMerged,
} from './frame-encoder.js';
export type { FrameHeaderOptions, EncodeFrameOptions } from './frame-encoder.js';
export { FrameDecoder, DEFAULT_MAX_PAYLOAD_BYTES } from './frame-decoder.js';
export type { Frame, FrameDecoderOptions, PendingFrameHeader } from './frame-types.js';
export {
  MessageAssembler,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_FRAGMENTS,
} from './message-assembler.js';
export type {
  MessageAssemblerOptions,
  WsEvent,
  WsTextEvent,
  WsBinaryEvent,
  WsCompressedEvent,
  WsPingEvent,
  WsPongEvent,
  WsCloseEvent,
} from './message-assembler.js';
export { WsReceiver } from './receiver.js';
export type { WsReceiverOptions } from './receiver.js';
export {
  headerGetter,
  headerGetterFromRaw,
  validateClientRequest,
  selectSubprotocol,
  buildAcceptResponse,
  buildRejectResponse,
  buildClientRequest,
  validateServerResponse,
} from './handshake.js';
export type {
  HeaderGetter,
  HeaderFields,
  ClientRequestHead,
  ClientRequestInfo,
  ServerResponseHead,
  ClientOffer,
  ServerResponseInfo,
} from './handshake.js';
export { parseExtensions, formatExtensions, isToken } from './extension-header.js';
export type { ExtensionOffer, ExtensionParam } from './extension-header.js';
export {
  PERMESSAGE_DEFLATE,
  negotiatePerMessageDeflate,
  buildPerMessageDeflateOffer,
  acceptPerMessageDeflateResponse,
} from './permessage-deflate-params.js';
export type {
  PerMessageDeflateOptions,
  PerMessageDeflateAgreement,
} from './permessage-deflate-params.js';
