/**
 * What a server sees of an opening before it answers: the request (path, query, headers,
 * cookies, peer address and port, offered subprotocols), handed to the `beforeUpgrade` hook,
 * and the hook's answer: accept (with data for the connection and extra `101` headers) or
 * reject with any status, headers and body. Made only for endpoints that have the hook.
 */
import type { HeaderList } from '../proto/http1/headers.js';
import type { HeaderFields } from '../proto/ws/handshake.js';

/** The opening request as `beforeUpgrade` sees it. */
export interface WsUpgradeRequest {
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly target: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: HeaderList;
  /** The `Cookie` header's pairs (the first value of a name wins), parsed when first read. */
  readonly cookies: Readonly<Record<string, string>>;
  /** The client's address (the forwarded one behind a trusted reverse proxy). */
  readonly remoteAddress: string;
  /** The TCP peer's port. */
  readonly remotePort: number;
  /** Subprotocols the client offered, in its order. */
  readonly protocols: readonly string[];
  /** The subprotocol the endpoint chose, or undefined for none. */
  readonly protocol: string | undefined;
}

/**
 * Response headers a verdict adds: a value or several lines; `undefined` values are left out
 * (so that `cond ? { 'X-A': '1' } : { 'X-B': '2' }` type-checks as it reads).
 */
export type WsVerdictHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Accepting an opening: data for the connection (`conn.data`) and extra `101` headers. */
export interface WsUpgradeAccept<D> {
  data?: D;
  headers?: WsVerdictHeaders;
  status?: undefined;
}

/** Refusing an opening with any answer (status 200–599; default body: the status text). */
export interface WsUpgradeRejection {
  status: number;
  headers?: WsVerdictHeaders;
  body?: string | Uint8Array;
}

/** A verdict's headers without the `undefined` values. */
export function definedHeaders(h: WsVerdictHeaders | undefined): HeaderFields | undefined {
  if (h === undefined) return undefined;
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(h)) if (value !== undefined) out[name] = value;
  return out;
}

/**
 * What `beforeUpgrade` returns: nothing or `true` accepts, `{ data, headers }` accepts with
 * data, `{ status, headers, body }` refuses, `false` refuses with 403.
 */
export type WsUpgradeVerdict<D> = void | boolean | WsUpgradeAccept<D> | WsUpgradeRejection;

/** The hook itself: it may be async (a session look-up, a token check). */
export type WsBeforeUpgrade<D> = (
  request: WsUpgradeRequest,
) => WsUpgradeVerdict<D> | Promise<WsUpgradeVerdict<D>>;

/** The rejection a verdict carries, or undefined when it accepts. */
export function rejectionOf<D>(verdict: WsUpgradeVerdict<D>): WsUpgradeRejection | undefined {
  if (verdict === false) return { status: 403 };
  if (typeof verdict === 'object' && verdict !== null && verdict.status !== undefined) {
    return verdict;
  }
  return undefined;
}

/** The accept part of a verdict (data and headers), or undefined. */
export function acceptOf<D>(verdict: WsUpgradeVerdict<D>): WsUpgradeAccept<D> | undefined {
  return typeof verdict === 'object' && verdict !== null && verdict.status === undefined
    ? verdict
    : undefined;
}

/** Parses a `Cookie` header (`a=1; b=2`), first value of a name winning, quotes removed. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (header === undefined) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

/** A {@link WsUpgradeRequest} over our server's request and its detached socket. */
export class UpgradeRequest implements WsUpgradeRequest {
  readonly method: string;
  readonly target: string;
  readonly path: string;
  readonly headers: HeaderList;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly protocols: readonly string[];
  readonly protocol: string | undefined;
  readonly #query: () => URLSearchParams;
  #cookies: Record<string, string> | undefined;

  constructor(init: {
    method: string;
    target: string;
    path: string;
    headers: HeaderList;
    query: () => URLSearchParams;
    remoteAddress: string;
    remotePort: number;
    protocols: readonly string[];
    protocol: string | undefined;
  }) {
    this.method = init.method;
    this.target = init.target;
    this.path = init.path;
    this.headers = init.headers;
    this.#query = init.query;
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.protocols = init.protocols;
    this.protocol = init.protocol;
  }

  get query(): URLSearchParams {
    return this.#query();
  }

  get cookies(): Readonly<Record<string, string>> {
    const all = this.headers.getAll('cookie');
    return (this.#cookies ??= parseCookies(all.length === 0 ? undefined : all.join('; ')));
  }
}
