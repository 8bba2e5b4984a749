/**
 * One client connection: a channel (listed with the others), one reused ResponseParser, and the
 * exchanges written on it in order (`inflight`; the head one reads). Tcl's rules (anchors §3):
 *
 * ```
 *   send ──▶ inflight (read strictly in order) ──'end'──▶ next, or IDLE
 *   'response' with Connection: close ──▶ CLOSING: no more writes; after it ends, the
 *        unanswered ones behind it are replayed once on a new connection (ReplayIfClose)
 *   EOF/error ──▶ DEAD: the head gets what the parser can still give (close-delimited body,
 *        else eof/error); the unanswered ones are replayed once if the connection had been
 *        used before (ReplayIfDead: GET/HEAD; POST only with repost), else end with eof
 *   IDLE + 'end' or stray bytes ──▶ DEAD silently (CheckEof): no request is ever written to a
 *        socket the server is known to have closed; no timer hop per reuse
 * ```
 */
import type { Transport } from '../io/dial.js';
import type { Channel } from '../channels/channel.js';
import { ResponseParser } from '../proto/http1/response-parser.js';
import { NEED_DATA, PAUSED } from '../proto/need-data.js';
import { ConnchanError } from '../errors.js';
import { TimeoutError } from '../io/errors.js';
import type { Exchange } from './exchange.js';
import { sendBody } from './upload.js';
import type { ReadBuffers } from './read-buffers.js';

/** What a connection tells its owner (the pool, or nobody for a one-shot connection). */
export interface ConnectionOwner {
  /** The connection can take more requests (idle, or pipelining became possible). */
  ready(conn: Connection): void;
  /**
   * The connection is gone; `replay` lists exchanges to write again, in order. `failedPost`: a
   * request with a body that failed on it (eof, error, timeout) and is not replayed — the
   * requests queued behind it are then not sent either (the manual's -pipeline rule).
   */
  gone(conn: Connection, replay: Exchange[], failedPost: FailedPost | undefined): void;
}

/** A request with a body that failed on a connection, and why (for the requests behind it). */
export interface FailedPost {
  ex: Exchange;
  reason: string;
}

export class Connection {
  readonly channel: Channel;
  readonly socket: Transport;
  readonly inflight: Exchange[] = [];
  /** Responses completed on it. */
  completed = 0;
  /** A response head has shown the server keeps the connection (pipelining allowed). */
  keepAliveKnown = false;
  /** No more requests may be written (Connection: close sent or received). */
  closing = false;
  dead = false;
  /** 101 / CONNECT: the socket belongs to the token now. */
  upgraded = false;
  readonly #parser = new ResponseParser();
  readonly #owner: ConnectionOwner | undefined;
  readonly #idleMs: number;
  #idleTimer: NodeJS.Timeout | undefined = undefined;
  #upgradeSink: Buffer[] | undefined = undefined;
  /**
   * The read-timeout watch (headersTimeoutMs / bodyTimeoutMs): one coarse timer for the life of
   * the connection, re-armed with refresh(). Each chunk read or request written bumps
   * `#activity`; a tick that sees no change since the last one measures the quiet time.
   */
  #watch: NodeJS.Timeout | undefined = undefined;
  /** A request was written in this turn; later ones are corked until it ends (see #write). */
  #inTurn = false;
  #corked = false;
  #watchMs = 0;
  #activity = 0;
  #seen = -1;
  #quietSince = 0;

