/**
 * Turning a server connection into a channel: the channel takes the socket, whatever of the
 * next requests was already read, and the request's client data; a detach subscriber
 * (diagnostics) hears of it.
 */
import type { ConnSocket } from '../io/conn-socket.js';
import { ChannelTable } from '../channels/channel-table.js';
import { detachChannel } from '../diagnostics.js';
import type { HttpContext } from './context.js';
import type { ServerCore } from './server-options.js';

/** Options of {@link HttpContext.detach}. */
export interface DetachOptions {
  /**
   * Keep the channel after the client finished sending (TCP half-close), so that it can still
   * be written to; it then leaves the table only once the connection is closed. Default false.
   */
  halfOpen?: boolean;
  /**
   * TCP keep-alive probes on the channel's socket (default true); a protocol with pings of its
   * own may turn them off.
   */
  tcpKeepAlive?: boolean;
}

/**
 * Creates the channel that owns `socket` from now on and returns its name. `initialData` are
 * the bytes read after the request (owned copies).
 *
 * @example
 * ```ts
 * const name = openDetachedChannel(core, socket, 'http', ctx, [], {}); // "conn1"
 * ```
 */
export function openDetachedChannel(
  core: ServerCore,
  socket: ConnSocket,
  driver: string,
  ctx: HttpContext,
  initialData: Buffer[],
  options: DetachOptions,
): string {
  const channel = ChannelTable.of(core.name).create({
    socket,
    kind: 'detached',
    driver,
    role: 'server',
    startTime: ctx.startTime,
    // Left to the channel to ask for when needed (a close observer that reads it, a listing),
    // unless the request already knew it or names the forwarded client.
    peer: ctx.peerKnown || core.forwardsPeers ? ctx.peer : undefined,
    clientData: ctx.clientData,
    initialData,
    halfOpen: options.halfOpen,
    tcpKeepAlive: options.tcpKeepAlive,
    limits: core.channelLimits,
  });
  return channel.name;
}

/** Tells a detach subscriber (diagnostics) that `ctx`'s connection became channel `name`. */
export function publishDetach(
  core: ServerCore,
  ctx: HttpContext,
  name: string,
  observedFrom: number,
): void {
  if (!detachChannel.hasSubscribers) return;
  detachChannel.publish({
    server: core.name,
    request: ctx,
    channel: name,
    durationMs: performance.now() - observedFrom,
  });
}
