/**
 * The RFC 6455 §4 opening handshake, both sides, as pure functions: validate what the peer sent,
 * build the bytes we send. Nothing here hashes or draws random numbers (that is
 * `io/handshake-keys.ts`, on node:crypto): the caller computes the accept value and passes it in.
 * Headers come in through a `HeaderGetter`: a function from a lower-case name to the field's
 * value, several lines joined with `, `.
 *
 * The server side is in `handshake-server.ts`, the client side in `handshake-client.ts`, shared
 * header plumbing in `handshake-headers.ts`; this module gathers them.
 */
export { headerGetter, headerGetterFromRaw } from './handshake-headers.js';
export type { HeaderGetter, HeaderFields } from './handshake-headers.js';
export {
  validateClientRequest,
  selectSubprotocol,
  buildAcceptResponse,
  buildRejectResponse,
} from './handshake-server.js';
export type { ClientRequestHead, ClientRequestInfo } from './handshake-server.js';
export { buildClientRequest, validateServerResponse } from './handshake-client.js';
export type { ServerResponseHead, ClientOffer, ServerResponseInfo } from './handshake-client.js';
