/**
 * Where each channel of a server came from: the request it was detached from (its endpoint,
 * `/echo`, `/chat`, `/stream`, …), whether that request was a WebSocket opening, and the
 * viewer the demo page named in its query. Learned from connchan's diagnostics channels, so
 * the demo's handlers need not report anything; the request log and the dashboard read it.
 * The channel's client data (when the application left it empty) gets the same label, so that
 * the other members of a cluster see it in their listings; the label leads back to its origin,
 * so that a channel labelled so costs no entry by name (a WebSocket life of the demo's /echo
 * then does no lookup of its own: its origin comes with the detach and the close).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS, type ChannelCloseMessage, type DetachMessage } from 'connchan';
import { ChannelTable, type TableEntry } from 'connchan/channels';

/** Shared by every channel with the same origin, so read-only. */
export interface ChannelOrigin {
  /** The request path (`/echo`). */
  readonly endpoint: string;
  /** The request target as sent, query included. */
  readonly target: string;
  readonly websocket: boolean;
  /** The `viewer` query parameter of the demo page's sockets, or ''. */
  readonly viewer: string;
}

/** Where a label leads back to (not enumerable, and a symbol: listings and JSON leave it out). */
const ORIGIN = Symbol('connchan serve: channel origin');

/** The label a channel's client data gets. */
type ChannelLabel = Pick<ChannelOrigin, 'endpoint' | 'websocket' | 'viewer'> & {
  readonly [ORIGIN]: ChannelOrigin;
};

/** The origin a channel's client data leads to, when it is one of the labels made here. */
function originOfLabel(clientData: unknown): ChannelOrigin | undefined {
  return typeof clientData === 'object' && clientData !== null
    ? (clientData as Partial<ChannelLabel>)[ORIGIN]
    : undefined;
}

/**
 * Origins and labels are shared by the channels that have the same (thousands of `/echo`
 * sockets: one object, not one each, and no reference to each request's head text); a bounded
 * number of them, since viewers are named by clients.
 */
const MAX_SHARED = 256;

function keep<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size < MAX_SHARED) cache.set(key, value);
}

export type DetachListener = (detached: DetachMessage, origin: ChannelOrigin) => void;
export type CloseListener = (
  closed: ChannelCloseMessage,
  origin: ChannelOrigin | undefined,
) => void;

/** Adds `fn` to `list`; returns what removes it. */
function listen<F>(list: F[], fn: F): () => void {
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}

/** The key an origin and its label are kept under: the request target and its kind. */
function originKey(websocket: boolean, target: string): string {
  return `${websocket ? 'w' : 'd'}\0${target}`;
}

/** A copy of `s` that refers to nothing else (a slice would keep the request's head text alive). */
function flat(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'latin1').toString('latin1');
}

export class ChannelOrigins {
  readonly #server: string;
  readonly #table: ChannelTable;
  /** The origins of channels that are not labelled (their client data was the application's). */
  readonly #byName = new Map<string, ChannelOrigin>();
  readonly #origins = new Map<string, ChannelOrigin>();
  readonly #labels = new Map<string, ChannelLabel>();
  readonly #detachListeners: DetachListener[] = [];
  readonly #closeListeners: CloseListener[] = [];
  /** The last detach's target, kind, origin and label: a run of `/echo` sockets looks up nothing. */
  #lastTarget = '';
  #lastWebsocket = false;
  #lastOrigin: ChannelOrigin | undefined;
  #lastLabel: ChannelLabel | undefined;
  readonly #onDetach = (m: unknown) => {
    const d = m as DetachMessage;
    if (d.server !== this.#server) return;
    const target = d.request.target;
    const websocket = this.#isWebSocket(d.request.headers.get('upgrade') ?? '');
    let origin = this.#lastOrigin;
    if (origin === undefined || target !== this.#lastTarget || websocket !== this.#lastWebsocket) {
      origin = this.#originOf(target, d.request.path, websocket);
      this.#lastTarget = origin.target;
      this.#lastWebsocket = websocket;
      this.#lastOrigin = origin;
      this.#lastLabel = undefined;
    }
    const entry = this.#entry(d.channel);
    if (entry !== undefined && (entry.clientData === undefined || entry.clientData === null)) {
      this.#lastLabel ??= this.#labelOf(origin);
      entry.clientData = this.#lastLabel;
    } else {
      this.#byName.set(d.channel, origin);
    }
    for (const fn of this.#detachListeners) fn(d, origin);
  };

  #lastUpgrade = '';
  #lastUpgradeIsWebSocket = false;
  /** Whether an Upgrade header asks for a WebSocket; the last answer kept (it is the same each time). */
  #isWebSocket(upgrade: string): boolean {
    if (upgrade !== this.#lastUpgrade) {
      this.#lastUpgrade = upgrade;
      this.#lastUpgradeIsWebSocket = /websocket/i.test(upgrade);
    }
    return this.#lastUpgradeIsWebSocket;
  }

