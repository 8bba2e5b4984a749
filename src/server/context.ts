/**
 * What a request handler gets: the request (method, URL, query, headers, peer, streamed body)
 * and the response methods (status, headers, write, end, stream), plus `detach()`, which turns
 * the connection into a channel. After a detach every response method throws.
 */
import type { HeaderList } from '../proto/http1/headers.js';
import type { RequestHead } from '../proto/http1/request-head.js';
import { originOf } from '../proto/http1/authority.js';
import { ConnchanError, UsageError } from '../errors.js';
import { processState } from '../process-state.js';
import { checkHeader } from './response-head.js';
import type { DetachOptions, ServerConnection } from './connection.js';
import type { TlsDetails } from './tls-details.js';

/**
 * Requests seen by this process, whichever copy of connchan served them (see
 * process-state.ts); a request's id is its number (made a string when asked).
 */
const requests = processState('server/requests@1', () => ({ count: 0 }));
const PROCESS_TAG = process.pid.toString(36);

const NO_FIELDS: readonly string[] = Object.freeze([]);
const TEXT_FIELDS: readonly string[] = Object.freeze(['Content-Type', 'text/plain; charset=utf-8']);

const HEADERS_SENT = 1;
const FINISHED = 2;
const DETACHED = 4;

/** A response method was called after the connection was detached or the response ended. */
export class ResponseStateError extends ConnchanError {}

export interface BodyOptions {
  /** Refuse (413) a body larger than this. Default: the server's maxBodyBytes. */
  maxBytes?: number;
}

export class HttpContext {
  /** When the request head was complete (ms since epoch). */
  readonly startTime: number;
  readonly #seq: number;
  /** Free slot for the application; a detached channel keeps it as its client data. */
  clientData: unknown;

  /** @internal */
  readonly head: RequestHead;
  readonly #conn: ServerConnection;
  #path: string | undefined;
  #url: URL | undefined;
  /** @internal response state, read by the connection */
  statusCode = 200;
  /**
   * @internal `[name, value, …]`; starts as a shared empty list, and `send()` without headers
   * uses a shared one too: a response allocates no list unless its handler sets headers.
   */
  fields: readonly string[] = NO_FIELDS;
  /** HEADERS_SENT | FINISHED | DETACHED: one field, a context is made per request. */
  #flags = 0;
  /** @internal -1 until known; the body length the head promised. */
  contentLength = -1;

  #peer: string | undefined;

  constructor(conn: ServerConnection, head: RequestHead, startTime: number) {
    this.#conn = conn;
    this.head = head;
    this.startTime = startTime;
    this.#seq = ++requests.count;
  }

  // The request's own fields are read from its head, not copied into every context.
  get method(): string {
    return this.head.method;
  }

  /** The request target as sent (`/path?query`). */
  get target(): string {
    return this.head.target;
  }

  get version(): '1.0' | '1.1' {
    return this.head.version;
  }

  get headers(): HeaderList {
    return this.head.headers;
  }

  /** Name of the driver (listener) the request came in on. */
  get driver(): string {
    return this.#conn.driver;
  }

