/**
 * What a request handler can know of its connection's TLS session: protocol, cipher, the SNI
 * name the client asked for, the ALPN protocol agreed, and the client's certificate when the
 * driver asked for one. Read once per connection, when a handler first asks.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';

/** The TLS session of a request's connection (`ctx.tls`). */
export interface TlsDetails {
  /** `TLSv1.3`, `TLSv1.2`… */
  protocol: string | null;
  /** The cipher suite: OpenSSL and IANA names, and the protocol version that introduced it. */
  cipher: { name: string; standardName: string; version: string };
  /** The server name the client sent (SNI), if any. */
  servername: string | undefined;
  /** The protocol agreed through ALPN, if any. */
  alpnProtocol: string | undefined;
  /** The client's certificate verified against the driver's `ca` (when one was requested). */
  authorized: boolean;
  /** Why it was not, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, or undefined. */
  authorizationError: string | undefined;
  /** The client's certificate, when the driver asked for one (`requestCert`) and it sent one. */
  peerCertificate: PeerCertificate | undefined;
}

/**
 * Reads the details of `socket`'s session.
 *
 * @example
 * ```ts
 * const { protocol, servername } = tlsDetails(tlsSocket);
 * ```
 */
export function tlsDetails(socket: TLSSocket): TlsDetails {
  const cipher = socket.getCipher();
  const cert = socket.getPeerCertificate();
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  const alpn = socket.alpnProtocol;
  const authError = socket.authorizationError as Error | string | null | undefined;
  return {
    protocol: socket.getProtocol(),
    cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
    servername: typeof servername === 'string' && servername !== '' ? servername : undefined,
    alpnProtocol: typeof alpn === 'string' && alpn !== '' ? alpn : undefined,
    authorized: socket.authorized,
    authorizationError:
      authError === null || authError === undefined
        ? undefined
        : typeof authError === 'string'
          ? authError
          : ((authError as NodeJS.ErrnoException).code ?? authError.message),
    peerCertificate: cert !== null && Object.keys(cert).length > 0 ? cert : undefined,
  };
}
