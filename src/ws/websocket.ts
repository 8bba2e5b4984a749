/**
 * The browser's `WebSocket` API (WHATWG) on Node 20, over {@link open}: `onopen`, `onmessage`,
 * `onclose`, `onerror`, `addEventListener`, `binaryType`, `bufferedAmount`, `readyState`,
 * `protocol`, `extensions`, `send`, `close`, so that browser code runs unchanged. The third
 * constructor argument (not in browsers) takes {@link WsOpenOptions} (headers, TLS, proxy, …).
 */
import { Buffer } from 'node:buffer';
import { open, type WsOpenOptions } from './client.js';
import type { WebSocketConnection } from './connection.js';
import type { WsCloseInfo } from './types.js';

/** `CloseEvent` as in browsers: the close code, reason and whether the closing was clean. */
export interface CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** What `new CloseEvent(type, init)` takes. */
export interface CloseEventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

/** Node 20 has no global `CloseEvent`: this one behaves as the browsers'. */
class CloseEventPolyfill extends Event implements CloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: CloseEventInit = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

type CloseEventCtor = new (type: string, init?: CloseEventInit) => CloseEvent;

/** The global `CloseEvent` when there is one, else an equivalent class. */
export const CloseEvent: CloseEventCtor =
  (globalThis as { CloseEvent?: CloseEventCtor }).CloseEvent ?? CloseEventPolyfill;

/** The events of a {@link WebSocket} and their types, as in the DOM's `WebSocketEventMap`. */
export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: Event;
  close: CloseEvent;
}

/** `binaryType`: the browsers' `'blob'` (default) and `'arraybuffer'`, and Node's `'nodebuffer'`. */
export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/** An `on…` property's handler, typed as the DOM types it. */
type EventHandler<E extends Event> = ((this: WebSocket, ev: E) => unknown) | null;

/** A listener as `addEventListener` takes it (a function or an object with `handleEvent`). */
type ListenerLike<E extends Event> =
  ((this: WebSocket, ev: E) => unknown) | { handleEvent(ev: E): unknown };

/** `addEventListener`'s options, as in the DOM. */
export type WebSocketListenerOptions =
  boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };

function domError(message: string, name: string): Error {
  return new DOMException(message, name);
}

/**
 * A WebSocket with the browser's API, typed as the DOM types it: `onmessage` gets a
 * `MessageEvent`, `onclose` a `CloseEvent` (`code`, `reason`, `wasClean`), and
 * `addEventListener('message', …)` knows the event's type. Every message the server sends is
 * delivered, those that came with the handshake's answer included.
 *
 * @example
 * ```ts
 * const ws = new WebSocket('wss://example.org/chat', ['chat']);
 * ws.binaryType = 'arraybuffer';
 * ws.onmessage = (ev) => console.log(ev.data);
 * ws.onclose = (ev) => console.log(ev.code, ev.reason, ev.wasClean);
 * ws.onopen = () => ws.send('hello');
 * ```
 */
