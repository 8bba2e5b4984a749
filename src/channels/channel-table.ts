/**
 * The per-server tables of channels, and the process-wide index that lets any code reach a
 * channel by name ("manage it from anywhere"). Names are unique in the process (`conn0`,
 * `conn1`, … as in NaviServer), so a name alone finds its channel; `{server}` narrows the
 * look-up to one server's table, e.g. to clean up another server's stale names.
 */
import { threadId } from 'node:worker_threads';
import { Channel, type ChannelInit } from './channel.js';
import { ChannelNotFoundError, ChannelStateError } from './errors.js';
import { processState } from '../process-state.js';
import { SlotMap } from '../io/slot-registry.js';
import { channelCloseChannel, type ChannelCloseMessage } from '../diagnostics.js';

/** One row of `list`: the ten fields of ns_connchan's listing, typed. */
export interface ChannelListEntry {
  name: string;
  /** Where the channel is served: the worker thread id ("main" for the main thread). */
  worker: string;
  /** Start time of the initiating request, ms since the epoch. */
  start: number;
  driver: string;
  /** Client address (the forwarded one in reverse-proxy mode). */
  peer: string;
  sent: number;
  received: number;
  clientData: unknown;
  /** Name of the registered callback function, or "" when none. */
  callback: string;
  /** Callback conditions, e.g. "rx", or "" when none. */
  condition: string;
}

/** `status`: everything `list` shows about one channel, and the buffers and last errors. */
export interface ChannelStatus {
  name: string;
  kind: Channel['kind'];
  server: string;
  driver: string;
  peer: string;
  start: number;
  sent: number;
  received: number;
  /** Bytes queued by writes that have not left yet. */
  sendbuffer: number;
  /** Bytes received and not yet read. */
  receivebuffer: number;
  /** Bytes of WebSocket frames received and not yet returned by `read({websocket})`. */
  framebuffer: number;
  /** Bytes of an unfinished fragmented WebSocket message. */
  fragments: number;
  /** Last send error (symbolic errno, e.g. "EPIPE"), or "". */
  senderror: string;
  /** Last receive error, or "". */
  recverror: string;
  /** Present when a callback is registered, or a protocol owns the channel (`websocket`). */
  callback?: string;
  condition?: string;
  /** True when the callback returned 2 (suspend). */
  suspended?: boolean;
}

const WORKER = threadId === 0 ? 'main' : `worker-${threadId}`;

/**
 * The entry for a listening socket (`listen` returns its name): it shows in `list`, answers
 * `status` and `exists`, and `close` stops the listening; reading and writing do not apply.
 */
export class ListenerEntry {
  readonly kind = 'listen' as const;
  readonly startTime = Date.now();
  readonly peer = '';
  readonly sent = 0;
  readonly received = 0;
  readonly sendBuffer = 0;
  readonly receiveBuffer = 0;
  readonly lastSendError = '';
  readonly lastReceiveError = '';
  readonly callback = undefined;
  readonly callbackName = '';
  readonly condition = '';
  clientData: unknown;
  #stop: () => Promise<void>;
  #onGone: ((entry: ListenerEntry) => void) | undefined;

  constructor(
    readonly name: string,
    readonly server: string,
    readonly driver: string,
    /** host:port listened on. */
    readonly address: string,
    stop: () => Promise<void>,
  ) {
    this.#stop = stop;
  }

  onGone(fn: (entry: ListenerEntry) => void): void {
    this.#onGone = fn;
  }

  /** Stops listening and leaves the table. */
  close(): Promise<void> {
    const gone = this.#onGone;
    this.#onGone = undefined;
    gone?.(this);
    return this.#stop();
  }

  destroy(): void {
    void this.close();
  }
}

/** Anything a table holds: a connection's channel or a listener. */
export type TableEntry = Channel | ListenerEntry;

/**
 * A listener's entry, by its kind rather than its class: entries made by another copy of
 * connchan in the process (see process-state.ts) are instances of that copy's classes.
 */
export function isListener(entry: TableEntry): entry is ListenerEntry {
  return entry.kind === 'listen';
}

export const DEFAULT_SERVER = 'default';