  /** @internal */
  get headersSent(): boolean {
    return (this.#flags & HEADERS_SENT) !== 0;
  }

  set headersSent(on: boolean) {
    this.#flags = on ? this.#flags | HEADERS_SENT : this.#flags & ~HEADERS_SENT;
  }

  /** @internal */
  get finished(): boolean {
    return (this.#flags & FINISHED) !== 0;
  }

  set finished(on: boolean) {
    this.#flags = on ? this.#flags | FINISHED : this.#flags & ~FINISHED;
  }

  /** @internal */
  get detached(): boolean {
    return (this.#flags & DETACHED) !== 0;
  }

  set detached(on: boolean) {
    this.#flags = on ? this.#flags | DETACHED : this.#flags & ~DETACHED;
  }

  /**
   * The request's id, unique in the process and across this machine's processes
   * (`<pid>-<n>` in base 36), for logs and tracing.
   */
  get id(): string {
    return `${PROCESS_TAG}-${this.#seq.toString(36)}`;
  }

  /** Client address: the socket peer, or the forwarded client in reverse-proxy mode. */
  get peer(): string {
    this.#peer ??= this.#conn.clientAddress(this.head.headers);
    return this.#peer;
  }

  /** @internal true once {@link peer} was asked for (a detached channel then keeps it). */
  get peerKnown(): boolean {
    return this.#peer !== undefined;
  }

  /** The client's address as the socket sees it (`peer` is the forwarded one behind a proxy). */
  get remoteAddress(): string {
    return this.#conn.remoteAddress;
  }

  /** The client's port. */
  get remotePort(): number {
    return this.#conn.socket.remotePort ?? 0;
  }

  /** The address the request came in on (this server's side of the connection). */
  get localAddress(): string {
    return this.#conn.socket.localAddress ?? '';
  }

  /** The port the request came in on. */
  get localPort(): number {
    return this.#conn.socket.localPort ?? 0;
  }

  /** True on a TLS driver. */
  get secure(): boolean {
    return this.#conn.scheme === 'https';
  }

  /**
   * The TLS session (protocol, cipher, SNI server name, ALPN protocol, the client certificate
   * when the driver asked for one), or undefined on a plain driver.
   */
  get tls(): TlsDetails | undefined {
    return this.#conn.tls;
  }

  /**
   * The request's host: that of an absolute-form target (`GET http://host/path`, RFC 9112
   * §3.2.2), else the Host field ('' when an HTTP/1.0 request sent none).
   */
  get host(): string {
    return this.head.authority ?? this.headers.get('host') ?? '';
  }

  /** The path without the query (of an absolute-form target too: routes match on it). */
  get path(): string {
    if (this.#path === undefined) {
      const origin = originOf(this.target);
      const q = origin.indexOf('?');
      this.#path = q < 0 ? origin : origin.slice(0, q);
    }
    return this.#path;
  }

  /** The full URL: the scheme of the driver, the request's {@link host}, the target's path and query. */
  get url(): URL {
    this.#url ??= new URL(
      originOf(this.target),
      `${this.#conn.scheme}://${this.host || 'localhost'}`,
    );
    return this.#url;
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }

  /** True once the response is complete (or the connection detached). */
  get done(): boolean {
    return (this.#flags & (FINISHED | DETACHED)) !== 0;
  }

  // --- request body ------------------------------------------------------------------------

  /**
   * The request body as it arrives, chunk by chunk (`100 Continue` is sent when the client
   * asked for it). Bounded by the server's `maxBodyBytes` (413 beyond).
   *
   * @example
   * ```ts
   * for await (const chunk of ctx.body()) sink.write(chunk);
   * ```
   */
  async *body(options: BodyOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    this.#assertNotDetached('read the body');
    for (;;) {
      const chunk = await this.#conn.pullBody(this, options.maxBytes);
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** The whole body in one buffer. */
  async buffer(options: BodyOptions = {}): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.body(options)) parts.push(chunk);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** The whole body as UTF-8 text. */
  async text(options: BodyOptions = {}): Promise<string> {
    return (await this.buffer(options)).toString('utf8');
  }

  async json<T = unknown>(options: BodyOptions = {}): Promise<T> {
    return JSON.parse(await this.text(options)) as T;
  }

  // --- response ----------------------------------------------------------------------------

  /** Sets the status (before anything is written). */
  status(code: number): this {
    this.#assertCanSetHead();
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new UsageError(`invalid status ${code}`, { code: 'ERR_HTTP_INVALID_STATUS' });
    }
    this.statusCode = code;
    return this;
  }

  /** Adds a response header (several calls with one name give several lines). */
  header(name: string, value: string | number): this {
    this.#assertCanSetHead();
    const v = String(value);
    checkHeader(name, v);
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      this.contentLength = Number(v);
      return this;
    }
    this.#addField(name, v);
    return this;
  }

  /**
   * Writes part of the body. The first write sends the head: with Content-Length when a
   * header set it, else chunked (HTTP/1.1) or close-delimited (HTTP/1.0). Returns false when
   * the send buffer is above its high-water mark: wait for {@link drained} before more.
   */
  write(chunk: string | Uint8Array): boolean {
    this.#assertWritable();
    return this.#conn.writeBody(this, chunk);
  }

  /** Resolves when the send buffer has drained below its high-water mark. */
  drained(): Promise<void> {
    return this.#conn.drained();
  }

  /**
   * Ends the response, with an optional last piece of body. Without earlier writes the body's
   * length becomes the Content-Length and head and body leave in one write.
   */
  end(body?: string | Uint8Array): void {
    this.#assertWritable();
    this.#conn.endResponse(this, body);
  }

  /** Sends a whole response: status, content type and body. */
  send(body: string | Uint8Array, status = 200, contentType?: string): void {
    this.status(status);
    if (contentType !== undefined) this.header('Content-Type', contentType);
    else if (typeof body === 'string') {
      if (this.fields.length === 0) this.fields = TEXT_FIELDS;
      else this.#addField('Content-Type', 'text/plain; charset=utf-8');
    }
    this.end(body);
  }

  #addField(name: string, value: string): void {
    const f = this.fields;
    // The shared lists are never written to: the first own field makes a list of its own.
    if (f === NO_FIELDS || f === TEXT_FIELDS) this.fields = [...f, name, value];
    else (f as string[]).push(name, value);
  }

  /** Sends a JSON response. */
  sendJson(value: unknown, status = 200): void {
    this.send(JSON.stringify(value), status, 'application/json; charset=utf-8');
  }

  /** Streams a body from any (async) iterable, honouring backpressure, then ends. */
  async stream(
    source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  ): Promise<void> {
    for await (const chunk of source) {
      if (!this.write(chunk)) await this.drained();
    }
    this.end();
  }

  /**
   * Detaches the connection from this request: it becomes a channel in the server's table, and
   * its name is returned. Bytes the server had read past this request (a body the handler did
   * not read, pipelined requests) go to the channel's read buffer and count in its `received`.
   * If the client had already finished sending (half-closed, or closed while an async handler
   * ran), the channel reads that end at once. Afterwards every response method throws.
   *
   * @example
   * ```ts
   * server.route('GET', '/stream', (ctx) => {
   *   const name = ctx.detach();
   *   write(name, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
   *   callback(name, (why) => (why === 'w' ? (write(name, 'tick\n'), 1) : 0), 'w');
   * });
   * ```
   */
  detach(options: DetachOptions = {}): string {
    this.#assertNotDetached('detach');
    return this.#conn.detach(this, options);
  }

  #assertNotDetached(what: string): void {
    if (this.detached) {
      throw new ResponseStateError(`cannot ${what}: the connection is detached`, {
        code: 'ERR_HTTP_DETACHED',
      });
    }
  }

  #assertWritable(): void {
    this.#assertNotDetached('write the response');
    if (this.finished) {
      throw new ResponseStateError('cannot write: the response has ended', {
        code: 'ERR_HTTP_RESPONSE_ENDED',
      });
    }
  }

  #assertCanSetHead(): void {
    this.#assertWritable();
    if (this.headersSent) {
      throw new ResponseStateError('cannot change status or headers: the head was sent', {
        code: 'ERR_HTTP_HEADERS_SENT',
      });
    }
  }
}
