/**
 * A client that reopens its WebSocket when the connection drops, with exponential backoff and
 * jitter. Messages sent while disconnected are queued (bounded) or refused, as configured. Each
 * reconnection is a new connection (a new channel and socket handle); the handler hears
 * `connect` and `disconnect` for each one.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../errors.js';
import { open, type WsOpenOptions } from './client.js';
import { sendTyped, type WebSocketConnection } from './connection.js';
import { log } from './registry.js';
import type { WsAnyHandler, WsHandler, WsHandlers, WsShortHandler } from './types.js';

/** Reconnection policy. */
export interface ReconnectOptions {
  /** First delay before reopening. Default 500 ms. */
  minDelayMs?: number;
  /** Largest delay. Default 30 s. */
  maxDelayMs?: number;
  /** Growth of the delay per failed attempt. Default 2. */
  factor?: number;
  /** Random spread of each delay, 0–1. Default 0.2. */
  jitter?: number;
  /** Attempts in a row before giving up (then `closed()` resolves). Default unlimited. */
  maxRetries?: number;
  /** While disconnected, `send` queues (default) or refuses (-1). */
  whileDisconnected?: 'queue' | 'refuse';
  /** Most messages queued while disconnected; `send` returns -1 beyond. Default 1000. */
  maxQueuedMessages?: number;
}

/**
 * Opens a WebSocket that reconnects by itself. Resolves once the first connection is open
 * (rejects if it cannot be made within `maxRetries`).
 *
 * @example
 * ```ts
 * const rc = await openReconnecting('wss://example.org/feed', handler, { reconnect: { maxDelayMs: 10_000 } });
 * rc.send('text', 'subscribe'); // queued while disconnected, sent after reconnecting
 * ```
 */
export function openReconnecting(
  url: string | URL,
  handler?: WsHandler | WsHandlers,
  options?: WsOpenOptions & { reconnect?: ReconnectOptions },
): Promise<ReconnectingWebSocket>;
export function openReconnecting(
  url: string | URL,
  handler: WsShortHandler,
  options?: WsOpenOptions & { reconnect?: ReconnectOptions },
): Promise<ReconnectingWebSocket>;
export async function openReconnecting(
  url: string | URL,
  handler?: WsAnyHandler,
  options: WsOpenOptions & { reconnect?: ReconnectOptions } = {},
): Promise<ReconnectingWebSocket> {
  const rc = new ReconnectingWebSocket(url, handler, options);
  await rc.ready();
  return rc;
}

export class ReconnectingWebSocket {
  readonly #url: string | URL;
  readonly #handler: WsAnyHandler | undefined;
  readonly #options: WsOpenOptions;
  readonly #policy: Required<ReconnectOptions>;
  #conn: WebSocketConnection | undefined;
  #queue: { type: string | number; msg: Buffer | string }[] = [];
  #attempt = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #readyWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #closedWaiters: (() => void)[] = [];
  #reconnects = 0;
  #everConnected = false;

  /** @internal use {@link openReconnecting}. */
  constructor(
    url: string | URL,
    handler: WsAnyHandler | undefined,
    options: WsOpenOptions & { reconnect?: ReconnectOptions },
  ) {
    this.#url = url;
    this.#handler = handler;
    const { reconnect, ...rest } = options;
    this.#options = rest;
    this.#policy = {
      minDelayMs: reconnect?.minDelayMs ?? 500,
      maxDelayMs: reconnect?.maxDelayMs ?? 30_000,
      factor: reconnect?.factor ?? 2,
      jitter: reconnect?.jitter ?? 0.2,
      maxRetries: reconnect?.maxRetries ?? Infinity,
      whileDisconnected: reconnect?.whileDisconnected ?? 'queue',
      maxQueuedMessages: reconnect?.maxQueuedMessages ?? 1000,
    };
    this.#connect();
  }

  /** The current connection, when connected. */
  get connection(): WebSocketConnection | undefined {
    return this.#conn?.state === 'CONNECTED' ? this.#conn : undefined;
  }

  /** How many times the connection was reopened after a drop. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Messages waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves when connected (at once if connected now). */
  ready(): Promise<void> {
    if (this.connection !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /**
   * Sends on the current connection; while disconnected, queues the message (returns 0) or
   * refuses it (-1), and refuses beyond `maxQueuedMessages` (-1). Fragments are not queued.
   */
  send(type: string | number, msg?: string | Uint8Array, final = true): number {
    if (this.#stopped) return -1;
    const conn = this.connection;
    if (conn !== undefined) return sendTyped(conn, type, msg, final);
    if (!final) {
      throw new UsageError('fragments cannot be queued while disconnected', {
        code: 'ERR_WS_NOT_CONNECTED',
      });
    }
    if (
      this.#policy.whileDisconnected === 'refuse' ||
      this.#queue.length >= this.#policy.maxQueuedMessages
    ) {
      return -1;
    }
    this.#queue.push({
      type,
      msg: msg === undefined ? '' : typeof msg === 'string' ? msg : Buffer.from(msg),
    });
    return 0;
  }

  /** Stops reconnecting and closes the current connection. */
  close(code = 1000, reason?: string): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#queue = [];
    const conn = this.#conn;
    if (conn !== undefined && conn.state !== 'CLOSED') conn.close(code, reason);
    else this.#finish();
  }

  /** Resolves once closed for good (by `close`, or after `maxRetries` failed attempts). */
  closed(): Promise<void> {
    if (this.#stopped && (this.#conn === undefined || this.#conn.state === 'CLOSED'))
      return Promise.resolve();
    return new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  #connect(): void {
    open(this.#url, this.#handler as WsHandler | undefined, this.#options).then(
      (conn) => {
        if (this.#stopped) {
          conn.close(1000);
          return;
        }
        this.#conn = conn;
        if (this.#everConnected) this.#reconnects++;
        this.#everConnected = true;
        this.#attempt = 0;
        conn.once('disconnect', () => this.#dropped());
        // Deliver what was queued, in order, once connect has been delivered.
        queueMicrotask(() => {
          const q = this.#queue;
          this.#queue = [];
          for (const m of q) sendTyped(conn, m.type, m.msg);
          const waiters = this.#readyWaiters;
          this.#readyWaiters = [];
          for (const w of waiters) w.resolve();
        });
      },
      (err: unknown) => {
        log('info', `reconnect: opening ${String(this.#url)} failed: ${String(err)}`);
        this.#schedule(err);
      },
    );
  }

  #dropped(): void {
    if (this.#stopped) {
      this.#finish();
      return;
    }
    this.#schedule(undefined);
  }

  #schedule(err: unknown): void {
    if (this.#stopped) {
      this.#finish();
      return;
    }
    if (this.#attempt >= this.#policy.maxRetries) {
      this.#stopped = true;
      const waiters = this.#readyWaiters;
      this.#readyWaiters = [];
      for (const w of waiters) w.reject(err ?? new Error('gave up reconnecting'));
      this.#finish();
      return;
    }
    const p = this.#policy;
    const base = Math.min(p.maxDelayMs, p.minDelayMs * p.factor ** this.#attempt);
    const delay = base * (1 - p.jitter + Math.random() * 2 * p.jitter);
    this.#attempt++;
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #finish(): void {
    const waiters = this.#closedWaiters;
    this.#closedWaiters = [];
    for (const w of waiters) w();
  }
}
