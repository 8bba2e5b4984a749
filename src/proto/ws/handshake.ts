/**
 * The RFC 6455 §4 opening handshake, both sides, as pure functions: validate what the peer sent,
 * build the bytes we send. Nothing here hashes or draws random numbers (that is
 * `io/handshake-keys.ts`, on node:crypto): the caller computes the accept value and passes it in.
 *
 * Headers come in through a {@link HeaderGetter}: a function from a lower-case name to the
 * field's value, several lines joined with `, ` (what Node's `IncomingHttpHeaders` holds and what
 * {@link headerGetter} and {@link headerGetterFromRaw} build).
 *
 * Server-side failures carry the HTTP status to answer with (`status`), so the caller can write
 * `buildRejectResponse(err.status, { headers: err.headers, body: err.message })`. Client-side
 * failures carry only a code: the client just fails the connection.
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, UsageError } from '../../errors.js';
import { isToken, parseExtensions, type ExtensionOffer } from './extension-header.js';

/** Looks up a header by lower-case name; several lines of one field come joined with `, `. */
export type HeaderGetter = (name: string) => string | undefined;

/** Extra header lines to send: a name maps to one value or to several lines. */
export type HeaderFields = Readonly<Record<string, string | readonly string[]>>;

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

/**
 * Wraps Node's `IncomingHttpHeaders` (or any record with lower-case keys) as a
 * {@link HeaderGetter}; array values are joined with `, `.
 *
 * @example
 * ```ts
 * server.on('upgrade', (req, socket) => {
 *   const info = validateClientRequest({ method: req.method ?? '', httpVersion: req.httpVersion,
 *     getHeader: headerGetter(req.headers) });
 * });
 * ```
 */
export function headerGetter(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): HeaderGetter {
  return (name) => {
    const v = headers[name];
    return v === undefined || typeof v === 'string' ? v : v.join(', ');
  };
}

/**
 * Builds a {@link HeaderGetter} from raw `[name, value, name, value, …]` pairs (Node's
 * `rawHeaders`, our HTTP parser's output); names match case-insensitively.
 *
 * @example
 * ```ts
 * const get = headerGetterFromRaw(['Upgrade', 'websocket', 'connection', 'Upgrade']);
 * get('upgrade'); // 'websocket'
 * ```
 */
export function headerGetterFromRaw(raw: readonly string[]): HeaderGetter {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const prev = map.get(name);
    map.set(name, prev === undefined ? raw[i + 1] : `${prev}, ${raw[i + 1]}`);
  }
  return (name) => map.get(name);
}

/** Splits a comma list (RFC 7230 `#rule`), trimming OWS and skipping empty elements. */
function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

/** True when the comma list holds `token` (ASCII case-insensitive). `name/version` counts too. */
function listHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const el of listElements(value)) {
    const slash = el.indexOf('/');
    const name = slash < 0 ? el : el.slice(0, slash);
    if (name.toLowerCase() === token) return true;
  }
  return false;
}

// 16 bytes in base64 are 22 significant characters and "==". The 4 unused bits of the last
// character are not checked: the accept value hashes the string, so they cannot hurt, and
// rejecting sloppy encoders would only lose clients (ws accepts them too).
const KEY_RE = /^[A-Za-z0-9+/]{22}==$/;

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
  const v = /^(\d+)\.(\d+)$/.exec(req.httpVersion);
  if (v === null || Number(v[1]) * 1000 + Number(v[2]) < 1001) {
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
  let head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
  head += line('Sec-WebSocket-Accept', opts.accept);
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

function clientFail(message: string, what: string, cause?: unknown): ProtocolError {
  return new ProtocolError(`WebSocket handshake failed: ${message}`, {
    code: `ERR_WS_HANDSHAKE_${what}`,
    cause,
  });
}

function show(value: string | undefined): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function badHeader(what: string): UsageError {
  return new UsageError(`invalid ${what} for a WebSocket handshake`, {
    code: 'ERR_WS_INVALID_HEADER',
  });
}

// Field values: HTAB, visible ASCII, space and obs-text; no CR, LF or NUL (no header injection).
const VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

function line(name: string, value: string): string {
  if (!VALUE_RE.test(value)) throw badHeader(`value ${show(value)} of header ${name}`);
  return `${name}: ${value}\r\n`;
}

function extraLines(headers: HeaderFields | undefined, own: ReadonlySet<string>): string {
  if (headers === undefined) return '';
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    if (!isToken(name)) throw badHeader(`header name ${JSON.stringify(name)}`);
    if (own.has(name.toLowerCase()))
      throw badHeader(`extra header ${name} (the handshake sets it)`);
    for (const v of typeof value === 'string' ? [value] : value) out += line(name, v);
  }
  return out;
}