/** Extra fields a protocol on a channel adds to `status` (WebSocket frame counters, …). */
export type StatusExtension = (channel: Channel) => Partial<ChannelStatus>;

/**
 * The process's channels, shared by every copy of connchan loaded (see process-state.ts). The
 * name indexes are SlotMaps, not Maps (io/slot-registry.ts says why); other copies only call
 * their Map-like methods.
 */
const shared = processState('channels@2', () => ({
  /** The next channel number: names are unique in the process. */
  nextId: 0,
  /** What names start with (a cluster's node and worker); see setChannelNamePrefix. */
  namePrefix: '',
  /** Every live entry of the process by name, whatever its server. */
  byName: new SlotMap<TableEntry>(),
  /** Each server's entries by name. */
  tables: new Map<string, SlotMap<TableEntry>>(),
  statusExtensions: new WeakMap<TableEntry, StatusExtension>(),
}));
const { byName, tables, statusExtensions } = shared;
/** This copy's view of each server's table (the entries themselves are in `tables`). */
const views = new Map<string, ChannelTable>();

export class ChannelTable {
  readonly server: string;
  readonly #channels: SlotMap<TableEntry>;

  private constructor(server: string, channels: SlotMap<TableEntry>) {
    this.server = server;
    this.#channels = channels;
  }

  /** The table of `server`, created on first use. */
  static of(server: string = DEFAULT_SERVER): ChannelTable {
    let table = views.get(server);
    if (!table) {
      let channels = tables.get(server);
      if (channels === undefined) {
        channels = new SlotMap();
        tables.set(server, channels);
      }
      table = new ChannelTable(server, channels);
      views.set(server, table);
    }
    return table;
  }

  /** Creates a channel under a fresh name and puts it in this table. */
  create(init: Omit<ChannelInit, 'name' | 'server'>): Channel {
    // The caller's object is made for this call: named in place rather than copied.
    const named = init as ChannelInit;
    named.name = freshName();
    named.server = this.server;
    const channel = new Channel(named);
    this.#add(channel);
    return channel;
  }

  /** Puts a listener's entry in this table; `stop` is what closing it does. */
  createListener(address: string, driver: string, stop: () => Promise<void>): ListenerEntry {
    const entry = new ListenerEntry(freshName(), this.server, driver, address, stop);
    this.#add(entry);
    return entry;
  }

