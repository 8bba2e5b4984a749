/**
 * The broker seam: all that crosses processes and machines goes through these few calls —
 * publish bytes to a topic, hear a topic, ask another member a question and get the answer
 * within a timeout — and the list of members. Three backings: in-process (memory-broker.ts,
 * the default), the workers of one machine through the primary (ipc-broker.ts, node:cluster
 * IPC) and Redis (redis-broker.ts). Delivery is at-most-once with each publisher's order kept;
 * what could not be sent is counted in {@link BrokerStats.dropped}.
 */
import type { Buffer } from 'node:buffer';

/** What a member tells the others about itself (heartbeat). */
export interface MemberInfo {
  /** `node.worker`, e.g. `a7.2`: the prefix of its channel names. */
  id: string;
  node: string;
  worker: number;
  pid: number;
  host: string;
  /** Channels in its tables. */
  channels: number;
  /** Topic messages it delivered per second, lately. */
  msgsPerSec: number;
  /** When it joined, ms since the epoch. */
  since: number;
}

/** A question to another member: an operation and its arguments (JSON values). */
export interface ClusterRequest {
  op: string;
  args: Record<string, unknown>;
}

/** The answer: a JSON value, or the error the operation threw there. */
export type ClusterAnswer =
  { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** What a broker calls back. */
export interface BrokerHandlers {
  /** A batch of messages another member published to a topic this member hears. */
  message(topic: string, batch: Buffer): void;
  /** Another member asks. */
  request(req: ClusterRequest, from: string): Promise<ClusterAnswer>;
  /** This member's heartbeat. */
  info(): MemberInfo;
}

/** Counters of one broker. */
export interface BrokerStats {
  /** Batches handed to the broker. */
  sent: number;
  /** Batches received from others. */
  received: number;
  /** Messages not delivered: sent while the broker was unreachable, over the in-flight bound, or lost on the way (a gap in a publisher's numbering). */
  dropped: number;
  /** Times the broker connection was lost and made again. */
  reconnects: number;
}

export interface Broker {
  readonly kind: 'memory' | 'ipc' | 'redis';
  /** This member's id. */
  readonly self: string;
  /** True while the broker can be reached. */
  readonly connected: boolean;
  readonly stats: BrokerStats;
  start(handlers: BrokerHandlers): Promise<void>;
  /** Sends a batch of `count` messages to the members that hear `topic`. False when dropped. */
  publish(topic: string, batch: Buffer, count: number): boolean;
  /** Starts (true) or stops hearing `topic`. */
  listen(topic: string, on: boolean): void;
  /**
   * Asks `member`. Rejects with `ClusterUnavailableError` at once when the broker is
   * unreachable, `ClusterMemberGoneError` when the member is not there, `ClusterTimeoutError`.
   */
  request(member: string, req: ClusterRequest, timeoutMs: number): Promise<ClusterAnswer>;
  /** The members alive as far as this one knows, itself included. */
  members(): MemberInfo[];
  close(): Promise<void>;
}
