/**
 * The server half of the opening handshake once a request is known to be a valid upgrade:
 * permessage-deflate negotiation, the `101` response written on the channel, and the
 * connection started. Shared by `upgrade` (our server) and `handleNodeUpgrade` (node:http).
 */
import type { Channel } from '../channels/channel.js';
import { acceptFor } from '../io/handshake-keys.js';
import { formatExtensions } from '../proto/ws/extension-header.js';
import {
  buildAcceptResponse,
  type ClientRequestInfo,
  type HeaderFields,
} from '../proto/ws/handshake.js';
import {
  negotiatePerMessageDeflate,
  type PerMessageDeflateOptions,
} from '../proto/ws/permessage-deflate-params.js';
import type { HeaderList } from '../proto/http1/headers.js';
import { WebSocketConnection } from './connection.js';
import type { WsAnyHandler, WsConnectionOptions } from './types.js';
import type { WsBeforeUpgrade } from './upgrade-request.js';

/** Server-side options of an endpoint. `D` is the type of the connections' `data`. */
export interface WsServerEndpointOptions<D = unknown> extends WsConnectionOptions {
  /**
   * permessage-deflate: `true` (default) accepts a client's offer with default parameters,
   * `false` declines every offer, an object sets our parameters.
   */
  deflate?: boolean | PerMessageDeflateOptions | undefined;
  /** Extra headers of the `101` response (e.g. `Set-Cookie`). */
  headers?: HeaderFields | undefined;
  /**
   * Called before the `101` with the request (headers, cookies, query, peer address and port,
   * offered and chosen subprotocol); may be async. Return nothing to accept, `{ data, headers }`
   * to accept with data for the connection (`conn.data`) and extra `101` headers, or `{ status,
   * headers, body }` (any answer) or `false` (403) to refuse. A hook that throws refuses with
   * 500. Only `live` endpoints call it (`upgrade` is already past that point).
   */
  beforeUpgrade?: WsBeforeUpgrade<D> | undefined;
}

/** @internal */
export interface AcceptInit<D = unknown> extends WsServerEndpointOptions<D> {
  channel: Channel;
  info: ClientRequestInfo;
  handler?: WsAnyHandler<D> | undefined;
  protocol?: string | undefined;
  path?: string | undefined;
  /** The request target (`/path?query`), for `conn.query`. */
  target?: string | undefined;
  requestHeaders?: HeaderList | readonly string[] | undefined;
  data?: D | undefined;
}

/** @internal Answers `101` on the channel and returns the started connection. */
export function acceptOnChannel<D>(init: AcceptInit<D>): WebSocketConnection<D> {
  const { channel, info } = init;
  const deflateOpt = init.deflate ?? true;
  const negotiated =
    deflateOpt === false
      ? undefined
      : negotiatePerMessageDeflate(info.extensions, deflateOpt === true ? {} : deflateOpt);
  const extensions = negotiated ? formatExtensions([negotiated.response]) : '';
  channel.write(
    buildAcceptResponse({
      accept: acceptFor(info.key),
      protocol: init.protocol,
      extensions: extensions || undefined,
      headers: init.headers,
    }),
  );
  const conn = new WebSocketConnection<D>({
    ...init,
    channel,
    role: 'server',
    extensions,
    deflate: negotiated?.agreement,
    query: queryOf(init.target),
  });
  conn.start();
  return conn;
}

/** The query string of a request target, without the `?` (undefined when there is none). */
function queryOf(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const q = target.indexOf('?');
  return q < 0 ? undefined : target.slice(q + 1);
}