  constructor(
    channel: Channel,
    owner: ConnectionOwner | undefined,
    idleMs: number,
    reads?: ReadBuffers,
  ) {
    this.channel = channel;
    // A body of known length is read straight into the buffer its exchange keeps it in. Only
    // while every byte read so far has reached the parser: the exchange's offset is then exact,
    // so no unread byte is ever overwritten.
    if (reads) reads.target = () => this.#readTarget();
    this.socket = channel.socket;
    this.#owner = owner;
    this.#idleMs = idleMs;
    const s = this.socket;
    s.on('end', () => this.#onEnd());
    s.on('error', (err: Error) => this.#die(err));
    s.on('close', () => this.#die(undefined));
    channel.takeOver((chunk) => this.#onData(chunk));
  }

  #readTarget(): Buffer | undefined {
    const s = this.socket;
    if (this.upgraded || this.dead || s.readableLength > 0 || s.readableFlowing !== true) {
      return undefined;
    }
    return this.inflight[0]?.readTarget();
  }

  get idle(): boolean {
    return this.inflight.length === 0;
  }

  /** May `ex` be written now (idle, or pipelined behind GET/HEADs of a keep-alive connection)? */
  canTake(ex: Exchange, pipeline: boolean, depth: number): boolean {
    if (this.closing || this.dead) return false;
    const n = this.inflight.length;
    if (n === 0) return true;
    return (
      pipeline &&
      ex.idempotent &&
      this.keepAliveKnown &&
      n < depth &&
      this.inflight[0].idempotent &&
      this.inflight[n - 1].idempotent
    );
  }

  /** Writes `ex` (head, and body unless it must wait for 100-continue) and queues its response. */
  send(ex: Exchange): void {
    if (this.inflight.length === 0) this.socket.ref();
    this.#activity++;
    const limit = Math.min(ex.headersTimeoutMs || Infinity, ex.bodyTimeoutMs || Infinity);
    if (limit !== Infinity && (this.#watch === undefined || limit < this.#watchMs)) {
      this.#watchFor(limit);
    }
    ex.conn = this;
    ex.firstOnConn = this.completed === 0 && this.inflight.length === 0;
    ex.token.stage = 'sent';
    if (!ex.persistent) this.closing = true;
    this.#parser.expectResponse(ex.method);
    this.inflight.push(ex);
    if (this.inflight.length === 1) ex.startTimer();
    try {
      this.#write(ex);
    } catch (err) {
      // A socket found dead at the first write: the same rules as a close before the answer.
      this.#die(err as Error);
    }
  }

  #write(ex: Exchange): void {
    const body = ex.body;
    const ch = this.channel;
    if (body === undefined) {
      // Requests written in the same turn after the first (a window refilled as responses come
      // in, a burst pipelined at once) leave together: the socket is corked from the second
      // until the turn ends. A lone request goes out at once, with no cork.
      if (!this.#inTurn) {
        this.#inTurn = true;
        process.nextTick(endTurn, this);
      } else if (!this.#corked) {
        this.#corked = true;
        this.socket.cork();
      }
      ch.write(ex.head, WRITE_BUFFERED);
      return;
    }
    ex.uploaded = false;
    const t = ex.token;
    if (
      body.kind === 'bytes' &&
      !ex.expectContinue &&
      !ex.o.queryprogress &&
      body.length <= 1 << 20
    ) {
      this.socket.cork();
      ch.write(ex.head, { buffered: true });
      ch.write(body.data, { buffered: true });
      this.socket.uncork();
      t.queryoffset = body.length;
      ex.uploaded = true;
      return;
    }
    ch.write(ex.head, { buffered: true });
    void this.#upload(ex);
  }

  async #upload(ex: Exchange): Promise<void> {
    try {
      if (ex.expectContinue) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ex.host.config.expectContinueTimeoutMs);
          ex.continueWaiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        ex.continueWaiter = undefined;
        // A final answer came instead of 100: the body is not sent, and the server may still
        // expect it, so the connection cannot carry another request.
        if (ex.done || ex.token.stage === 'body' || this.dead) {
          this.closing = true;
          return;
        }
      }
      await sendBody(ex, this.socket, (b) => this.channel.write(b, { buffered: true }));
      ex.uploaded = true;
    } catch (err) {
      ex.token.posterror ||= (err as Error).message;
      this.closing = true;
      // Read what the server may still have answered; a half-sent body cannot be finished.
      if (!this.dead) this.socket.end();
    }
  }

  /** @internal the turn is over: what was corked in it leaves */
  endTurn(): void {
    this.#inTurn = false;
    if (this.#corked) {
      this.#corked = false;
      this.socket.uncork();
    }
  }

  /** Ends the connection because `ex` was reset or timed out (`why`); the others are replayed. */
  kill(ex: Exchange, why: string): void {
    const i = this.inflight.indexOf(ex);
    if (i >= 0) this.inflight.splice(i, 1);
    const failed = why === 'timeout' && !ex.idempotent ? { ex, reason: 'timeout' } : undefined;
    this.#die(undefined, true, false, failed);
  }

  #watchFor(ms: number): void {
    if (this.#watch !== undefined) clearTimeout(this.#watch);
    this.#watchMs = ms;
    this.#watch = setTimeout(() => this.#onWatch(), ms);
    this.#watch.unref();
  }

