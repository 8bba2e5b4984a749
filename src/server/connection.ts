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
 */
import type { Transport } from '../io/dial.js';
import { RequestParser } from '../proto/http1/request-parser.js';
import type { RequestHead } from '../proto/http1/request-head.js';
import { NEED_DATA, PAUSED } from '../proto/need-data.js';
import { ProtocolError } from '../errors.js';
import { ChannelTable } from '../channels/channel-table.js';
import { HttpContext } from './context.js';
import { buildHead } from './response-head.js';
import { reasonPhrase } from '../proto/http1/status-codes.js';
import { drained } from '../io/drain.js';
import type { ServerCore } from './server.js';
import { detachChannel, responseChannel } from '../diagnostics.js';

const S_HEAD: number = 0;
const S_HANDLING: number = 1;
const S_DRAINING: number = 2;
const S_DETACHED: number = 3;
const S_CLOSED: number = 4;

const T_NONE: number = 0;
const T_IDLE: number = 1;
const T_HEADER: number = 2;

const CRLF = '\r\n';

/** The connection a socket belongs to: one set of listener functions serves every socket. */
const kConn = Symbol('connchan.serverConnection');
type ConnSocket = Transport & { [kConn]: ServerConnection };

function onData(this: ConnSocket, chunk: Buffer): void {
  this[kConn].receive(chunk);
}
function onEnd(this: ConnSocket): void {
  this[kConn].receiveEof();
}
function onClose(this: ConnSocket): void {
  this[kConn].socketClosed();
}
function onError(): void {}
const LAST_CHUNK = '0\r\n\r\n';
const CONTINUE_100 = 'HTTP/1.1 100 Continue\r\n\r\n';

export class ServerConnection {
  readonly socket: Transport;
  readonly scheme: 'http' | 'https';
  readonly #core: ServerCore;
  readonly #driver: string;
  readonly #parser: RequestParser;
  #state = S_HEAD;
  #ctx: HttpContext | undefined;
  #keepAlive = true;
  #bodyDone = false;
  #bodyBytes = 0;
  /** Only while someone observes responses (diagnostics): where the current one started. */
  #observedFrom = 0;
  #observedBytes = 0;
  #continueSent = false;
  #pumping = false;
  #paused = false;
  #bodyWaiter: (() => void) | undefined;
  /**
   * When the current timeout (idle or header) expires, 0 for none. No timer per connection:
   * the server sweeps its connections a few times a second (see HttpServer), so a request
   * costs one Date.now() instead of a timer re-arm.
   */
  #deadline = 0;
  #timerKind = T_NONE;
  readonly #remoteAddress: string;

