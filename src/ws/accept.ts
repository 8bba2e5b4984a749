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
import { WebSocketConnection } from './connection.js';
import type { WsConnectionOptions, WsHandler } from './types.js';

/** Server-side options of an endpoint. */
export interface WsServerEndpointOptions extends WsConnectionOptions {
  /**
   * permessage-deflate: `true` (default) accepts a client's offer with default parameters,
   * `false` declines every offer, an object sets our parameters.
   */
  deflate?: boolean | PerMessageDeflateOptions | undefined;
  /** Extra headers of the `101` response (e.g. `Set-Cookie`). */
  headers?: HeaderFields | undefined;
}

/** @internal */
export interface AcceptInit extends WsServerEndpointOptions {
  channel: Channel;
  info: ClientRequestInfo;
  handler?: WsHandler | undefined;
  protocol?: string | undefined;
  path?: string | undefined;
}

/** @internal Answers `101` on the channel and returns the started connection. */
export function acceptOnChannel(init: AcceptInit): WebSocketConnection {
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
  const conn = new WebSocketConnection({
    ...init,
    channel,
    role: 'server',
    extensions,
    deflate: negotiated?.agreement,
  });
  conn.start();
  return conn;
}