  #add(entry: TableEntry): void {
    this.#channels.set(entry.name, entry);
    byName.set(entry.name, entry);
    entry.onGone(leaveTables);
  }

  /** @internal */
  static remove(entry: TableEntry): void {
    tables.get(entry.server)?.delete(entry.name);
    byName.delete(entry.name);
  }

  get size(): number {
    return this.#channels.size;
  }

  has(name: string): boolean {
    return this.#channels.has(name);
  }

  get(name: string): TableEntry {
    const entry = this.#channels.get(name);
    if (!entry) throw new ChannelNotFoundError(name, this.server);
    return entry;
  }

  entries(): IterableIterator<TableEntry> {
    return this.#channels.values();
  }

  /** The connection channels (listeners left out). */
  *channels(): IterableIterator<Channel> {
    for (const e of this.#channels.values()) if (!isListener(e)) yield e;
  }

  list(): ChannelListEntry[] {
    return [...this.#channels.values()].map(listEntry);
  }
}

/** One function for every entry: no closure per channel. */
function leaveTables(entry: TableEntry): void {
  ChannelTable.remove(entry);
  if (channelCloseChannel.hasSubscribers) channelCloseChannel.publish(new CloseNotice(entry));
}

/**
 * What a channel's close tells its observers. `peer` is asked of the socket only when a
 * subscriber reads it, during the publish (while the socket still knows it): a log that does
 * not print it costs no `getpeername` per connection (measured: 2–4 % of a WebSocket life).
 */
class CloseNotice implements ChannelCloseMessage {
  readonly name: string;
  readonly server: string;
  readonly kind: string;
  readonly driver: string;
  readonly startTime: number;
  readonly sent: number;
  readonly received: number;
  readonly clientData: unknown;
  #entry: TableEntry | undefined;
  #peer = '';

  constructor(entry: TableEntry) {
    this.name = entry.name;
    this.server = entry.server;
    this.kind = entry.kind;
    this.driver = entry.driver;
    this.startTime = entry.startTime;
    this.sent = entry.sent;
    this.received = entry.received;
    this.clientData = entry.clientData;
    this.#entry = entry;
  }

  get peer(): string {
    const entry = this.#entry;
    if (entry !== undefined) {
      this.#entry = undefined;
      this.#peer = entry.peer;
    }
    return this.#peer;
  }

  toJSON(): ChannelCloseMessage {
    return { ...this, peer: this.peer };
  }
}

/**
 * Makes new channel names start with `prefix` (a cluster puts its node and worker there, e.g.
 * `a7.2.conn5`, so that a name is unique across processes and machines). Names given earlier
 * keep theirs.
 *
 * @example
 * ```ts
 * setChannelNamePrefix('a7.2.');
 * ```
 */
export function setChannelNamePrefix(prefix: string): void {
  shared.namePrefix = prefix;
}

function freshName(): string {
  return `${shared.namePrefix}conn${shared.nextId++}`;
}

/**
 * True when `name` was given to a channel of this process that has since left its table (closed,
 * or its peer went away): names are `conn<n>`, handed out in order, never twice.
 */
export function channelGone(name: string): boolean {
  if (byName.has(name) || !name.startsWith('conn')) return false;
  const n = Number(name.slice(4));
  return Number.isSafeInteger(n) && n >= 0 && n < shared.nextId && name === `conn${n}`;
}

/** Finds a live entry (channel or listener) by name, in one server's table or in any. */
export function findEntry(name: string, server?: string): TableEntry {
  if (server !== undefined) return ChannelTable.of(server).get(name);
  const entry = byName.get(name);
  if (!entry) throw new ChannelNotFoundError(name);
  return entry;
}

/** Finds a live connection channel by name; a listener's name is refused with a clear error. */
export function findChannel(name: string, server?: string): Channel {
  const entry = findEntry(name, server);
  if (isListener(entry)) {
    throw new ChannelStateError(
      name,
      'is a listening socket: only list, status, exists and close apply',
      'ERR_CHAN_IS_LISTENER',
    );
  }
  return entry;
}

/** Every table that exists, for listings across servers. */
export function* allTables(): IterableIterator<ChannelTable> {
  for (const server of tables.keys()) yield ChannelTable.of(server);
}

export function channelExists(name: string, server?: string): boolean {
  return server !== undefined ? ChannelTable.of(server).has(name) : byName.has(name);
}

/** Lets a protocol running on a channel add its fields to `status`. */
export function extendStatus(channel: Channel, extension: StatusExtension): void {
  statusExtensions.set(channel, extension);
}

export function listEntry(c: TableEntry): ChannelListEntry {
  return {
    name: c.name,
    worker: WORKER,
    start: c.startTime,
    driver: c.driver,
    peer: c.peer,
    sent: c.sent,
    received: c.received,
    clientData: c.clientData,
    callback: c.callbackName,
    condition: c.condition,
  };
}

export function channelStatus(c: TableEntry): ChannelStatus {
  const status: ChannelStatus = {
    name: c.name,
    kind: c.kind,
    server: c.server,
    driver: c.driver,
    peer: c.peer,
    start: c.startTime,
    sent: c.sent,
    received: c.received,
    sendbuffer: c.sendBuffer,
    receivebuffer: c.receiveBuffer,
    framebuffer: 0,
    fragments: 0,
    senderror: c.lastSendError,
    recverror: c.lastReceiveError,
  };
  const cb = c.callback;
  if (cb) {
    status.callback = cb.displayName;
    status.condition = c.condition;
    status.suspended = cb.suspended;
  } else if (c.callbackName !== '') {
    status.callback = c.callbackName;
    status.condition = c.condition;
  }
  if (isListener(c)) {
    status.peer = c.address;
    return status;
  }
  const ext = statusExtensions.get(c);
  // A protocol owning the channel adds its fields through its hooks (a channel made by another
  // copy of connchan may not know how).
  const owned = typeof c.ownerStatus === 'function' ? c.ownerStatus() : undefined;
  if (ext === undefined && owned === undefined) return status;
  return { ...status, ...ext?.(c), ...owned } as ChannelStatus;
}