  constructor(core: ServerCore, socket: Transport, driver: string, scheme: 'http' | 'https') {
    this.#core = core;
    this.socket = socket;
    this.#driver = driver;
    this.scheme = scheme;
    this.#parser = new RequestParser(core.parserOptions);
    // Read once: the getter asks the kernel every time.
    this.#remoteAddress = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    (socket as ConnSocket)[kConn] = this;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    this.#setTimer(T_IDLE);
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
  receive(chunk: Buffer): void {
    if (this.#state === S_CLOSED) return; // closing: late bytes are dropped
    this.#parser.feed(chunk);
    if (this.#state === S_HEAD) {
      if (this.#timerKind === T_IDLE) this.#setTimer(T_HEADER);
      this.#pump();
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

  /** @internal the socket's 'end'. */
  receiveEof(): void {
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
    const socket = this.socket;
    socket.cork();
    try {
      for (;;) {
        if (this.#state === S_HEAD) {
          const ev = this.#parser.next();
          if (ev === NEED_DATA) break;
          if (ev === PAUSED) break; // cannot happen in HEAD; defensive
          if (ev.type === 'eof') {
            this.#close();
            break;
          }
          if (ev.type !== 'request') break;
          this.#startRequest(ev.head);
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
      socket.uncork();
    }
  }

  #startRequest(head: RequestHead): void {
    this.#clearTimer();
    this.#keepAlive = head.keepAlive && !this.#core.closing;
    this.#bodyDone = false;
    this.#bodyBytes = 0;
    this.#continueSent = false;
    const peer = this.#core.clientAddress(this.#remoteAddress, head.headers);
    const ctx = new HttpContext(this, head, peer, this.#driver);
    this.#ctx = ctx;
    if (responseChannel.hasSubscribers || detachChannel.hasSubscribers) this.#observe();
    this.#state = S_HANDLING;
    if (head.contentLength !== undefined && head.contentLength > this.#core.maxBodyBytes) {
      this.#keepAlive = false;
      ctx
        .status(413)
        .header('Content-Type', 'text/plain')
        .end(
          `request body of ${head.contentLength} bytes exceeds the limit of ${this.#core.maxBodyBytes}\n`,
        );
      return;
    }
    this.#core.dispatch(ctx, this);
  }

  /** Discards what is left of a request body after its response; true when done with it. */
  #drain(): boolean {
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
    if (this.#paused) {
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
        return ev.data;
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
    return buildHead({
      version: ctx.version,
      status: ctx.statusCode,
      fields: ctx.fields,
      contentLength,
      keepAlive: this.#keepAlive,
    });
  }

  writeBody(ctx: HttpContext, chunk: string | Uint8Array): boolean {
    const socket = this.socket;
    const head = ctx.headersSent ? '' : this.#sendHead(ctx, ctx.contentLength);
    if (head !== '') socket.write(head, 'latin1');
    if (ctx.method === 'HEAD' || bodiless(ctx.statusCode)) return !socket.writableNeedDrain;
    const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (len === 0) return !socket.writableNeedDrain;
    if (ctx.contentLength < 0 && ctx.version === '1.1') {
      socket.write(len.toString(16) + CRLF, 'latin1');
      socket.write(chunk);
      return socket.write(CRLF, 'latin1');
    }
    return socket.write(chunk);
  }

  endResponse(ctx: HttpContext, body: string | Uint8Array | undefined): void {
    const socket = this.socket;
    const noBody = ctx.method === 'HEAD' || bodiless(ctx.statusCode);
    if (!ctx.headersSent) {
      // The common case: head and whole body in one write.
      const len =
        body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      const head = this.#sendHead(ctx, ctx.contentLength >= 0 ? ctx.contentLength : len);
      if (noBody || len === 0) socket.write(head, 'latin1');
      else if (typeof body === 'string') socket.write(head + body);
      else {
        socket.write(head, 'latin1');
        socket.write(body!);
      }
    } else {
      if (body !== undefined) this.writeBody(ctx, body);
      if (!noBody && ctx.contentLength < 0 && ctx.version === '1.1')
        socket.write(LAST_CHUNK, 'latin1');
    }
    ctx.finished = true;
    if (responseChannel.hasSubscribers) this.#publishResponse(ctx, ctx.statusCode);
    this.#responseDone(ctx);
  }

  #observe(): void {
    this.#observedFrom = performance.now();
    this.#observedBytes = this.socket.bytesWritten;
  }

  #publishResponse(ctx: HttpContext, status: number): void {
    responseChannel.publish({
      server: this.#core.name,
      request: ctx,
      status,
      bytes: this.socket.bytesWritten - this.#observedBytes,
      durationMs: performance.now() - this.#observedFrom,
    });
  }

  drained(): Promise<void> {
    return drained(this.socket);
  }

  #responseDone(ctx: HttpContext): void {
    if (ctx !== this.#ctx || this.#state !== S_HANDLING) return;
    if (!this.#keepAlive) {
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
      const body = `${err.message}\n`;
      let head = `HTTP/1.1 ${status} ${reasonPhrase(status) || 'Bad Request'}\r\n`;
      for (const [k, v] of Object.entries(err.headers ?? {})) head += `${k}: ${v}\r\n`;
      head += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
      this.socket.write(head + body);
      if (this.#ctx) {
        this.#ctx.finished = true;
        if (responseChannel.hasSubscribers) this.#publishResponse(this.#ctx, status);
      }
    }
    this.#close();
  }

  // --- detach, timers, close ---------------------------------------------------------------

  detach(ctx: HttpContext): string {
    if (ctx !== this.#ctx || this.#state !== S_HANDLING) {
      throw new ProtocolError('cannot detach: this request no longer owns the connection', {
        code: 'ERR_HTTP_NOT_CURRENT',
      });
    }
    ctx.detached = true;
    this.#state = S_DETACHED;
    this.#clearTimer();
    const socket = this.socket;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onClose);
    socket.off('error', onError);
    // The channel owns the socket now: nothing may keep this connection (its parser) alive.
    (socket as Partial<ConnSocket>)[kConn] = undefined;
    const initialData = this.#parser.takeUnparsed();
    this.#core.forget(this);
    const channel = ChannelTable.of(this.#core.name).create({
      socket,
      kind: 'detached',
      driver: this.#driver,
      role: 'server',
      startTime: ctx.startTime,
      peer: ctx.peer,
      clientData: ctx.clientData,
      initialData,
      limits: this.#core.channelLimits,
    });
    if (this.#paused) {
      this.#paused = false;
      socket.resume();
    }
    if (detachChannel.hasSubscribers) {
      detachChannel.publish({
        server: this.#core.name,
        request: ctx,
        channel: channel.name,
        durationMs: performance.now() - this.#observedFrom,
      });
    }
    return channel.name;
  }

  #setTimer(kind: number): void {
    const ms = kind === T_IDLE ? this.#core.keepAliveTimeoutMs : this.#core.headerTimeoutMs;
    this.#timerKind = kind;
    this.#deadline = Date.now() + ms;
  }

  #clearTimer(): void {
    this.#deadline = 0;
    this.#timerKind = T_NONE;
  }

  /** Called by the server's sweep: acts on an expired idle or header timeout. */
  checkDeadline(now: number): void {
    if (this.#deadline !== 0 && now >= this.#deadline) this.#timeout();
  }

  #timeout(): void {
    this.#deadline = 0;
    if (this.#state !== S_HEAD) return;
    if (this.#timerKind === T_HEADER) {
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
    this.#timerKind = T_NONE;
  }

  #close(): void {
    if (this.#state === S_CLOSED || this.#state === S_DETACHED) return;
    this.#state = S_CLOSED;
    this.#clearTimer();
    this.#core.forget(this);
    const socket = this.socket;
    socket.end();
    // Do not wait forever for a peer that does not close its side.
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** @internal the socket's 'close'. */
  socketClosed(): void {
    this.#clearTimer();
    if (this.#state !== S_DETACHED) {
      this.#state = S_CLOSED;
      this.#core.forget(this);
    }
    const waiter = this.#bodyWaiter;
    this.#bodyWaiter = undefined;
    waiter?.();
  }
}

function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}
