/**
 * The request methods a server accepts without being told of more: exactly those Node's own
 * parser (llhttp) knows for HTTP/1.x, so that nothing node:http refuses gets through here. A
 * method outside the list gets 501 (RFC 9110 §9.1: "unrecognized or not implemented"), unless
 * the parser was given it (a server adds the methods of its routes).
 */

/** Methods accepted by default (node:http's `METHODS`). Methods are case-sensitive. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'ACL',
  'BIND',
  'CHECKOUT',
  'CONNECT',
  'COPY',
  'DELETE',
  'GET',
  'HEAD',
  'LINK',
  'LOCK',
  'M-SEARCH',
  'MERGE',
  'MKACTIVITY',
  'MKCALENDAR',
  'MKCOL',
  'MOVE',
  'NOTIFY',
  'OPTIONS',
  'PATCH',
  'POST',
  'PROPFIND',
  'PROPPATCH',
  'PURGE',
  'PUT',
  'QUERY',
  'REBIND',
  'REPORT',
  'SEARCH',
  'SOURCE',
  'SUBSCRIBE',
  'TRACE',
  'UNBIND',
  'UNLINK',
  'UNLOCK',
  'UNSUBSCRIBE',
]);
