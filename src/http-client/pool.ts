/**
 * The connections to one origin (host:port, or proxy + host:port) and the queue of requests
 * waiting for them. Requests leave the queue strictly in order: a POST at the head waits for an
 * idle connection and holds back the GETs behind it (Tcl's `peNding`), so nothing jumps ahead of
 * it. A request goes to an idle connection, else to a new one (up to `maxConnectionsPerOrigin`),
 * else — GET/HEAD with `pipeline` — behind others on the least busy connection: so a slow
 * response holds up nothing while there is room for another connection. With one connection
 * per origin (the manual's config) this is Tcl's queue on its one persistent socket, and there
 * the manual's -pipeline rule holds: requests queued behind a POST that fails are not sent.
 */
import { ChannelTable } from '../channels/channel-table.js';
import { ConnchanError } from '../errors.js';
import { Connection, type ConnectionOwner, type FailedPost } from './connection.js';
import { ReadBuffers } from './read-buffers.js';
import type { Exchange } from './exchange.js';

/** How a pool opens connections and reports failures. */
export interface PoolHost {
  readonly pipeline: boolean;
  readonly maxConnections: number;
  readonly maxPipelineDepth: number;
  readonly idleTimeoutMs: number;
  readonly server: string;
  /** Opening a connection for `ex` failed. */
  connectFailed(ex: Exchange, err: Error): void;
  /** The pool holds nothing any more and may be dropped. */
  empty(key: string): void;
}

export class Pool implements ConnectionOwner {
  readonly key: string;
  readonly conns: Connection[] = [];
  readonly queue: Exchange[] = [];
  #dialing = 0;
  readonly #host: PoolHost;

  constructor(key: string, host: PoolHost) {
    this.key = key;
    this.#host = host;
  }

  enqueue(ex: Exchange): void {
    ex.token.stage = 'queued';
    this.queue.push(ex);
    this.dispatch();
  }

  remove(ex: Exchange): boolean {
    const i = this.queue.indexOf(ex);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    this.dispatch();
    return true;
  }

  /** Writes queued requests where the rules allow, opening connections up to the limit. */
  dispatch(): void {
    const host = this.#host;
    const queue = this.queue;
    while (queue.length > 0) {
      const ex = queue[0];
      if (ex.done) {
        queue.shift();
        continue;
      }
      // An idle connection (the most recently used: warm, and the others may time out).
      let target: Connection | undefined;
      const conns = this.conns;
      for (let i = conns.length - 1; i >= 0; i--) {
        const c = conns[i];
        if (c.inflight.length === 0 && !c.closing && !c.dead) {
          target = c;
          break;
        }
      }
      if (target === undefined && this.conns.length + this.#dialing < host.maxConnections) {
        queue.shift();
        this.#open(ex);
        continue;
      }
      if (target === undefined && host.pipeline && ex.idempotent) {
        let least = Infinity;
        for (const c of conns) {
          if (c.inflight.length < least && c.canTake(ex, true, host.maxPipelineDepth)) {
            target = c;
            least = c.inflight.length;
          }
        }
      }
      if (target === undefined) break;
      queue.shift();
      target.send(ex);
    }
    if (queue.length === 0 && this.conns.length === 0 && this.#dialing === 0) host.empty(this.key);
  }

  #open(ex: Exchange): void {
    this.#dialing++;
    ex.token.stage = 'connecting';
    ex.startTimer();
    const reads = new ReadBuffers();
    ex.route.open(ex.o.signal, reads.next).then(
      (socket) => {
        this.#dialing--;
        const channel = ChannelTable.of(this.#host.server).create({
          socket,
          kind: 'open',
          driver: ex.route.driver,
          role: 'client',
          halfOpen: true,
        });
        const conn = new Connection(channel, this, this.#host.idleTimeoutMs, reads);
        this.conns.push(conn);
        if (!ex.done) conn.send(ex);
        else if (!ex.persistent) channel.destroy();
        else conn.park();
        this.dispatch();
      },
      (err: Error) => {
        this.#dialing--;
        this.#host.connectFailed(ex, err);
        this.dispatch();
      },
    );
  }

  ready(): void {
    this.dispatch();
  }

  gone(conn: Connection, replay: Exchange[], failedPost: FailedPost | undefined): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    if (replay.length > 0) this.queue.unshift(...replay);
    else if (failedPost !== undefined && this.#host.maxConnections === 1) {
      // -pipeline: "GET and HEAD requests made after a POST will not be sent until the POST
      // response has been delivered, and will not be sent if the POST fails". Everything queued
      // here was made after it: with one connection per origin they were all waiting for it.
      const { ex: post, reason } = failedPost;
      for (const ex of this.queue.splice(0)) {
        ex.finish(
          'eof',
          new ConnchanError(
            `not sent: the ${post.method} before it on the connection failed (${reason})`,
            { code: 'ERR_HTTP_CLIENT_PIPELINE_FAILED' },
          ),
        );
      }
    }
    this.dispatch();
  }
}
