/**
 * The connections to one origin (host:port, or proxy + host:port) and the queue of requests
 * waiting for them. Requests leave the queue strictly in order: a POST at the head waits for an
 * idle connection and holds back the GETs behind it (Tcl's `peNding`), so nothing jumps ahead of
 * it. One persistent connection by default (`maxConnectionsPerOrigin`), as in Tcl.
 */
import { ChannelTable } from '../channels/channel-table.js';
import { Connection, type ConnectionOwner } from './connection.js';
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
      let target: Connection | undefined;
      for (const c of this.conns) {
        if (c.canTake(ex, host.pipeline, host.maxPipelineDepth)) {
          target = c;
          break;
        }
      }
      if (target !== undefined) {
        queue.shift();
        target.send(ex);
        continue;
      }
      if (this.conns.length + this.#dialing < host.maxConnections) {
        queue.shift();
        this.#open(ex);
        continue;
      }
      break;
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

  gone(conn: Connection, replay: Exchange[]): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    if (replay.length > 0) this.queue.unshift(...replay);
    this.dispatch();
  }
}
