/**
 * One accepted connection of the HTTP/1.1 server: feeds the socket to the request parser,
 * runs one request at a time (pipelined requests wait, parsed only when their turn comes, so
 * that answers go out in order and a detach hands over every later byte untouched), writes
 * responses, enforces the header-read and keep-alive timeouts, and detaches into a channel.
 *
 * ```
 *   HEAD ──request──▶ HANDLING ──response ended──▶ DRAINING ──'end'──▶ HEAD (keep-alive)
 *    │ idle/header timeout: close           │ detach()                   └──▶ CLOSED
 *    └ protocol error: 4xx + close          └──▶ DETACHED (a channel owns the socket)
 * ```
 *
 * Bounds: the first head must be complete within the header timeout from accept (for TLS the
 * handshake counts: the server tracks it); no next request is read while more than
 * `maxUnsentBytes` of answers wait to be sent (a client that pipelines without reading stops
 * being read, and is read again once they drained); a handler may not write more while above
 * that bound; and unsent bytes that do not move for `sendTimeoutMs` close the connection.
 */
import type { TLSSocket } from 'node:tls';
import type { ConnSocket } from '../io/conn-socket.js';
import { RequestParser } from '../proto/http1/request-parser.js';
import type { RequestHead } from '../proto/http1/request-head.js';
import type { HeaderList } from '../proto/http1/headers.js';
import { NEED_DATA, PAUSED } from '../proto/need-data.js';
import { EOF_EVENT } from '../proto/http1/message-reader.js';
import { ProtocolError } from '../errors.js';
import { HttpContext, ResponseStateError } from './context.js';
import { buildHead, wholeResponse } from './response-head.js';
import { drained } from '../io/drain.js';
import { responseChannel } from '../diagnostics.js';
import { closingAnswer } from './output.js';
import { openDetachedChannel, publishDetach, type DetachOptions } from './detach.js';
import { ResponseObserver } from './response-observer.js';
import {
  bodiless,
  bodyLength,
  writeBodyPiece,
  writeHeadAndBody,
  writeLastChunk,
} from './response-writes.js';
import { ConnectionClock, T_FIRST, T_HEADER, T_IDLE } from './connection-clock.js';
import { tlsDetails, type TlsDetails } from './tls-details.js';
import type { ServerCore } from './server-options.js';
import { plugSocket, unplugSocket, type SocketOwner } from '../channels/channel-socket.js';
import { ownBytes } from '../io/lent-reads.js';
import type { Slotted } from '../io/slot-registry.js';

const S_HEAD: number = 0;
const S_HANDLING: number = 1;
const S_DRAINING: number = 2;
const S_DETACHED: number = 3;
const S_CLOSED: number = 4;

const EMPTY = Buffer.alloc(0);

const CONTINUE_100 = 'HTTP/1.1 100 Continue\r\n\r\n';

export type { DetachOptions };

export class ServerConnection implements SocketOwner, Slotted {
  /** Its slot in the server's set of connections (io/slot-registry.ts). */
  registrySlot = -1;
  readonly socket: ConnSocket;
  readonly scheme: 'http' | 'https';
  readonly #core: ServerCore;
  /** Name of the driver (listener) the connection came in on. */
  readonly driver: string;
  readonly #parser: RequestParser;
  #state = S_HEAD;
  #ctx: HttpContext | undefined;
  #keepAlive = true;
  #bodyDone = false;
  #bodyBytes = 0;
  /** Made when someone first observes responses (diagnostics). */
  #observer: ResponseObserver | undefined;
  #continueSent = false;
  #pumping = false;
  /** The pump corked the socket: it uncorks when it ends. */
  #pumpCorked = false;
  #paused = false;
  #bodyWaiter: (() => void) | undefined;
  /**
   * When the current timeout (idle or header) expires, 0 for none. No timer per connection:
   * the server sweeps its connections a few times a second (see HttpServer), so a request
   * costs one Date.now() instead of a timer re-arm.
   */
  readonly #clock = new ConnectionClock();
  /**
   * Date.now() of the read being handled, 0 outside one: the request it completes, its response
   * Date and the next deadline read the clock once per read, not four times per request.
   */
  #readNow = 0;
  /** Answers waiting to be sent are above the bound: no request is read until they drain. */
  #outputBlocked = false;
  /** The socket closed while a handler was still running (it may still detach). */
  #socketGone = false;
  /** A large body is being fed piece by piece: nothing else may be written meanwhile. */
  #feeding = false;
  /** The connection is to be ended once the feeding is done. */
  #endAfterFeed = false;
  /** Asked of the kernel when first needed (most WebSocket servers never ask). */
  #remoteAddress: string | undefined;
  #tls: TlsDetails | undefined;

