/**
 * What a channel is made from: how it came to be, its limits (with the defaults most channels
 * share), what it is created with, and the hooks of a protocol that owns it. Limits objects are
 * frozen and shared: a channel never holds a copy of its own unless it was given limits.
 */
import type { ConnSocket } from '../io/conn-socket.js';

/** How the channel came to be. */
export type ChannelKind = 'detached' | 'connect' | 'listen' | 'accepted' | 'open' | 'adopted';

export interface ChannelLimits {
  /** Bytes a write may leave queued before the channel refuses more. Default 16 MiB. */
  maxSendBufferBytes: number;
  /** Received bytes held unread before the socket is paused. Default 1 MiB. */
  maxReceiveBufferBytes: number;
  /** How long `close()` waits for queued bytes to leave before destroying. Default 2 s. */
  closeWaitMs: number;
  /** Default for `read` when no receive timeout was set. Default 30 s (NaviServer's recvwait). */
  receiveTimeoutMs: number;
  /**
   * How long a write may stay unable to proceed (the send buffer does not shrink) before the
   * channel fails with `ERR_CHAN_SEND_TIMEOUT`. Bytes leave the buffer a socket write at a time
   * (one `write`, or writes queued meanwhile, all together), so allow a slow peer the time to
   * take one such batch. Default 0: no limit, as NaviServer's `-sendtimeout 0`; a callback's
   * `sendTimeout` sets it too.
   */
  sendTimeoutMs: number;
}

export const DEFAULT_CHANNEL_LIMITS: Readonly<ChannelLimits> = Object.freeze({
  maxSendBufferBytes: 16 * 1024 * 1024,
  maxReceiveBufferBytes: 1024 * 1024,
  closeWaitMs: 2000,
  receiveTimeoutMs: 30_000,
  sendTimeoutMs: 0,
});

export interface ChannelInit {
  name: string;
  socket: ConnSocket;
  kind: ChannelKind;
  /** Driver name: the server driver's name for detached channels, 'http'/'https' for outgoing. */
  driver: string;
  /** Name of the server whose table holds this channel. */
  server: string;
  /** Start time of the initiating request (ms since epoch). Default: now. */
  startTime?: number;
  /** Peer address to report (the X-Forwarded-For client in reverse-proxy mode). */
  peer?: string;
  clientData?: unknown;
  /** Bytes already read from the socket that belong to the channel (pipelined data, …). */
  initialData?: Buffer[];
  /** WebSocket role for `read({websocket: true})`: server for accepted connections. */
  role: 'server' | 'client';
  /**
   * Keep the channel after the peer finished sending, so that it can still be written to
   * (TCP half-close). Default false: once the end of input has been read (or there is nobody to
   * read it), the channel closes its side and leaves the table.
   */
  halfOpen?: boolean;
  limits?: Partial<ChannelLimits>;
  /**
   * TCP keep-alive probes on the socket (default true), so that a silent dead peer is found
   * even on an idle channel; a protocol with pings of its own (WebSockets) turns them off.
   */
  tcpKeepAlive?: boolean;
}

/**
 * What a protocol that owns a channel (a WebSocket) is told besides received bytes; one object
 * shared by every connection of the protocol, called with the connection (no closures per
 * connection).
 */
export interface ChannelOwnerHooks<T> {
  /** The socket drained (after the channel's own handling). */
  drain(owner: T): void;
  /** The socket closed (after the channel's own handling). */
  close(owner: T): void;
  /** The server is shutting down (before the channel's `x` callback, if one is registered). */
  shutdown?(owner: T): void | Promise<void>;
  /**
   * What `list` and `status` show as the channel's callback and condition while no callback of
   * the application's is registered (a WebSocket: `websocket`, `x`: it answers the shutdown).
   */
  callbackName?: string;
  condition?: string;
  /**
   * Fields the protocol adds to `status` (a WebSocket's frame counters, …): asked only when a
   * status is made, so that no channel keeps an entry of its own for it.
   */
  status?(owner: T): Record<string, unknown>;
}

/** Limits objects with an unbounded send buffer, one per base limits object. */
const unboundedLimits = new WeakMap<Readonly<ChannelLimits>, Readonly<ChannelLimits>>();

function hasOwnKeys(o: object | undefined): boolean {
  return o !== undefined && Object.keys(o).length > 0;
}

/** A channel's limits: the shared frozen defaults unless `limits` changes any of them. */
export function resolveLimits(limits: Partial<ChannelLimits> | undefined): Readonly<ChannelLimits> {
  return hasOwnKeys(limits)
    ? Object.freeze({ ...DEFAULT_CHANNEL_LIMITS, ...limits })
    : DEFAULT_CHANNEL_LIMITS;
}

/** `base` with an unbounded send buffer: `base` itself if it has one, else a shared copy. */
export function withUnboundedSendBuffer(base: Readonly<ChannelLimits>): Readonly<ChannelLimits> {
  if (base.maxSendBufferBytes === Number.MAX_SAFE_INTEGER) return base;
  let l = unboundedLimits.get(base);
  if (l === undefined) {
    l = Object.freeze({ ...base, maxSendBufferBytes: Number.MAX_SAFE_INTEGER });
    unboundedLimits.set(base, l);
  }
  return l;
}