  #onWatch(): void {
    const head = this.inflight[0];
    if (this.dead || this.upgraded) return;
    const now = Date.now();
    if (head === undefined || this.#activity !== this.#seen || !head.uploaded) {
      this.#seen = this.#activity;
      this.#quietSince = now;
    } else {
      const phase = head.responded ? 'body' : 'headers';
      const limit = head.responded ? head.bodyTimeoutMs : head.headersTimeoutMs;
      if (limit > 0 && now - this.#quietSince >= limit) {
        head.abort(
          'timeout',
          new TimeoutError(
            head.responded
              ? `no response body data for ${limit} ms`
              : `no response head within ${limit} ms`,
            { code: `ERR_HTTP_CLIENT_${phase.toUpperCase()}_TIMEOUT`, timeoutMs: limit },
          ),
        );
        if (this.dead) return;
      }
    }
    this.#watch?.refresh();
  }

  #onData(chunk: Buffer): void {
    this.#activity++;
    if (this.upgraded) {
      // Until the new owner calls channel.takeOver, the bytes wait in token.upgradeData.
      this.#upgradeSink?.push(chunk);
      return;
    }
    const parser = this.#parser;
    try {
      parser.feed(chunk);
      this.#pump();
    } catch (err) {
      this.#die(err as Error);
    }
  }

  #pump(): void {
    const parser = this.#parser;
    for (let ev = parser.next(); ev !== NEED_DATA; ev = parser.next()) {
      if (ev === PAUSED) return;
      const ex = this.inflight[0];
      switch (ev.type) {
        case 'data':
          ex.onData(ev.data);
          break;
        case 'response': {
          if (!ev.head.keepAlive) this.closing = true;
          ex.onHead(ev.head);
          if (!this.keepAliveKnown && !this.closing) {
            this.keepAliveKnown = true;
            this.#owner?.ready(this);
          }
          break;
        }
        case 'end':
          this.inflight.shift();
          this.completed++;
          // An answer before the whole body was sent: the rest of the body cannot follow.
          if (!ex.uploaded) this.closing = true;
          ex.onEnd(ev.trailers);
          if (this.closing) {
            this.#die(undefined, true, true);
            return;
          }
          if (this.inflight.length > 0) this.inflight[0].startTimer();
          else this.park();
          break;
        case 'informational':
          ex.onInformational(ev.status);
          break;
        case 'upgrade':
          this.inflight.shift();
          this.upgraded = true;
          this.closing = true;
          ex.onHead(ev.head);
          this.#upgradeSink = ex.token.upgradeData = parser.takeUnparsed();
          ex.token.upgradeChannel = this.channel;
          this.#leave([]);
          ex.finish('ok');
          return;
        case 'eof':
          throw new ConnchanError('the server closed the connection', {
            code: 'ERR_HTTP_CLIENT_EOF',
          });
      }
    }
  }

  /** The connection has nothing to do: watch it idle (unref'd, idle timer armed). */
  park(): void {
    this.#owner?.ready(this);
    if (this.inflight.length === 0 && !this.dead) {
      // An idle connection does not keep the process alive (as Node's agent and undici).
      this.socket.unref();
      if (this.#idleTimer) this.#idleTimer.refresh();
      else {
        this.#idleTimer = setTimeout(
          () => this.inflight.length === 0 && !this.dead && this.#die(undefined, true),
          this.#idleMs,
        );
        this.#idleTimer.unref();
      }
    }
  }

  #onEnd(): void {
    if (this.dead || this.upgraded) return;
    // The server finished: a close-delimited body ends here; anything else unanswered is lost.
    try {
      this.#parser.feedEof();
      this.#pump();
    } catch (err) {
      const head = this.inflight[0];
      if (head !== undefined && head.responded) {
        this.#die(err as Error);
        return;
      }
    }
    this.#die(undefined);
  }

  /**
   * The connection is over. `local`: we closed it (reset, timeout, Connection: close, idle);
   * `announced`: after a response that said Connection: close.
   * The head exchange, if its response had started, ends with eof/error; the others are
   * replayed when allowed.
   */
  #die(
    err: Error | undefined,
    local = false,
    announced = false,
    failed: FailedPost | undefined = undefined,
  ): void {
    if (this.dead || this.upgraded) return;
    this.dead = true;
    this.closing = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    if (this.#watch) clearTimeout(this.#watch);
    let failedPost = failed;
    const replay: Exchange[] = [];
    const reused = this.completed > 0;
    for (const ex of this.inflight) {
      if (ex.done) continue;
      if (ex.responded) {
        const e =
          err ??
          new ConnchanError('the connection closed in the middle of the response', {
            code: 'ERR_HTTP_CLIENT_EOF',
          });
        if (!ex.idempotent) failedPost ??= { ex, reason: e.message };
        ex.finish('eof', e);
      } else if (announced && (ex.idempotent || ex.host.config.repost)) {
        // The server said Connection: close before reaching these: they were never processed,
        // and each round answers at least one request, so replaying them again is safe.
        ex.conn = undefined;
        replay.push(ex);
      } else if ((local || reused || !ex.firstOnConn) && ex.replayable) {
        ex.retries++;
        ex.conn = undefined;
        replay.push(ex);
      } else {
        const e =
          err !== undefined && !ex.token.posterror
            ? err
            : new ConnchanError('the server closed the connection without replying', {
                code: 'ERR_HTTP_CLIENT_EOF',
              });
        if (!ex.idempotent) failedPost ??= { ex, reason: e.message };
        ex.finish(e === err ? 'error' : 'eof', e);
      }
    }
    this.inflight.length = 0;
    this.channel.destroy();
    this.#leave(replay, failedPost);
  }

  #leave(replay: Exchange[], failedPost?: FailedPost): void {
    this.dead = true;
    this.#owner?.gone(this, replay, failedPost);
  }
}

const WRITE_BUFFERED = { buffered: true };

function endTurn(conn: Connection): void {
  conn.endTurn();
}
