/**
 * A member of a cluster: this process, with its broker (in-process by default, node:cluster IPC
 * for the workers of one machine, Redis for many machines), its id `node.worker` (which also
 * starts its channel names, so that a name tells its owner), the bridge that carries topic
 * messages, and the answers to other members' questions.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import cluster from 'node:cluster';
import { allTables, setChannelNamePrefix } from '../channels/channel-table.js';
import { UsageError } from '../errors.js';
import { topicStats } from '../ws/topics.js';
import type { Broker, BrokerStats, MemberInfo } from './broker.js';
import { IpcBroker, type IpcBrokerOptions } from './ipc-broker.js';
import { MemoryBroker } from './memory-broker.js';
import { answer } from './ops.js';
import { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
import { TopicBridge } from './topic-bridge.js';
import { processState } from '../process-state.js';

/** How to join. */
export interface JoinOptions {
  /**
   * `'memory'` (one process), `'ipc'` (a node:cluster worker, through the primary) or a Redis
   * URL. Default: `CONNCHAN_REDIS_URL` when set, else `'ipc'` in a cluster worker, else
   * `'memory'`.
   */
  broker?: 'memory' | 'ipc' | string;
  /** This machine's name in the cluster: 1–32 of `a-z0-9-`. Default `CONNCHAN_NODE_ID`, else 4 random characters. */
  node?: string;
  /** Worker number. Default: the node:cluster worker id, 0 outside a cluster. */
  worker?: number;
  /** How long a question to another member may take. Default 2000 ms. */
  requestTimeoutMs?: number;
  /** Redis broker settings (prefix, heartbeat, TTL, …). */
  redisOptions?: Omit<RedisBrokerOptions, 'url'>;
  ipc?: IpcBrokerOptions;
}

const NODE_ID = /^[a-z0-9-]{1,32}$/;

/** A fresh node id: 4 characters of a-z0-9. */
export function randomNodeId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(4)].map((b) => alphabet[b % 36]).join('');
}

/** Cluster-wide counters of this member. */
export interface ClusterStats extends BrokerStats {
  /** Messages from other members delivered to local subscribers. */
  remoteDelivered: number;
}

export class ClusterNode {
  readonly id: string;
  readonly node: string;
  readonly worker: number;
  readonly broker: Broker;
  readonly requestTimeoutMs: number;
  readonly #bridge: TopicBridge;
  readonly #since = Date.now();
  #rate = { at: Date.now(), delivered: 0, perSec: 0 };

  /** @internal use {@link joinCluster}. */
  constructor(node: string, worker: number, broker: Broker, requestTimeoutMs: number) {
    this.node = node;
    this.worker = worker;
    this.id = `${node}.${worker}`;
    this.broker = broker;
    this.requestTimeoutMs = requestTimeoutMs;
    this.#bridge = new TopicBridge(broker);
  }

  /**
   * @internal With `joined` false (the one-process default) names keep no prefix and nothing
   * is bridged: there is no one else.
   */
  async start(joined = true): Promise<void> {
    // The broker first: when it cannot start (the Redis client is missing), nothing changed.
    await this.broker.start({
      message: (topic, batch) => this.#bridge.receive(topic, batch),
      request: (req) => answer(req),
      info: () => this.info(),
    });
    if (joined) {
      setChannelNamePrefix(`${this.id}.`);
      this.#bridge.install();
    }
  }

  /** What this member tells the others about itself. */
  info(): MemberInfo {
    let channels = 0;
    for (const t of allTables()) channels += t.size;
    const now = Date.now();
    const r = this.#rate;
    if (now - r.at >= 1000) {
      const delivered = topicStats().delivered;
      r.perSec = Math.round(((delivered - r.delivered) * 1000) / (now - r.at));
      r.delivered = delivered;
      r.at = now;
    }
    return {
      id: this.id,
      node: this.node,
      worker: this.worker,
      pid: process.pid,
      host: hostname(),
      channels,
      msgsPerSec: r.perSec,
      since: this.#since,
    };
  }

  /** The members alive as far as this one knows, itself first. */
  members(): MemberInfo[] {
    return this.broker.members();
  }

  get stats(): ClusterStats {
    return { ...this.broker.stats, remoteDelivered: this.#bridge.remoteDelivered };
  }

  /** Leaves the cluster: publishes still waiting go out, the broker connection closes. */
  async leave(): Promise<void> {
    this.#bridge.uninstall();
    await this.broker.close();
    if (membership.current === this) membership.current = undefined;
  }
}

/** The member this process is, whichever copy of connchan joined (see process-state.ts). */
const membership = processState('cluster/node@1', () => ({
  current: undefined as ClusterNode | undefined,
}));

/** The member this process is: the one joined, or a one-process member made on first use. */
export function currentNode(): ClusterNode {
  let node = membership.current;
  if (node === undefined) {
    node = new ClusterNode('local', 0, new MemoryBroker('local.0'), 2000);
    // No name prefix in one process: channel names stay `connN`. (The memory broker starts at once.)
    void node.start(false);
    membership.current = node;
  }
  return node;
}

/**
 * Makes this process a member of a cluster. Channel names from now on start with the member's
 * id (`a7.2.conn5`), topic publishes reach every member, and the cluster verbs
 * (`connchan/cluster`'s `list`, `close`, `write`, …) reach channels owned by any member.
 *
 * @throws UsageError `ERR_CLUSTER_JOINED` when this process already joined;
 *   `ERR_INVALID_OPTION` for a bad node id; `RedisClientMissingError` when a Redis URL is
 *   given but the package `redis` is not installed.
 * @example
 * ```ts
 * const me = await joinCluster({ broker: 'redis://10.0.0.5:6379', node: 'web1' });
 * console.log(me.members());
 * ```
 */
export async function joinCluster(options: JoinOptions = {}): Promise<ClusterNode> {
  const joined = membership.current;
  if (joined !== undefined && joined.broker.kind !== 'memory') {
    throw new UsageError('this process is already a cluster member', {
      code: 'ERR_CLUSTER_JOINED',
    });
  }
  const node = options.node ?? process.env.CONNCHAN_NODE_ID ?? randomNodeId();
  if (!NODE_ID.test(node)) {
    throw new UsageError(`a node id is 1 to 32 of a-z, 0-9 and -, not ${JSON.stringify(node)}`, {
      code: 'ERR_INVALID_OPTION',
    });
  }
  const worker = options.worker ?? (cluster.isWorker ? (cluster.worker?.id ?? 0) : 0);
  const id = `${node}.${worker}`;
  const kind =
    options.broker ?? process.env.CONNCHAN_REDIS_URL ?? (cluster.isWorker ? 'ipc' : 'memory');
  let broker: Broker;
  if (kind === 'memory') broker = new MemoryBroker(id);
  else if (kind === 'ipc') broker = new IpcBroker(id, options.ipc);
  else if (/^rediss?:\/\//.test(kind))
    broker = new RedisBroker(id, { ...options.redisOptions, url: kind });
  else {
    throw new UsageError(
      `broker must be 'memory', 'ipc' or a redis:// URL, not ${JSON.stringify(kind)}`,
      {
        code: 'ERR_INVALID_OPTION',
      },
    );
  }
  const member = new ClusterNode(node, worker, broker, options.requestTimeoutMs ?? 2000);
  await member.start();
  membership.current = member;
  return member;
}
