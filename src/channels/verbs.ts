/**
 * ns_connchan's verbs by channel name, usable from anywhere in the process: list, status,
 * exists, close, destroy, callback, read, write, wsencode, connect, listen and open. Each also
 * exists as a method of {@link Channel}; these functions look the channel up first.
 *
 * `{server}` names the server whose table to use. Channel names are unique in the process, so
 * without it a name is found in whichever table holds it, and `list` lists every table.
 */
import type { Channel } from './channel.js';
import {
  allTables,
  channelExists,
  channelGone,
  channelStatus,
  ChannelTable,
  findChannel,
  findEntry,
  type ChannelListEntry,
  type ChannelStatus,
} from './channel-table.js';
import type { CallbackCondition, CallbackOptions, ChannelCallbackFn } from './channel-callback.js';
import { readWsFrame, type WsReadOptions, type WsReadResult } from './ws-frame-reader.js';
import { connectChannel, type ConnectOptions } from './connect.js';
import { openChannel, type OpenOptions } from './open-url.js';
import { setDebugLevel } from './debug.js';
import { listenChannel, type AcceptFn, type Listener, type ListenOptions } from './listen.js';

export interface ServerOption {
  /** The server whose table to look in. */
  server?: string;
}

/** One entry per channel (and listener): ns_connchan's ten fields. */
export function list(options: ServerOption = {}): ChannelListEntry[] {
  if (options.server !== undefined) return ChannelTable.of(options.server).list();
  return [...allTables()].flatMap((t) => t.list());
}

/** Counters, buffers, last errors and the callback of one channel. */
export function status(name: string, options: ServerOption = {}): ChannelStatus {
  return channelStatus(findEntry(name, options.server));
}

/** Whether the channel exists (in the given server's table, or in any). */
export function exists(name: string, options: ServerOption = {}): boolean {
  return channelExists(name, options.server);
}

/**
 * Closes the channel: it leaves the table at once, queued bytes still go out (within the close
 * wait), then the connection closes. For a listener: stops listening.
 */
export function close(name: string, options: ServerOption = {}): void {
  void findEntry(name, options.server).close();
}

/** Closes at once, discarding queued bytes. */
export function destroy(name: string, options: ServerOption = {}): void {
  findEntry(name, options.server).destroy();
}

/**
 * Registers `fn` to be called when the channel becomes readable (r), writable (w), fails (e),
 * the server shuts down (x), or nothing happened for `timeout` (t). `fn` returns 0 (cancel and
 * close), 1 (keep) or 2 (suspend).
 *
 * @example
 * ```ts
 * callback(name, async (why) => {
 *   if (why === 't') return 0;
 *   const data = await read(name);
 *   if (data.length === 0) return 0; // EOF
 *   write(name, data);
 *   return 1;
 * }, 'r', { timeout: '30s' });
 * ```
 */
export function callback(
  name: string,
  fn: ChannelCallbackFn,
  when: string | Iterable<CallbackCondition>,
  options: CallbackOptions & ServerOption = {},
): void {
  findChannel(name, options.server).setCallback(fn, when, options);
}

export interface ReadOptions extends ServerOption {
  /** Return at most this many bytes. */
  maxBytes?: number;
  /** Wait at most this long for data (default: the channel's receive timeout, 30 s). */
  timeoutMs?: number;
}

/**
 * Reads what has arrived (waiting if nothing has); an empty buffer means end of input. Every
 * error, an unknown channel included, arrives as a rejection: `read(name).catch(…)` catches all.
 */
export function read(name: string, options?: ReadOptions & { websocket?: false }): Promise<Buffer>;
/** Reads one WebSocket frame and returns ns_connchan's dict. */
export function read(
  name: string,
  options: WsReadOptions & ServerOption & { websocket: true },
): Promise<WsReadResult>;
export async function read(
  name: string,
  options: (ReadOptions | (WsReadOptions & ServerOption)) & { websocket?: boolean } = {},
): Promise<Buffer | WsReadResult> {
  const channel = findChannel(name, options.server);
  if (options.websocket) return readWsFrame(channel, options as WsReadOptions);
  return channel.read(options as ReadOptions);
}

/**
 * Writes bytes and returns how many were accepted. Unbuffered, that may be fewer than given
 * when the send buffer is at its bound; `buffered: true` accepts all or throws
 * `ERR_CHAN_SEND_BUFFER_FULL`.
 *
 * Returns -1 when the channel is gone or can send no more (closed, its peer went away, a send
 * timed out): a writer on a timer stops then, instead of crashing the process. A name that never
 * was a channel's still throws `ERR_CHAN_NOT_FOUND` (a mistake in the program, not the peer's).
 *
 * @example
 * ```ts
 * const timer = setInterval(() => {
 *   if (write(name, `tick ${Date.now()}\n`) < 0) clearInterval(timer); // the client left
 * }, 1000);
 * ```
 */
export function write(
  name: string,
  data: Uint8Array | string,
  options: ServerOption & { buffered?: boolean } = {},
): number {
  let channel: Channel;
  try {
    channel = findChannel(name, options.server);
  } catch (err) {
    if (channelGone(name)) return -1;
    throw err;
  }
  return channel.write(data, options);
}

/** Connects to host:port (TCP or TLS) and returns the new channel's name (errors reject). */
export async function connect(
  host: string,
  port: number,
  options: ConnectOptions = {},
): Promise<string> {
  return (await connectChannel(host, port, options)).name;
}

/** The Channel object behind a name, for code that prefers methods. */
export function channel(name: string, options: ServerOption = {}): Channel {
  return findChannel(name, options.server);
}

/**
 * Listens on host:port; `accept` is called with the new channel's name for each connection
 * and may return false to close it.
 */
export async function listen(
  host: string,
  port: number,
  accept: (name: string) => boolean | void | Promise<boolean | void>,
  options: ListenOptions = {},
): Promise<Listener> {
  const fn: AcceptFn = (chan) => accept(chan.name);
  return listenChannel(host, port, fn, options);
}

/** Opens a channel to an http(s) URL, sends the request, and returns the channel's name. */
export async function open(url: string | URL, options: OpenOptions = {}): Promise<string> {
  return (await openChannel(url, options)).name;
}

/**
 * Sets the debug level of a channel (0 off, 1 log sends, 2 also copy sent bytes to a file) and
 * returns the previous one; without `level`, only returns it.
 */
export function debug(name: string, level?: number, options: ServerOption = {}): number {
  return setDebugLevel(findChannel(name, options.server), level);
}