  constructor(
    core: ServerCore,
    socket: ConnSocket,
    driver: string,
    scheme: 'http' | 'https',
    acceptedAt: number,
  ) {
    this.#core = core;
    this.socket = socket;
    this.driver = driver;
    this.scheme = scheme;
    this.#parser = new RequestParser(core.parserOptions);
    socket.setNoDelay(true);
    // Forwarded addresses are checked against trusted proxies on every request: read the peer
    // now, next to the accept (measured under WebSocket lives: half of what the same read costs
    // at the detach). Otherwise it is read when someone asks (a request log, the application).
    if (core.forwardsPeers) void this.remoteAddress;
    plugSocket(socket, this);
    // The clock started at accept (for TLS, before the handshake).
    this.#clock.start(T_FIRST, acceptedAt, core.headerTimeoutMs);
  }

  /** The client address a request reports: the socket's, or the forwarded one behind a proxy. */
  clientAddress(headers: HeaderList): string {
    return this.#core.clientAddress(this.remoteAddress, headers);
  }

  /** The client's address as the socket sees it (not the forwarded one). */
  get remoteAddress(): string {
    // Read once, while the socket is open (a closed socket no longer knows its peer).
    this.#remoteAddress ??= this.socket.remoteAddress ?? '';
    return this.#remoteAddress;
  }

  /** The TLS session's details, for a TLS driver (read once per connection). */
  get tls(): TlsDetails | undefined {
    if (this.scheme !== 'https') return undefined;
    this.#tls ??= tlsDetails(this.socket as unknown as TLSSocket);
    return this.#tls;
  }

  /** Idle between requests (safe to close during a graceful shutdown). */
  get idle(): boolean {
    return this.#state === S_HEAD && this.#parser.bufferedBytes === 0;
  }

