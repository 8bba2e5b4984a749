/**
 * Where each channel of a server came from: the request it was detached from (its endpoint,
 * `/echo`, `/chat`, `/stream`, …), whether that request was a WebSocket opening, and the
 * viewer the demo page named in its query. Learned from connchan's diagnostics channels, so
 * the demo's handlers need not report anything; the request log and the dashboard read it.
 * The channel's client data (when the application left it empty) gets the same label, so that
 * the other members of a cluster see it in their listings.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS, type ChannelCloseMessage, type DetachMessage } from 'connchan';
import { ChannelTable } from 'connchan/channels';

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

/** The label a channel's client data gets. */
type ChannelLabel = Pick<ChannelOrigin, 'endpoint' | 'websocket' | 'viewer'>;

/**
 * Origins and labels are shared by the channels that have the same (thousands of `/echo`
 * sockets: one object, not one each, and no reference to each request's head text); a bounded
 * number of them, since viewers are named by clients.
 */
const MAX_SHARED = 256;

function keep<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size < MAX_SHARED) cache.set(key, value);
}

export type CloseListener = (
  closed: ChannelCloseMessage,
  origin: ChannelOrigin | undefined,
) => void;

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
  readonly #byName = new Map<string, ChannelOrigin>();
  readonly #origins = new Map<string, ChannelOrigin>();
  readonly #labels = new Map<string, ChannelLabel>();
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
    this.#byName.set(d.channel, origin);
    const table = ChannelTable.of(d.server);
    if (table.has(d.channel)) {
      const entry = table.get(d.channel);
      if (entry.clientData === undefined || entry.clientData === null) {
        this.#lastLabel ??= this.#labelOf(origin);
        entry.clientData = this.#lastLabel;
      }
    }
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
      label = Object.freeze({
        endpoint: origin.endpoint,
        websocket: origin.websocket,
        viewer: origin.viewer,
      });
      keep(this.#labels, key, label);
    }
    return label;
  }

  readonly #onClose = (m: unknown) => {
    const c = m as ChannelCloseMessage;
    if (c.server !== this.#server) return;
    const origin = this.#byName.get(c.name);
    for (const fn of this.#closeListeners) fn(c, origin);
    this.#byName.delete(c.name);
  };

  constructor(server: string) {
    this.#server = server;
    subscribe(DIAGNOSTICS.detach, this.#onDetach);
    subscribe(DIAGNOSTICS.channelClose, this.#onClose);
  }

  get(name: string): ChannelOrigin | undefined {
    return this.#byName.get(name);
  }

  /** Called for each channel of this server that closes, with where it came from. */
  onClose(fn: CloseListener): void {
    this.#closeListeners.push(fn);
  }

  stop(): void {
    unsubscribe(DIAGNOSTICS.detach, this.#onDetach);
    unsubscribe(DIAGNOSTICS.channelClose, this.#onClose);
    this.#byName.clear();
  }
}
