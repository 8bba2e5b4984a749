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

export interface ChannelOrigin {
  /** The request path (`/echo`). */
  endpoint: string;
  /** The request target as sent, query included. */
  target: string;
  websocket: boolean;
  /** The `viewer` query parameter of the demo page's sockets, or ''. */
  viewer: string;
  peer: string;
}

export type CloseListener = (
  closed: ChannelCloseMessage,
  origin: ChannelOrigin | undefined,
) => void;

export class ChannelOrigins {
  readonly #server: string;
  readonly #byName = new Map<string, ChannelOrigin>();
  readonly #closeListeners: CloseListener[] = [];
  readonly #onDetach = (m: unknown) => {
    const d = m as DetachMessage;
    if (d.server !== this.#server) return;
    const q = d.request.target.indexOf('?');
    const viewer =
      q < 0 ? '' : (new URLSearchParams(d.request.target.slice(q + 1)).get('viewer') ?? '');
    const origin: ChannelOrigin = {
      endpoint: d.request.path,
      target: d.request.target,
      websocket: /websocket/i.test(d.request.headers.get('upgrade') ?? ''),
      viewer: viewer.slice(0, 64),
      peer: d.request.peer,
    };
    this.#byName.set(d.channel, origin);
    const table = ChannelTable.of(d.server);
    if (table.has(d.channel)) {
      const entry = table.get(d.channel);
      entry.clientData ??= {
        endpoint: origin.endpoint,
        websocket: origin.websocket,
        viewer: origin.viewer,
      };
    }
  };
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
