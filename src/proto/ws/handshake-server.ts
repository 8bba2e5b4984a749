/**
 * The server side of the RFC 6455 §4 opening handshake, pure: validate the client's upgrade
 * request, pick a subprotocol, build the 101 answer or a rejection. The accept value is computed
 * by the caller (`io/handshake-keys.ts`, on node:crypto). Failures carry the HTTP status to
 * answer with, so the caller can write
 * `buildRejectResponse(err.status, { headers: err.headers, body: err.message })`.
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, UsageError } from '../../errors.js';
import { isToken, parseExtensions, type ExtensionOffer } from './extension-header.js';
import {
  KEY_RE,
  badHeader,
  extraLines,
  line,
  listElements,
  listHasToken,
  show,
  type HeaderFields,
  type HeaderGetter,
} from './handshake-headers.js';

/** The request facts the server checks (RFC 6455 §4.2.1). */
export interface ClientRequestHead {
  method: string;
  /** `'1.1'`, as in Node's `IncomingMessage.httpVersion`. */
  httpVersion: string;
  getHeader: HeaderGetter;
}

/** What a valid upgrade request asks for. */
export interface ClientRequestInfo {
  /** `Sec-WebSocket-Key`, to be turned into the accept value with `acceptFor(key)`. */
  key: string;
  /** Offered subprotocols in the client's order of preference. */
  protocols: string[];
  /** Offered extensions in order (several offers of one extension are alternatives). */
  extensions: ExtensionOffer[];
  host: string;
  origin: string | undefined;
}

/**
 * Checks a client's upgrade request (RFC 6455 §4.2.1) and returns what it asks for. The checks
 * run in this order, each with its answer:
 *
 * - method `GET`, else 405 with `Allow: GET`;
 * - HTTP/1.1 or later, else 400 (not 505: the server speaks HTTP/1.0, just not WebSockets on it);
 * - a non-empty `Host`, else 400;
 * - `Upgrade` holding the token `websocket` and `Connection` holding `upgrade` (comma lists,
 *   case-insensitive), else 400;
 * - `Sec-WebSocket-Version: 13`, else (also when missing) 426 with `Sec-WebSocket-Version: 13`,
 *   so the client learns what to send (RFC 6455 §4.4);
 * - `Sec-WebSocket-Key` of 24 base64 characters decoding to 16 bytes, else 400;
 * - `Sec-WebSocket-Protocol` a list of distinct tokens, else 400;
 * - `Sec-WebSocket-Extensions` well-formed, else 400.
 *
 * @throws ProtocolError `ERR_WS_HANDSHAKE_*` carrying `status` (and `headers` on 405 and 426).
 * @example
 * ```ts
 * const { key, protocols } = validateClientRequest({ method: 'GET', httpVersion: '1.1', getHeader });
 * socket.write(buildAcceptResponse({ accept: acceptFor(key), protocol: selectSubprotocol(protocols, ['chat']) }));
 * ```
 */
export function validateClientRequest(req: ClientRequestHead): ClientRequestInfo {
  const get = req.getHeader;
  if (req.method !== 'GET') {
    throw reject(`method must be GET, got ${JSON.stringify(req.method)}`, 'METHOD', 405, {
      Allow: 'GET',
    });
  }
  if (req.httpVersion !== '1.1' && !isHttp11OrLater(req.httpVersion)) {
    throw reject(`HTTP/1.1 or later is required, got HTTP/${req.httpVersion}`, 'HTTP_VERSION', 400);
  }
  const host = get('host')?.trim();
  if (host === undefined || host.length === 0) throw reject('Host header missing', 'HOST', 400);
  const upgrade = get('upgrade');
  if (!listHasToken(upgrade, 'websocket')) {
    throw reject(`Upgrade header must name websocket, got ${show(upgrade)}`, 'UPGRADE', 400);
  }
  const connection = get('connection');
  if (!listHasToken(connection, 'upgrade')) {
    throw reject(
      `Connection header must hold "upgrade", got ${show(connection)}`,
      'CONNECTION',
      400,
    );
  }
  const version = get('sec-websocket-version')?.trim();
  if (version !== '13') {
    throw reject(`Sec-WebSocket-Version must be 13, got ${show(version)}`, 'VERSION', 426, {
      'Sec-WebSocket-Version': '13',
    });
  }
  const key = get('sec-websocket-key')?.trim();
  if (key === undefined || !KEY_RE.test(key)) {
    throw reject(`Sec-WebSocket-Key must be 16 bytes in base64, got ${show(key)}`, 'KEY', 400);
  }
  const protocols = parseProtocols(get('sec-websocket-protocol'));
  const extHeader = get('sec-websocket-extensions');
  const extensions = extHeader === undefined ? [] : parseExtensions(extHeader);
  return { key, protocols, extensions, host, origin: get('origin') };
}

function isHttp11OrLater(version: string): boolean {
  const v = /^(\d+)\.(\d+)$/.exec(version);
  return v !== null && Number(v[1]) * 1000 + Number(v[2]) >= 1001;
}

function parseProtocols(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out = listElements(value);
  const seen = new Set<string>();
  for (const p of out) {
    if (!isToken(p))
      throw reject(`subprotocol ${JSON.stringify(p)} is not a token`, 'PROTOCOL', 400);
    if (seen.has(p))
      throw reject(`subprotocol ${JSON.stringify(p)} offered twice`, 'PROTOCOL', 400);
    seen.add(p);
  }
  return out;
}

