/**
 * An opening that waits for the endpoint's `beforeUpgrade` hook: the connection is detached
 * first (so the hook sees the socket's peer port, and nothing the client sends meanwhile is
 * lost or parsed as HTTP), the hook runs, and its verdict is written on the channel: the `101`
 * with the hook's data and headers, or the refusal it chose. Endpoints without the hook never
 * come here, so they pay nothing for it.
 */
import { findChannel } from '../channels/channel-table.js';
import type { Channel } from '../channels/channel.js';
import type { HttpContext } from '../server/context.js';
import { buildRejectResponse } from '../proto/ws/handshake.js';
import { acceptOnChannel, type AcceptInit } from './accept.js';
import { log } from './registry.js';
import { toBuffer } from './send-types.js';
import {
  acceptOf,
  definedHeaders,
  rejectionOf,
  UpgradeRequest,
  type WsBeforeUpgrade,
  type WsUpgradeRejection,
  type WsUpgradeVerdict,
} from './upgrade-request.js';

/** @internal Runs `hook` for a tested opening, then answers `101` or its refusal. */
export async function upgradeAfterHook<D>(
  ctx: HttpContext,
  hook: WsBeforeUpgrade<D>,
  init: Omit<AcceptInit<D>, 'channel'>,
): Promise<void> {
  const channel = findChannel(ctx.detach());
  const request = new UpgradeRequest({
    method: ctx.method,
    target: ctx.target,
    path: ctx.path,
    headers: ctx.headers,
    query: () => ctx.query,
    remoteAddress: ctx.peer,
    remotePort: channel.transport.remotePort ?? 0,
    protocols: init.info.protocols,
    protocol: init.protocol,
  });
  let verdict: WsUpgradeVerdict<D>;
  try {
    verdict = await hook(request);
  } catch (err) {
    log('error', `${channel.name}: beforeUpgrade failed: ${String(err)}`);
    verdict = { status: 500, body: 'WebSocket upgrade failed\n' };
  }
  // The client may have gone while the hook ran.
  if (channel.closed || channel.gone) return;
  const rejection = rejectionOf(verdict);
  if (rejection !== undefined) {
    refuse(channel, rejection);
    return;
  }
  const accept = acceptOf(verdict);
  acceptOnChannel<D>({
    ...init,
    channel,
    target: ctx.target,
    requestHeaders: ctx.headers,
    data: accept?.data,
    headers:
      accept?.headers === undefined
        ? init.headers
        : { ...init.headers, ...definedHeaders(accept.headers) },
  });
}

/** Writes the refusal and closes the channel once it has left. */
function refuse(channel: Channel, r: WsUpgradeRejection): void {
  const body = r.body === undefined || typeof r.body === 'string' ? r.body : toBuffer(r.body);
  try {
    channel.write(buildRejectResponse(r.status, { headers: definedHeaders(r.headers), body }));
  } catch (err) {
    log('error', `${channel.name}: cannot refuse the upgrade: ${String(err)}`);
    channel.destroy();
    return;
  }
  channel.close();
}
