/**
 * The client side of the RFC 6455 §4 opening handshake, pure: build the upgrade request and
 * validate the server's answer (status, Upgrade/Connection tokens, the accept value computed by
 * the caller, the subprotocol and extensions we offered). Failures carry only a code: a client
 * just fails the connection.
 */
import { Buffer } from 'node:buffer';
import { ProtocolError } from '../../errors.js';
import { isToken, parseExtensions, type ExtensionOffer } from './extension-header.js';
import {
  KEY_RE,
  badHeader,
  extraLines,
  line,
  listHasToken,
  show,
  type HeaderFields,
  type HeaderGetter,
} from './handshake-headers.js';

/** The response facts the client checks (RFC 6455 §4.1). */
export interface ServerResponseHead {
  status: number;
  getHeader: HeaderGetter;
}

/** What the client offered, to hold the server's response against. */
export interface ClientOffer {
  /** `acceptFor(key)` of the key we sent. */
  expectedAccept: string;
  offeredProtocols?: readonly string[];
  /** The extensions we offered (names or parsed offers). */
  offeredExtensions?: readonly (string | ExtensionOffer)[];
}

/** What the server agreed to. */
export interface ServerResponseInfo {
  protocol: string | undefined;
  /** Accepted extensions with the server's parameters, each name at most once. */
  extensions: ExtensionOffer[];
}

const REQUEST_OWN = new Set([
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'origin',
]);

/**
 * The bytes of the client's upgrade request (RFC 6455 §4.1). `key` comes from `generateKey()`;
 * `path` is the request target (path and query, e.g. `/chat?room=1`); `host` the `Host` value
 * (`example.com:8080`).
 *
 * @throws UsageError `ERR_WS_INVALID_HEADER` for a key, host, path, protocol or header that
 *   would not make a valid request.
 * @example
 * ```ts
 * const key = generateKey();
 * socket.write(buildClientRequest({ host: 'example.com', path: '/chat', key, protocols: ['chat'] }));
 * ```
 */
export function buildClientRequest(opts: {
  host: string;
  path: string;
  key: string;
  protocols?: readonly string[] | undefined;
  extensions?: string | undefined;
  origin?: string | undefined;
  headers?: HeaderFields | undefined;
}): Buffer {
  if (!/^[\x21-\x7e]+$/.test(opts.path)) throw badHeader(`request target ${show(opts.path)}`);
  if (!/^[\x21-\x7e]+$/.test(opts.host)) throw badHeader(`host ${show(opts.host)}`);
  if (!KEY_RE.test(opts.key)) throw badHeader(`Sec-WebSocket-Key ${show(opts.key)}`);
  let head = `GET ${opts.path} HTTP/1.1\r\n`;
  head += line('Host', opts.host);
  head += 'Upgrade: websocket\r\nConnection: Upgrade\r\n';
  head += line('Sec-WebSocket-Key', opts.key);
  head += 'Sec-WebSocket-Version: 13\r\n';
  if (opts.protocols !== undefined && opts.protocols.length > 0) {
    const seen = new Set<string>();
    for (const p of opts.protocols) {
      if (!isToken(p) || seen.has(p)) throw badHeader(`subprotocol ${JSON.stringify(p)}`);
      seen.add(p);
    }
    head += line('Sec-WebSocket-Protocol', opts.protocols.join(', '));
  }
  if (opts.extensions) head += line('Sec-WebSocket-Extensions', opts.extensions);
  if (opts.origin !== undefined) head += line('Origin', opts.origin);
  head += extraLines(opts.headers, REQUEST_OWN);
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * Checks the server's answer to our upgrade request (RFC 6455 §4.1): status 101, `Upgrade:
 * websocket`, `Connection: upgrade`, the accept value, a subprotocol we offered (or none: the
 * server may decline them all, RFC 6455 §4.2.2), and only extensions we offered, each once.
 * Extension parameters are the extension's business (e.g. `acceptPerMessageDeflateResponse`).
 *
 * @throws ProtocolError `ERR_WS_HANDSHAKE_STATUS`, `…_UPGRADE`, `…_CONNECTION`, `…_ACCEPT`,
 *   `…_PROTOCOL` or `…_EXTENSIONS`, without status or close code: the client fails the
 *   connection.
 * @example
 * ```ts
 * const { protocol, extensions } = validateServerResponse(
 *   { status: 101, getHeader: headerGetterFromRaw(rawHeaders) },
 *   { expectedAccept: acceptFor(key), offeredProtocols: ['chat'], offeredExtensions: ['permessage-deflate'] },
 * );
 * ```
 */
export function validateServerResponse(
  res: ServerResponseHead,
  offer: ClientOffer,
): ServerResponseInfo {
  const get = res.getHeader;
  if (res.status !== 101) {
    throw clientFail(`server answered with status ${res.status}, expected 101`, 'STATUS');
  }
  const upgrade = get('upgrade');
  if (!listHasToken(upgrade, 'websocket')) {
    throw clientFail(`Upgrade header must name websocket, got ${show(upgrade)}`, 'UPGRADE');
  }
  const connection = get('connection');
  if (!listHasToken(connection, 'upgrade')) {
    throw clientFail(
      `Connection header must hold "upgrade", got ${show(connection)}`,
      'CONNECTION',
    );
  }
  const accept = get('sec-websocket-accept')?.trim();
  if (accept !== offer.expectedAccept) {
    throw clientFail(
      `Sec-WebSocket-Accept is ${show(accept)}, expected ${JSON.stringify(offer.expectedAccept)}`,
      'ACCEPT',
    );
  }
  let protocol = get('sec-websocket-protocol')?.trim();
  if (protocol === '') protocol = undefined;
  if (protocol !== undefined && !(offer.offeredProtocols ?? []).includes(protocol)) {
    throw clientFail(
      offer.offeredProtocols?.length
        ? `server chose subprotocol ${JSON.stringify(protocol)}, which we did not offer`
        : `server chose subprotocol ${JSON.stringify(protocol)}, but we offered none`,
      'PROTOCOL',
    );
  }
  const extHeader = get('sec-websocket-extensions');
  let extensions: ExtensionOffer[] = [];
  if (extHeader !== undefined) {
    try {
      extensions = parseExtensions(extHeader);
    } catch (err) {
      throw clientFail(`server sent ${(err as Error).message}`, 'EXTENSIONS', err);
    }
  }
  const offered = new Set(
    (offer.offeredExtensions ?? []).map((e) => (typeof e === 'string' ? e : e.name)),
  );
  const seen = new Set<string>();
  for (const ext of extensions) {
    if (!offered.has(ext.name)) {
      throw clientFail(
        `server accepted extension "${ext.name}", which we did not offer`,
        'EXTENSIONS',
      );
    }
    if (seen.has(ext.name)) {
      throw clientFail(`server accepted extension "${ext.name}" more than once`, 'EXTENSIONS');
    }
    seen.add(ext.name);
  }
  return { protocol, extensions };
}

function clientFail(message: string, what: string, cause?: unknown): ProtocolError {
  return new ProtocolError(`WebSocket handshake failed: ${message}`, {
    code: `ERR_WS_HANDSHAKE_${what}`,
    cause,
  });
}
