/**
 * curl's exit codes for what can go wrong in a transfer, so that scripts written for curl read
 * `connchan get` the same way (man curl, "EXIT CODES").
 */

export const EXIT = Object.freeze({
  ok: 0,
  /** Unsupported protocol (a scheme the client has no transport for). */
  unsupported: 1,
  /** Malformed URL. */
  badUrl: 3,
  /** Could not resolve the host. */
  resolve: 6,
  /** Failed to connect. */
  connect: 7,
  /** Weird server reply: the response broke HTTP/1.1. */
  weirdReply: 8,
  /** Partial file: the transfer ended before the promised length. */
  partial: 18,
  /** `-f` and an HTTP status of 400 or more. */
  httpError: 22,
  /** Writing the output failed. */
  write: 23,
  /** Operation timed out. */
  timeout: 28,
  /** TLS handshake failed. */
  tls: 35,
  /** Too many redirects. */
  redirects: 47,
  /** Empty reply from the server. */
  emptyReply: 52,
  /** Failure receiving data (the connection was reset). */
  recv: 56,
  /** The server's certificate could not be verified. */
  certificate: 60,
});

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The codes of the error and of its causes, outermost first (connchan wraps OS errors). */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e && codes.length < 8;) {
    if (typeof e.code === 'string') codes.push(e.code);
    e = e.cause as typeof e;
  }
  return codes;
}

/**
 * The exit code for an error that ended a request before a response could be finished.
 *
 * @example
 * ```ts
 * exitCodeForError(Object.assign(new Error('refused'), { code: 'ERR_CONNECT_REFUSED' })); // 7
 * ```
 */
export function exitCodeForError(err: unknown): number {
  const codes = codesOf(err);
  const has = (...wanted: string[]) => codes.some((c) => wanted.includes(c));
  if (codes.some((c) => CERT_CODES.has(c) || c.startsWith('CERT_'))) return EXIT.certificate;
  if (has('ERR_TLS_HANDSHAKE', 'EPROTO') || codes.some((c) => c.startsWith('ERR_SSL'))) {
    return EXIT.tls;
  }
  if (has('ERR_UNKNOWN_HOST', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME')) return EXIT.resolve;
  if (has('ERR_CONNECT_TIMEOUT', 'ETIMEDOUT')) return EXIT.timeout;
  if (has('ERR_CONNECT_REFUSED', 'ERR_CONNECT_UNREACHABLE', 'ERR_CONNECT_FAILED', 'ECONNREFUSED')) {
    return EXIT.connect;
  }
  if (has('ERR_HTTP_CLIENT_EOF')) return EXIT.emptyReply;
  if (has('ECONNRESET', 'EPIPE')) return EXIT.recv;
  if (has('ERR_HTTP_CLIENT_INVALID_URL', 'ERR_INVALID_URL')) return EXIT.badUrl;
  if (has('ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME', 'ERR_HTTP_CLIENT_NOT_REGISTERED')) {
    return EXIT.unsupported;
  }
  if (codes.some((c) => c.startsWith('ERR_HTTP'))) return EXIT.weirdReply;
  return EXIT.connect;
}
