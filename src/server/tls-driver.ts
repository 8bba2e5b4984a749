/**
 * A TLS driver's listener: node:tls with the options users expect passed through (protocol
 * versions, ciphers, ALPN, client certificates, session tickets), certificates per SNI name,
 * rotation without a restart, and the handshake under the header timeout: every accepted socket
 * is tracked from accept until its handshake is done, and one still shaking hands when the
 * timeout passes is closed (a client that never sends its ClientHello, or drips it).
 */
import type { Socket } from 'node:net';
import { constants as cryptoConstants } from 'node:crypto';
import {
  createSecureContext,
  createServer,
  type SecureContext,
  type Server,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import { UsageError } from '../errors.js';
import { SlotSet, type Slotted } from '../io/slot-registry.js';

/** A certificate and its key (PEM). */
export interface CertificatePair {
  cert: string | Buffer | Array<string | Buffer>;
  key: string | Buffer | Array<string | Buffer>;
}

/** The node:tls options a driver passes through unchanged. */
type PassedThrough = Pick<
  TlsOptions,
  | 'minVersion'
  | 'maxVersion'
  | 'ciphers'
  | 'ecdhCurve'
  | 'sigalgs'
  | 'honorCipherOrder'
  | 'dhparam'
  | 'passphrase'
  | 'ALPNProtocols'
  | 'requestCert'
  | 'rejectUnauthorized'
  | 'ca'
  | 'crl'
  | 'sessionTimeout'
  | 'ticketKeys'
  | 'secureOptions'
>;

/**
 * A TLS driver's settings: the default certificate, others per SNI host name, and node:tls's
 * own options (`minVersion`, `ciphers`, `ALPNProtocols`, `requestCert` with `ca`…), which apply
 * to every certificate.
 */
export interface ServerTlsOptions extends CertificatePair, PassedThrough {
  /** Certificates per host name (SNI); other names get the default one. */
  sni?: Record<string, CertificatePair>;
  /** Resume sessions by ticket (default true); false turns tickets off. */
  sessionTickets?: boolean;
}

const kAcceptedAt = Symbol('connchan.acceptedAt');
const kHandshakes = Symbol('connchan.handshakes');
type RawSocket = Socket &
  Slotted & { [kAcceptedAt]?: number; [kHandshakes]?: SlotSet<RawSocket> };

function forgetHandshake(this: RawSocket): void {
  this[kHandshakes]?.delete(this);
}

/** node:tls's options for `o`: everything but our own keys, with tickets turned off if asked. */
function nodeOptions(o: ServerTlsOptions): TlsOptions {
  const { sni: _sni, sessionTickets, ...rest } = o;
  if (sessionTickets !== false) return rest;
  return { ...rest, secureOptions: (rest.secureOptions ?? 0) | cryptoConstants.SSL_OP_NO_TICKET };
}

function sniContexts(o: ServerTlsOptions): Map<string, SecureContext> {
  const base = nodeOptions(o);
  const contexts = new Map<string, SecureContext>();
  for (const [host, pair] of Object.entries(o.sni ?? {})) {
    contexts.set(host.toLowerCase(), createSecureContext({ ...base, ...pair }));
  }
  return contexts;
}

/**
 * One TLS listener (not yet listening: `server.listen()`).
 *
 * @example
 * ```ts
 * const driver = new TlsDriver({ cert, key, minVersion: 'TLSv1.3' }, (socket, acceptedAt) => serve(socket));
 * driver.server.listen(8443);
 * driver.setSecureContext({ cert: renewed, key: renewedKey });
 * ```
 */
export class TlsDriver {
  readonly server: Server;
  #options: ServerTlsOptions;
  #sni: Map<string, SecureContext>;
  /** Not a Set: io/slot-registry.ts says why. */
  readonly #handshakes = new SlotSet<RawSocket>();

  constructor(options: ServerTlsOptions, accept: (socket: TLSSocket, acceptedAt: number) => void) {
    this.#options = options;
    this.#sni = sniContexts(options);
    this.server = createServer(
      {
        ...nodeOptions(options),
        allowHalfOpen: true,
        // Unknown names (and none) get the server's default context, which rotation replaces.
        SNICallback: (servername, cb) => cb(null, this.#sni.get(servername.toLowerCase())),
      },
      (socket: TLSSocket) => {
        const raw = (socket as TLSSocket & { _parent?: RawSocket })._parent;
        let acceptedAt = Date.now();
        if (raw !== undefined) {
          this.#handshakes.delete(raw);
          acceptedAt = raw[kAcceptedAt] ?? acceptedAt;
        }
        accept(socket, acceptedAt);
      },
    );
    this.server.on('connection', (raw: RawSocket) => {
      raw[kAcceptedAt] = Date.now();
      raw[kHandshakes] = this.#handshakes;
      raw.registrySlot = -1;
      this.#handshakes.add(raw);
      raw.on('close', forgetHandshake);
    });
    // A failed handshake closes at once and must not take the server down.
    this.server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy());
  }

  /** Sockets still in their handshake. */
  get handshaking(): number {
    return this.#handshakes.size;
  }

  /** Closes every socket whose handshake began `limitMs` or more before `now`. */
  sweep(now: number, limitMs: number): void {
    for (const raw of this.#handshakes) {
      if (now - (raw[kAcceptedAt] ?? now) >= limitMs) {
        this.#handshakes.delete(raw);
        raw.destroy();
      }
    }
  }

  /** Closes every socket still in its handshake (shutdown). */
  destroyHandshakes(): void {
    for (const raw of this.#handshakes) {
      this.#handshakes.delete(raw);
      raw.destroy();
    }
  }

  /**
   * Replaces certificates (and any other option given) for the handshakes to come; connections
   * already established keep theirs. Everything is built before anything changes, so bad PEM
   * throws and leaves the old certificates in place.
   */
  setSecureContext(update: Partial<ServerTlsOptions>): void {
    const next: ServerTlsOptions = { ...this.#options, ...update };
    if (next.cert === undefined || next.key === undefined) {
      throw new UsageError('a TLS driver needs cert and key', { code: 'ERR_SERVER_TLS_OPTIONS' });
    }
    const sni = sniContexts(next);
    const base = nodeOptions(next);
    createSecureContext(base); // validates before the server's context is replaced
    this.server.setSecureContext(base);
    this.#sni = sni;
    this.#options = next;
  }
}
