/**
 * What a {@link WebSocketConnection} is besides its protocol machinery: the facts of its
 * handshake (name, role, subprotocol, extensions, path, query, headers, the application's
 * `data`), the numbers `ws` and browsers give the states, the peer's address, and Bun's topic
 * methods. Everything here uses the connection's public side only; the machinery (receiving,
 * sending, keep-alive, closing) is connection.ts.
 */
import { EventEmitter } from 'node:events';
import type { Channel } from '../channels/channel.js';
import { HeaderList } from '../proto/http1/headers.js';
import type { WsConnectionInit } from './connection-init.js';
import type { WebSocketConnection } from './connection.js';
import {
  isSubscribed,
  publish,
  subscribe,
  topicsOf,
  unsubscribe,
  type PublishOptions,
} from './topics.js';
import type { WebSocketConnectionEvents } from './types.js';

const NO_HEADERS = new HeaderList();

/**
 * The connection this base belongs to. A function, not a private accessor: a class with private
 * methods or accessors costs each instance a brand slot (8 bytes per connection).
 */
function selfOf(base: WebSocketBase): WebSocketConnection {
  return base as unknown as WebSocketConnection;
}

/** @internal The base of {@link WebSocketConnection}; not exported from the package. */
export class WebSocketBase<D = unknown> extends EventEmitter<WebSocketConnectionEvents> {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /** The socket handle: the channel's name (`conn7`). */
  readonly name: string;
  readonly role: 'server' | 'client';
  readonly channel: Channel;
  /** The agreed subprotocol, or '' for none. */
  readonly protocol: string;
  /** The agreed extensions as sent in the handshake, or ''. */
  readonly extensions: string;
  readonly hostname: string | undefined;
  /** The path of the opening request. */
  readonly path: string | undefined;
  /** The application's data for this connection (from `beforeUpgrade`, `upgrade` or `open`). */
  data: D;

  /** The query string (parsed on first use), and the peer's handshake headers. */
  #query: string | URLSearchParams | undefined;
  #headers: HeaderList | string | readonly string[] | undefined;

  constructor(init: WsConnectionInit<D>) {
    super();
    // Most connections never get a listener: Node's EventEmitter makes its (dictionary-mode,
    // ~180 B) listener table on the first `on` when it finds none, so none is made up front.
    (this as unknown as { _events: unknown })._events = undefined;
    const channel = init.channel;
    this.channel = channel;
    this.name = channel.name;
    this.role = init.role;
    this.protocol = init.protocol ?? '';
    this.extensions = init.extensions ?? '';
    this.hostname = init.hostname;
    this.path = init.path;
    this.data = init.data as D;
    this.#query = init.query;
    // A parsed request's list is kept as the head's text: the list is made again when asked for.
    const h = init.requestHeaders;
    this.#headers = h instanceof HeaderList ? (h.headText ?? h) : h;
  }

  get CONNECTING(): 0 {
    return 0;
  }
  get OPEN(): 1 {
    return 1;
  }
  get CLOSING(): 2 {
    return 2;
  }
  get CLOSED(): 3 {
    return 3;
  }

  /** The query of the opening request (empty when it had none). */
  get query(): URLSearchParams {
    const q = this.#query;
    if (q instanceof URLSearchParams) return q;
    const parsed = new URLSearchParams(q ?? '');
    this.#query = parsed;
    return parsed;
  }

  /** The peer's headers of the opening handshake: the request's on a server, the `101`'s on a client. */
  get headers(): HeaderList {
    const h = this.#headers;
    if (h === undefined) return NO_HEADERS;
    if (h instanceof HeaderList) return h;
    const list = typeof h === 'string' ? HeaderList.fromHeadText(h) : new HeaderList([...h]);
    this.#headers = list;
    return list;
  }

  /** The peer's IP address. */
  get remoteAddress(): string | undefined {
    return this.channel.transport.remoteAddress;
  }

  /** The peer's port. */
  get remotePort(): number | undefined {
    return this.channel.transport.remotePort;
  }

  // --- topics (Bun's shape; the registry is topics.ts) -----------------------------------------

  /**
   * Subscribes to a topic: every `publish` to it reaches this WebSocket, until `unsubscribe` or
   * the connection closes.
   *
   * @example
   * ```ts
   * conn.subscribe('/chat/lobby');
   * conn.publish('/chat/lobby', 'hello'); // everyone in the lobby but conn
   * ```
   */
  subscribe(topic: string): void {
    subscribe(selfOf(this), topic);
  }

  /** Leaves a topic; false when it was not subscribed. */
  unsubscribe(topic: string): boolean {
    return unsubscribe(selfOf(this), topic);
  }

  isSubscribed(topic: string): boolean {
    return isSubscribed(selfOf(this), topic);
  }

  /** The topics this WebSocket is subscribed to. */
  get subscriptions(): string[] {
    return topicsOf(selfOf(this));
  }

  /**
   * Publishes to every subscriber of `topic` but this connection (Bun's `ws.publish`), in this
   * process and, in a cluster, everywhere. Returns the local subscribers it was queued for.
   */
  publish(topic: string, data: string | Uint8Array, options: PublishOptions = {}): number {
    return publish(topic, data, { ...options, exclude: selfOf(this) });
  }
}