/**
 * Picks the subprotocol to answer with: with a list, the first protocol in the client's order
 * of preference (RFC 6455 §4.1) that we support (exact, case-sensitive match); with a function,
 * whatever it returns. `undefined` means none: the response then carries no
 * `Sec-WebSocket-Protocol` and the client decides whether to go on.
 *
 * @throws UsageError `ERR_WS_INVALID_PROTOCOL` when the function returns a protocol the client
 *   did not offer.
 * @example
 * ```ts
 * selectSubprotocol(['v2.chat', 'chat'], ['chat', 'v2.chat']); // 'v2.chat'
 * selectSubprotocol(['a', 'b'], (offered) => offered.at(-1));  // 'b'
 * ```
 */
export function selectSubprotocol(
  offered: readonly string[],
  supported: readonly string[] | ((offered: readonly string[]) => string | undefined),
): string | undefined {
  if (typeof supported !== 'function') return offered.find((p) => supported.includes(p));
  const picked = supported(offered);
  if (picked !== undefined && !offered.includes(picked)) {
    throw new UsageError(`subprotocol ${JSON.stringify(picked)} was not offered by the client`, {
      code: 'ERR_WS_INVALID_PROTOCOL',
    });
  }
  return picked;
}

/** Header names the handshake builders write themselves; user headers may not repeat them. */
const ACCEPT_OWN = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

const HEAD_101 =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
const PLAIN_101 = Buffer.from(`${HEAD_101}Sec-WebSocket-Accept: `, 'latin1');
/** An accept value as `acceptFor` makes it (base64 of 20 bytes); others take the checked way. */
const ACCEPT_VALUE_RE = /^[A-Za-z0-9+/]{27}=$/;

/**
 * The bytes of the `101 Switching Protocols` response. `accept` is `acceptFor(key)`;
 * `extensions` is a formatted `Sec-WebSocket-Extensions` value (see `formatExtensions`).
 *
 * @throws UsageError `ERR_WS_INVALID_HEADER` for a header name that is not a token, a value with
 *   CR, LF or another control character, or an extra header the handshake writes itself.
 * @example
 * ```ts
 * socket.write(buildAcceptResponse({ accept: acceptFor(key), protocol: 'chat',
 *   extensions: 'permessage-deflate', headers: { 'Set-Cookie': 'id=1' } }));
 * ```
 */
export function buildAcceptResponse(opts: {
  accept: string;
  protocol?: string | undefined;
  extensions?: string | undefined;
  headers?: HeaderFields | undefined;
}): Buffer {
  const accept = opts.accept;
  if (
    opts.protocol === undefined &&
    !opts.extensions &&
    opts.headers === undefined &&
    ACCEPT_VALUE_RE.test(accept)
  ) {
    // The answer of nearly every opening: the remembered head and the accept value, one buffer.
    const out = Buffer.allocUnsafe(PLAIN_101.length + accept.length + 4);
    PLAIN_101.copy(out, 0);
    out.write(accept, PLAIN_101.length, 'latin1');
    out.write('\r\n\r\n', PLAIN_101.length + accept.length, 'latin1');
    return out;
  }
  let head = HEAD_101;
  head += line('Sec-WebSocket-Accept', accept);
  if (opts.protocol !== undefined) {
    if (!isToken(opts.protocol)) throw badHeader(`subprotocol ${JSON.stringify(opts.protocol)}`);
    head += line('Sec-WebSocket-Protocol', opts.protocol);
  }
  if (opts.extensions) head += line('Sec-WebSocket-Extensions', opts.extensions);
  head += extraLines(opts.headers, ACCEPT_OWN);
  return Buffer.from(`${head}\r\n`, 'latin1');
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * The bytes of a response refusing the upgrade, closing the connection. The body defaults to
 * the reason phrase, as `text/plain`. `Content-Length` is always computed; `Connection: close`
 * and `Content-Type` can be overridden through `headers`.
 *
 * @throws UsageError `ERR_WS_INVALID_STATUS` for a status outside 200–599,
 *   `ERR_WS_INVALID_HEADER` as for {@link buildAcceptResponse}.
 * @example
 * ```ts
 * catch (err) {
 *   if (err instanceof ProtocolError && err.status !== undefined)
 *     socket.end(buildRejectResponse(err.status, { headers: err.headers, body: err.message }));
 * }
 * ```
 */
export function buildRejectResponse(
  status: number,
  opts: { headers?: HeaderFields | undefined; body?: string | Buffer | undefined } = {},
): Buffer {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new UsageError(`a rejection needs a status in 200–599, got ${status}`, {
      code: 'ERR_WS_INVALID_STATUS',
    });
  }
  const reason = REASONS[status] ?? '';
  const body =
    opts.body === undefined
      ? Buffer.from(reason || String(status))
      : typeof opts.body === 'string'
        ? Buffer.from(opts.body)
        : opts.body;
  const fields: Record<string, string | readonly string[]> = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    for (const k of Object.keys(fields))
      if (k.toLowerCase() === name.toLowerCase()) delete fields[k];
    fields[name] = value;
  }
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  head += extraLines(fields, new Set(['content-length']));
  head += `Content-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function reject(
  message: string,
  what: string,
  status: number,
  headers?: Record<string, string>,
): ProtocolError {
  return new ProtocolError(`WebSocket upgrade refused: ${message}`, {
    code: `ERR_WS_HANDSHAKE_${what}`,
    status,
    ...(headers && { headers }),
  });
}