export class WebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly url: string;
  #readyState = 0;
  #binaryType: BinaryType = 'blob';
  #conn: WebSocketConnection | undefined;
  #protocol = '';
  #extensions = '';
  #abort = new AbortController();
  #closeRequested: { code?: number | undefined; reason?: string | undefined } | undefined;
  #blobChain: Promise<void> | undefined;
  #handlers = new Map<string, { fn: EventHandler<Event>; wrapper: (ev: Event) => void }>();

  constructor(url: string | URL, protocols?: string | string[], options: WsOpenOptions = {}) {
    super();
    let u: URL;
    try {
      u = new URL(String(url));
    } catch {
      throw domError(`Invalid URL: ${String(url)}`, 'SyntaxError');
    }
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
      throw domError(
        `The URL's scheme must be ws, wss, http or https, not ${u.protocol}`,
        'SyntaxError',
      );
    }
    if (u.hash) throw domError('The URL contains a fragment identifier', 'SyntaxError');
    this.url = u.href;
    const list =
      protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;
    if (new Set(list).size !== list.length) {
      throw domError('The subprotocols contain duplicates', 'SyntaxError');
    }
    open(u, undefined, { ...options, protocols: list, signal: this.#abort.signal }).then(
      (conn) => this.#opened(conn),
      () => this.#failed(),
    );
  }

  get readyState(): number {
    return this.#readyState;
  }
  get protocol(): string {
    return this.#protocol;
  }
  get extensions(): string {
    return this.#extensions;
  }
  get bufferedAmount(): number {
    return this.#conn?.bufferedAmount ?? 0;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer' || value === 'nodebuffer')
      this.#binaryType = value;
  }

  get onopen(): EventHandler<Event> {
    return this.#getHandler('open');
  }
  set onopen(fn: EventHandler<Event>) {
    this.#setHandler('open', fn);
  }
  get onmessage(): EventHandler<MessageEvent> {
    return this.#getHandler('message');
  }
  set onmessage(fn: EventHandler<MessageEvent>) {
    this.#setHandler('message', fn as EventHandler<Event>);
  }
  get onclose(): EventHandler<CloseEvent> {
    return this.#getHandler('close');
  }
  set onclose(fn: EventHandler<CloseEvent>) {
    this.#setHandler('close', fn as EventHandler<Event>);
  }
  get onerror(): EventHandler<Event> {
    return this.#getHandler('error');
  }
  set onerror(fn: EventHandler<Event>) {
    this.#setHandler('error', fn);
  }

  /** Adds a listener; for the WebSocket's own events it is typed by the event (`message` → `MessageEvent`). */
  override addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: ListenerLike<WebSocketEventMap[K]> | null,
    options?: WebSocketListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: ListenerLike<Event> | null,
    options?: WebSocketListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: ListenerLike<Event> | null,
    options?: WebSocketListenerOptions,
  ): void {
    super.addEventListener(
      type,
      listener as Parameters<EventTarget['addEventListener']>[1],
      options,
    );
  }

  /** Removes a listener added with {@link addEventListener}. */
  override removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: ListenerLike<WebSocketEventMap[K]> | null,
    options?: boolean | { capture?: boolean },
  ): void;
  override removeEventListener(
    type: string,
    listener: ListenerLike<Event> | null,
    options?: boolean | { capture?: boolean },
  ): void;
  override removeEventListener(
    type: string,
    listener: ListenerLike<Event> | null,
    options?: boolean | { capture?: boolean },
  ): void {
    super.removeEventListener(
      type,
      listener as Parameters<EventTarget['removeEventListener']>[1],
      options,
    );
  }

  /**
   * Sends a string (as text) or an ArrayBuffer, a view or a Blob (as binary).
   *
   * @throws DOMException `InvalidStateError` while connecting.
   */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.#readyState === 0) throw domError('Still in CONNECTING state', 'InvalidStateError');
    const conn = this.#conn;
    if (this.#readyState !== 1 || conn === undefined) return;
    if (data instanceof Blob) {
      const prev = this.#blobChain ?? Promise.resolve();
      const next = prev
        .then(() => data.arrayBuffer())
        .then((ab) => {
          if (conn.state === 'CONNECTED') conn.send('binary', Buffer.from(ab));
        });
      this.#blobChain = next.catch(() => {});
      return;
    }
    if (this.#blobChain !== undefined) {
      // Keep order behind a Blob still being read.
      const copy =
        typeof data === 'string' ? data : toBuffer(data as ArrayBufferLike | ArrayBufferView);
      this.#blobChain = this.#blobChain.then(() => {
        if (conn.state === 'CONNECTED')
          conn.send(typeof copy === 'string' ? 'text' : 'binary', copy);
      });
      return;
    }
    if (typeof data === 'string') conn.send('text', data);
    else conn.send('binary', toBuffer(data as ArrayBufferLike | ArrayBufferView));
  }

  /**
   * Starts the closing handshake.
   *
   * @throws DOMException `InvalidAccessError` for a code other than 1000 or 3000–4999,
   *   `SyntaxError` for a reason over 123 bytes of UTF-8.
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw domError(
        `The close code must be 1000 or in 3000–4999, not ${code}`,
        'InvalidAccessError',
      );
    }
    if (reason !== undefined && Buffer.byteLength(reason) > 123) {
      throw domError('The close reason must not be longer than 123 bytes', 'SyntaxError');
    }
    if (this.#readyState >= 2) return;
    if (this.#readyState === 0) {
      this.#readyState = 2;
      this.#closeRequested = { code, reason };
      this.#abort.abort();
      return;
    }
    this.#readyState = 2;
    this.#conn?.close(code ?? 1000, reason ?? '');
  }

  #opened(conn: WebSocketConnection): void {
    this.#conn = conn;
    if (this.#closeRequested !== undefined) {
      conn.terminate();
      return;
    }
    this.#protocol = conn.protocol;
    this.#extensions = conn.extensions;
    this.#readyState = 1;
    // Attached before the connection begins dispatching (the next turn of the event loop), so
    // frames that came with the handshake's answer are messages here too.
    conn.on('message', (data, isBinary) =>
      this.dispatchEvent(
        new MessageEvent('message', {
          data: isBinary ? this.#binary(data as Buffer) : data,
          origin: origin(this.url),
        }),
      ),
    );
    conn.on('closeframe', () => {
      if (this.#readyState === 1) this.#readyState = 2;
    });
    conn.on('disconnect', (info: WsCloseInfo) => {
      this.#readyState = 3;
      if (!info.wasClean && info.code === 1006) this.dispatchEvent(new Event('error'));
      this.dispatchEvent(new CloseEvent('close', info));
    });
    this.dispatchEvent(new Event('open'));
  }

  #failed(): void {
    this.#readyState = 3;
    this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new CloseEvent('close', { code: 1006, reason: '', wasClean: false }));
  }

  #binary(data: Buffer): unknown {
    if (this.#binaryType === 'nodebuffer') return data;
    const ab = new Uint8Array(data).buffer;
    return this.#binaryType === 'arraybuffer' ? ab : new Blob([ab]);
  }

  #getHandler<E extends Event>(type: string): EventHandler<E> {
    return (this.#handlers.get(type)?.fn ?? null) as EventHandler<E>;
  }

  #setHandler(type: string, fn: EventHandler<Event>): void {
    const old = this.#handlers.get(type);
    if (old !== undefined) this.removeEventListener(type, old.wrapper);
    this.#handlers.delete(type);
    if (typeof fn !== 'function') return;
    const wrapper = (ev: Event): void => void fn.call(this, ev);
    this.#handlers.set(type, { fn, wrapper });
    this.addEventListener(type, wrapper);
  }
}

function toBuffer(data: ArrayBufferLike | ArrayBufferView): Buffer {
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function origin(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}