  #originOf(target: string, endpoint: string, websocket: boolean): ChannelOrigin {
    const q = target.indexOf('?');
    const viewer = (
      q < 0 ? '' : (new URLSearchParams(target.slice(q + 1)).get('viewer') ?? '')
    ).slice(0, 64);
    const key = originKey(websocket, target);
    // Looked up before anything is made: most detaches share an origin already seen.
    let origin = this.#origins.get(key);
    if (origin === undefined) {
      origin = Object.freeze({ endpoint: flat(endpoint), target: flat(target), websocket, viewer });
      keep(this.#origins, key, origin);
    }
    return origin;
  }

  #labelOf(origin: ChannelOrigin): ChannelLabel {
    const key = originKey(origin.websocket, origin.target);
    let label = this.#labels.get(key);
    if (label === undefined) {
      label = Object.freeze(
        Object.defineProperty(
          { endpoint: origin.endpoint, websocket: origin.websocket, viewer: origin.viewer },
          ORIGIN,
          { value: origin },
        ) as ChannelLabel,
      );
      keep(this.#labels, key, label);
    }
    return label;
  }

  readonly #onClose = (m: unknown) => {
    const c = m as ChannelCloseMessage;
    if (c.server !== this.#server) return;
    let origin = originOfLabel(c.clientData);
    if (origin === undefined && this.#byName.size > 0) {
      origin = this.#byName.get(c.name);
      this.#byName.delete(c.name);
    }
    for (const fn of this.#closeListeners) fn(c, origin);
  };

  constructor(server: string) {
    this.#server = server;
    this.#table = ChannelTable.of(server);
    subscribe(DIAGNOSTICS.detach, this.#onDetach);
    subscribe(DIAGNOSTICS.channelClose, this.#onClose);
  }

  /** Where the open channel `name` came from (undefined: not detached from a request). */
  get(name: string): ChannelOrigin | undefined {
    return originOfLabel(this.#entry(name)?.clientData) ?? this.#byName.get(name);
  }

  /** This server's open channel `name`, or undefined (the table's `get` throws instead). */
  #entry(name: string): TableEntry | undefined {
    return this.#table.has(name) ? this.#table.get(name) : undefined;
  }

  /**
   * Called for each connection of this server detached into a channel, with where it came
   * from, once the channel is labelled; returns what stops the calls.
   */
  onDetach(fn: DetachListener): () => void {
    return listen(this.#detachListeners, fn);
  }

  /**
   * Called for each channel of this server that closes, with where it came from; returns what
   * stops the calls.
   */
  onClose(fn: CloseListener): () => void {
    return listen(this.#closeListeners, fn);
  }

  stop(): void {
    unsubscribe(DIAGNOSTICS.detach, this.#onDetach);
    unsubscribe(DIAGNOSTICS.channelClose, this.#onClose);
    this.#byName.clear();
  }
}