  /** Graceful shutdown: close now if idle, else after the response in progress. */
  shutdown(): void {
    this.#keepAlive = false;
    if (this.idle) this.#close();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // --- input ------------------------------------------------------------------------------

  /** @internal the socket's 'data'. */
  onSocketData(chunk: Buffer): void {
    if (this.#state === S_CLOSED) return; // closing: late bytes are dropped
    this.#readNow = Date.now();
    try {
      this.#onBytes(chunk);
    } finally {
      this.#readNow = 0;
    }
  }

  #onBytes(chunk: Buffer): void {
    this.#parser.feed(chunk);
    if (this.#state === S_HEAD) {
      if (this.#clock.kind === T_IDLE) this.#setTimer(T_HEADER);
      if (!this.#outputBlocked) this.#pump();
    } else if (this.#state === S_HANDLING) {
      const waiter = this.#bodyWaiter;
      if (waiter) {
        this.#bodyWaiter = undefined;
        waiter();
      } else if (this.#parser.bufferedBytes > this.#core.maxBufferedBytes) {
        this.#paused = true;
        this.socket.pause();
      }
    } else if (this.#state === S_DRAINING) {
      this.#pump();
    }
  }

  /**
   * @internal A read in the lent buffer (io/lent-reads.ts), valid until this returns. Between
   * requests it is parsed in place and what the parser still holds afterwards is copied; while
   * a handler runs (it may be reading the body and keep what it gets) it is copied first.
   */
  onSocketLent(bytes: Buffer): void {
    const state = this.#state;
    if (state !== S_HEAD && state !== S_DRAINING) {
      this.onSocketData(Buffer.from(bytes));
      return;
    }
    this.onSocketData(bytes);
    if (this.#state !== S_DETACHED) this.#parser.ownInput();
  }

  /** @internal the socket's 'end'. */
  onSocketEnd(): void {
    if (this.#state === S_CLOSED) return;
    this.#parser.feedEof();
    if (this.#state === S_HANDLING) {
      const waiter = this.#bodyWaiter;
      this.#bodyWaiter = undefined;
      waiter?.();
    } else if (this.#state === S_HEAD || this.#state === S_DRAINING) {
      this.#pump();
    }
  }

  /** Parses and runs requests until more bytes are needed or a handler is still busy. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    this.#pumpCorked = false;
    const socket = this.socket;
    let started = 0;
    try {
      for (;;) {
        if (this.#state === S_HEAD) {
          // A client that pipelines without reading is not read until its answers drain.
          if (this.#feeding || socket.writableLength > this.#core.maxUnsentBytes) {
            this.#blockInput();
            break;
          }
          // A request without a body leaves the parser paused: no 'end' step to take later.
          const head = this.#parser.nextHead();
          if (head === NEED_DATA) break;
          if (head === EOF_EVENT) {
            this.#close();
            break;
          }
          // Pipelined answers leave together when the pump ends; a lone request's single write
          // (head and body) goes straight out, without the cork's buffering.
          if (++started === 2) this.#corkPump();
          this.#startRequest(head as RequestHead);
          // A synchronous handler may have finished already: go on with the next request.
          if (this.#state === S_HANDLING) break;
        } else if (this.#state === S_DRAINING) {
          if (!this.#drain()) break;
        } else {
          break;
        }
      }
    } catch (err) {
      this.#protocolFailure(err);
    } finally {
      this.#pumping = false;
      if (this.#pumpCorked) {
        this.#pumpCorked = false;
        socket.uncork();
      }
    }
  }

  /**
   * Corks the socket until the pump ends (once per pump): what the handlers it runs write leaves
   * together (pipelined answers, a synchronous handler's several writes).
   */
  #corkPump(): void {
    if (this.#pumpCorked) return;
    this.#pumpCorked = true;
    this.socket.cork();
  }

  /**
   * Stops reading the socket until the answers queued on it have left: the empty write's
   * callback runs once everything written before it is out (a 'drain' would not come if the
   * bound is below the socket's high-water mark).
   */
  #blockInput(): void {
    if (this.#outputBlocked) return;
    this.#outputBlocked = true;
    if (!this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
    // A body being fed unblocks when it is done; else the queue's last write says when.
    if (!this.#feeding) this.socket.write(EMPTY, () => this.#unblockInput());
  }

  /** The large body being fed has all been written. */
  #fed(): void {
    this.#feeding = false;
    if (this.#endAfterFeed) this.#endSocket();
    else if (this.#outputBlocked) this.#unblockInput();
  }

  #unblockInput(): void {
    this.#outputBlocked = false;
    if (this.#state !== S_HEAD) return;
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
    this.#pump();
  }

  #startRequest(head: RequestHead): void {
    this.#clearTimer();
    this.#keepAlive = head.keepAlive && !this.#core.closing;
    this.#bodyDone = false;
    this.#bodyBytes = 0;
    this.#continueSent = false;
    const ctx = new HttpContext(this, head, this.#now());
    this.#ctx = ctx;
    if (ResponseObserver.wanted) (this.#observer ??= new ResponseObserver()).start(this.socket);
    this.#state = S_HANDLING;
    if (head.contentLength !== undefined && head.contentLength > this.#core.maxBodyBytes) {
      this.#refuse(
        ctx,
        413,
        `request body of ${head.contentLength} bytes exceeds the limit of ${this.#core.maxBodyBytes}\n`,
      );
      return;
    }
    if (head.expectation !== undefined) {
      // RFC 9110 §10.1.1: an expectation the server cannot meet. Its body may follow: close.
      this.#refuse(
        ctx,
        417,
        `cannot meet the expectation ${JSON.stringify(head.expectation.slice(0, 80))}\n`,
      );
      return;
    }
    this.#core.dispatch(ctx, this);
  }

  /** Answers `status` on the server's own, and closes after it. */
  #refuse(ctx: HttpContext, status: number, text: string): void {
    this.#keepAlive = false;
    ctx.status(status).header('Content-Type', 'text/plain; charset=utf-8').end(text);
  }

  /** Discards what is left of a request body after its response; true when done with it. */
  #drain(): boolean {
    if (this.#parser.paused) {
      // The body was read, or there was none.
      this.#nextRequest();
      return this.#state === S_HEAD;
    }
    for (;;) {
      const ev = this.#parser.next();
      if (ev === NEED_DATA) {
        if (this.#bodyBytes > this.#core.maxBodyBytes) this.#close();
        return false;
      }
      if (ev === PAUSED) {
        this.#nextRequest();
        return this.#state === S_HEAD;
      }
      if (ev.type === 'data') this.#bodyBytes += ev.data.length;
      else if (ev.type === 'eof') {
        this.#close();
        return false;
      }
    }
  }

  #nextRequest(): void {
    this.#ctx = undefined;
    if (!this.#keepAlive) {
      this.#close();
      return;
    }
    this.#parser.nextMessage();
    this.#state = S_HEAD;
    this.#setTimer(this.#parser.bufferedBytes > 0 ? T_HEADER : T_IDLE);
    if (this.#paused && !this.#outputBlocked) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  /** Next piece of the request body for `ctx`, or null at its end. */
  async pullBody(ctx: HttpContext, maxBytes = this.#core.maxBodyBytes): Promise<Buffer | null> {
    if (ctx !== this.#ctx || this.#bodyDone) return null;
    if (ctx.head.expectContinue && !this.#continueSent && !ctx.headersSent) {
      this.#continueSent = true;
      this.socket.write(CONTINUE_100);
    }
    for (;;) {
      if (this.#state !== S_HANDLING || ctx !== this.#ctx) return null;
      const ev = this.#parser.next();
      if (ev === NEED_DATA) {
        if (this.#paused) {
          this.#paused = false;
          this.socket.resume();
        }
        await new Promise<void>((resolve) => (this.#bodyWaiter = resolve));
        continue;
      }
      if (ev === PAUSED) {
        this.#bodyDone = true;
        return null;
      }
      if (ev.type === 'data') {
        this.#bodyBytes += ev.data.length;
        if (this.#bodyBytes > maxBytes) {
          this.#keepAlive = false;
          throw new ProtocolError(`request body exceeds the limit of ${maxBytes} bytes`, {
            code: 'ERR_HTTP_BODY_TOO_LARGE',
            status: 413,
          });
        }
        // Body bytes of a lent read are the handler's to keep: a copy of its own.
        return ownBytes(ev.data);
      }
      if (ev.type === 'end') {
        this.#bodyDone = true;
        return null;
      }
      return null;
    }
  }

  // --- output -----------------------------------------------------------------------------

  #sendHead(ctx: HttpContext, contentLength: number): string {
    ctx.headersSent = true;
    if (contentLength < 0 && ctx.version === '1.0') this.#keepAlive = false;
    return buildHead(
      ctx.version,
      ctx.statusCode,
      ctx.fields,
      contentLength,
      this.#keepAlive,
      this.#now(),
    );
  }

  /** The clock: that of the read being handled, else read now. */
  #now(): number {
    return this.#readNow === 0 ? Date.now() : this.#readNow;
  }

  writeBody(ctx: HttpContext, chunk: string | Uint8Array): boolean {
    const socket = this.socket;
    if (socket.destroyed) {
      // The client went away: a writing loop must stop (drained() would no longer wait).
      throw new ResponseStateError('cannot write: the connection is closed', {
        code: 'ERR_HTTP_CONNECTION_CLOSED',
      });
    }
    this.#checkUnsent(ctx);
    // Written from a handler the pump runs: held until the pump ends, with whatever else that
    // handler writes. Else a head and a chunk's three parts leave in one write.
    if (this.#pumping) {
      this.#corkPump();
      return this.#writeBodyCorked(ctx, chunk);
    }
    socket.cork();
    const more = this.#writeBodyCorked(ctx, chunk);
    socket.uncork();
    return more;
  }

  #writeBodyCorked(ctx: HttpContext, chunk: string | Uint8Array): boolean {
    const head = ctx.headersSent ? '' : this.#sendHead(ctx, ctx.contentLength);
    return writeBodyPiece(this.socket, ctx, head, chunk);
  }

  /**
   * A handler that writes on while more than `maxUnsentBytes` wait to be sent (it ignored
   * `write()`'s false) is stopped: its write throws, and the connection is cut.
   */
  #checkUnsent(ctx: HttpContext): void {
    const unsent = this.socket.writableLength;
    if (unsent <= this.#core.maxUnsentBytes) return;
    this.#keepAlive = false;
    ctx.finished = true;
    this.socket.destroy();
    throw new ResponseStateError(
      `cannot write: ${unsent} bytes of the response wait to be sent, over the limit of ${this.#core.maxUnsentBytes} (wait for drained())`,
      { code: 'ERR_HTTP_SEND_BUFFER_FULL' },
    );
  }

  endResponse(ctx: HttpContext, body: string | Uint8Array | undefined): void {
    const socket = this.socket;
    let fedBytes = -1;
    const noBody = ctx.method === 'HEAD' || bodiless(ctx.statusCode);
    if (!ctx.headersSent) {
      // A short response of a shared field list leaves as one ready-made Buffer.
      if (noBody || typeof body !== 'string' || !this.#writeWhole(ctx, body)) {
        fedBytes = this.#writeHeadAndBody(ctx, body, noBody);
      }
    } else {
      this.#checkUnsent(ctx);
      socket.cork();
      if (body !== undefined) this.writeBody(ctx, body);
      writeLastChunk(socket, ctx, noBody);
      socket.uncork();
    }
    ctx.finished = true;
    if (responseChannel.hasSubscribers) this.#publishResponse(ctx, ctx.statusCode, fedBytes);
    this.#responseDone(ctx);
  }

  /**
   * The head and a whole body, in one write when small; returns where the response's bytes end
   * when a large body is still being fed (for diagnostics), else -1.
   */
  #writeHeadAndBody(
    ctx: HttpContext,
    body: string | Uint8Array | undefined,
    noBody: boolean,
  ): number {
    const len = bodyLength(body);
    const head = this.#sendHead(ctx, ctx.contentLength >= 0 ? ctx.contentLength : len);
    // Fed piece by piece after this returns: the response's bytes are the head and `len`.
    const fedFrom = this.socket.bytesWritten;
    this.#feeding = writeHeadAndBody(this.socket, head, body, len, noBody, () => this.#fed());
    // (the head is latin1: one byte a character).
    return this.#feeding && responseChannel.hasSubscribers ? fedFrom + head.length + len : -1;
  }

  /** Writes head and `body` as one remembered Buffer (response-head.ts) when it can. */
  #writeWhole(ctx: HttpContext, body: string): boolean {
    const bytes = wholeResponse(
      ctx.version,
      ctx.statusCode,
      ctx.fields,
      ctx.contentLength,
      this.#keepAlive,
      body,
      this.#now(),
    );
    if (bytes === undefined) return false;
    ctx.headersSent = true;
    this.socket.write(bytes);
    return true;
  }

  /** `writtenTo`: where the response's bytes end when not all are written yet (-1: they are). */
  #publishResponse(ctx: HttpContext, status: number, writtenTo = -1): void {
    this.#observer?.publish(this.#core.name, ctx, this.socket, status, writtenTo);
  }

  drained(): Promise<void> {
    return drained(this.socket);
  }

  #responseDone(ctx: HttpContext): void {
    if (ctx !== this.#ctx || this.#state !== S_HANDLING) return;
    if (!this.#keepAlive || this.#socketGone) {
      this.#close();
      return;
    }
    this.#state = S_DRAINING;
    const waiter = this.#bodyWaiter;
    this.#bodyWaiter = undefined;
    waiter?.();
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
    this.#pump();
  }

  /** The handler failed: answer 500 (or the error's status) if nothing was sent, else cut. */
  handlerFailed(ctx: HttpContext, err: unknown): void {
    if (ctx.detached || ctx !== this.#ctx) return;
    if (ctx.headersSent || ctx.finished) {
      this.socket.destroy();
      return;
    }
    const status = err instanceof ProtocolError && err.status !== undefined ? err.status : 500;
    this.#keepAlive = false;
    ctx.fields = [];
    ctx.contentLength = -1;
    ctx.statusCode = status;
    ctx.header('Content-Type', 'text/plain; charset=utf-8');
    ctx.end(status === 500 ? 'internal server error\n' : `${(err as Error).message}\n`);
  }

  /** Called when a handler returned without ending, detaching or keeping the response. */
  handlerReturned(ctx: HttpContext): void {
    if (!ctx.done && !ctx.headersSent) ctx.end();
  }

  #protocolFailure(err: unknown): void {
    if (!(err instanceof ProtocolError) || this.#state === S_CLOSED) {
      this.socket.destroy();
      return;
    }
    if (this.#state === S_HEAD || (this.#ctx !== undefined && !this.#ctx.headersSent)) {
      const status = err.status ?? 400;
      this.socket.write(closingAnswer(status, `${err.message}\n`, err.headers));
      if (this.#ctx) {
        this.#ctx.finished = true;
        if (responseChannel.hasSubscribers) this.#publishResponse(this.#ctx, status);
      }
    }
    this.#close();
  }

  // --- detach, timers, close ---------------------------------------------------------------

  detach(ctx: HttpContext, options: DetachOptions = {}): string {
    if (ctx !== this.#ctx || this.#state !== S_HANDLING) {
      throw new ProtocolError('cannot detach: this request no longer owns the connection', {
        code: 'ERR_HTTP_NOT_CURRENT',
      });
    }
    ctx.detached = true;
    this.#state = S_DETACHED;
    this.#clearTimer();
    const socket = this.socket;
    // The channel owns the socket now: nothing may keep this connection (its parser) alive.
    unplugSocket(socket);
    // Unparsed bytes of a lent read (a detach from a handler the pump runs) are copied.
    const initialData = this.#parser.takeUnparsed().map(ownBytes);
    this.#core.forget(this);
    const name = openDetachedChannel(this.#core, socket, this.driver, ctx, initialData, options);
    if (this.#paused) {
      this.#paused = false;
      socket.resume();
    }
    publishDetach(this.#core, ctx, name, this.#observer?.from ?? 0);
    return name;
  }

  #setTimer(kind: number): void {
    const ms = kind === T_IDLE ? this.#core.keepAliveTimeoutMs : this.#core.headerTimeoutMs;
    this.#clock.start(kind, this.#now(), ms);
  }

  #clearTimer(): void {
    this.#clock.clear();
  }

  /** Called by the server's sweep: acts on an expired idle or header timeout, or a send stall. */
  checkDeadline(now: number): void {
    if (this.#clock.expired(now)) this.#timeout();
    if (this.#clock.stalled(this.socket, now, this.#core.sendTimeoutMs)) {
      // Nothing of what waits to be sent left for sendTimeoutMs: the client does not read.
      this.#keepAlive = false;
      this.#state = S_CLOSED;
      this.#core.forget(this);
      this.socket.destroy();
    }
  }

  #timeout(): void {
    const kind = this.#clock.kind;
    this.#clock.clear();
    if (this.#state !== S_HEAD) return;
    if (kind === T_FIRST && this.#parser.bufferedBytes === 0) {
      this.#close(); // never said a word (or only finished a handshake): nothing to answer
    } else if (kind !== T_IDLE) {
      // Slow loris: the head did not arrive in time.
      this.socket.end(
        'HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      this.#state = S_CLOSED;
      this.#core.forget(this);
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.#close();
    }
  }

  #close(): void {
    if (this.#state === S_CLOSED || this.#state === S_DETACHED) return;
    this.#state = S_CLOSED;
    this.#clearTimer();
    if (this.#feeding) this.#endAfterFeed = true;
    else this.#endSocket();
  }

  /**
   * Ends our side once everything queued has been written. Until then the connection stays in
   * the server's sweep, so that a client that stops reading is still cut by the send timeout;
   * afterwards a peer that does not close its side gets 2 s.
   */
  #endSocket(): void {
    const socket = this.socket;
    socket.end();
    if (socket.writableLength === 0) this.#ended();
    else socket.once('finish', () => this.#ended());
  }

  #ended(): void {
    this.#core.forget(this);
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** @internal the socket's 'error': it ends in 'close' (without a listener it would be thrown). */
  onSocketError(): void {}

  /** @internal (not listened to: a server connection waits for its writes otherwise). */
  onSocketDrain(): void {}

  /** @internal the socket's 'close'. */
  onSocketClose(): void {
    this.#clearTimer();
    if (this.#state === S_HANDLING) {
      // A handler still runs: it may answer into the void, or detach (the channel then reads EOF).
      this.#socketGone = true;
      this.#core.forget(this);
    } else if (this.#state !== S_DETACHED) {
      this.#state = S_CLOSED;
      this.#core.forget(this);
    }
    const waiter = this.#bodyWaiter;
    this.#bodyWaiter = undefined;
    waiter?.();
  }
}
