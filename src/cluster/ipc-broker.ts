/**
 * The broker of a node:cluster worker: everything goes to the primary over the IPC channel,
 * which routes it (ipc-router.ts). No Redis, one machine. Sends are bounded: past
 * `maxInFlightBytes` not yet handed to the pipe, publishes are dropped and counted.
 */
import { Buffer } from 'node:buffer';
import type {
  Broker,
  BrokerHandlers,
  BrokerStats,
  ClusterAnswer,
  ClusterRequest,
  MemberInfo,
} from './broker.js';
import { ClusterMemberGoneError, ClusterUnavailableError } from './errors.js';
import { isIpcMessage, type IpcMessage } from './ipc-messages.js';
import { PendingRequests } from './pending.js';

export interface IpcBrokerOptions {
  /** Bytes of publishes on their way to the primary before more are dropped. Default 64 MiB. */
  maxInFlightBytes?: number;
  /** How often the member's info goes to the primary. Default 1000 ms. */
  heartbeatMs?: number;
}

export class IpcBroker implements Broker {
  readonly kind = 'ipc' as const;
  readonly stats: BrokerStats = { sent: 0, received: 0, dropped: 0, reconnects: 0 };
  readonly #pending = new PendingRequests();
  readonly #maxInFlight: number;
  readonly #heartbeatMs: number;
  #inFlight = 0;
  #handlers: BrokerHandlers | undefined;
  #members: MemberInfo[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #onMessage = (m: unknown): void => this.#receive(m);

  constructor(
    readonly self: string,
    options: IpcBrokerOptions = {},
  ) {
    if (typeof process.send !== 'function') {
      throw new ClusterUnavailableError('this process has no IPC channel (not a cluster worker)');
    }
    this.#maxInFlight = options.maxInFlightBytes ?? 64 * 1024 * 1024;
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
  }

  get connected(): boolean {
    return process.connected;
  }

  async start(handlers: BrokerHandlers): Promise<void> {
    this.#handlers = handlers;
    process.on('message', this.#onMessage);
    this.#send({ cc: 'hello', info: handlers.info() });
    this.#timer = setInterval(
      () => this.#send({ cc: 'info', info: handlers.info() }),
      this.#heartbeatMs,
    );
    this.#timer.unref();
  }

  publish(topic: string, batch: Buffer): boolean {
    if (!process.connected || this.#inFlight > this.#maxInFlight) return false;
    const size = batch.length;
    this.#inFlight += size;
    this.stats.sent++;
    (process.send as NonNullable<typeof process.send>)(
      { cc: 'pub', topic, batch } satisfies IpcMessage,
      undefined,
      {},
      () => {
        this.#inFlight -= size;
      },
    );
    return true;
  }

  listen(topic: string, on: boolean): void {
    this.#send({ cc: 'listen', topic, on });
  }

  request(member: string, req: ClusterRequest, timeoutMs: number): Promise<ClusterAnswer> {
    if (!process.connected) {
      return Promise.reject(new ClusterUnavailableError('the primary process is gone'));
    }
    if (!this.#members.some((m) => m.id === member) && member !== this.self) {
      return Promise.reject(new ClusterMemberGoneError(member));
    }
    const { id, answer } = this.#pending.add(member, timeoutMs);
    this.#send({ cc: 'req', id, from: this.self, to: member, req });
    return answer;
  }

  members(): MemberInfo[] {
    const self = this.#handlers?.info();
    const others = this.#members.filter((m) => m.id !== this.self);
    return self === undefined ? others : [self, ...others];
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    process.off('message', this.#onMessage);
    this.#pending.failAll(new ClusterUnavailableError('this member left the cluster'));
    this.#handlers = undefined;
  }

  #send(m: IpcMessage): void {
    if (process.connected) (process.send as NonNullable<typeof process.send>)(m);
  }

  #receive(m: unknown): void {
    if (!isIpcMessage(m)) return;
    const h = this.#handlers;
    if (h === undefined) return;
    switch (m.cc) {
      case 'pub':
        this.stats.received++;
        h.message(
          m.topic,
          Buffer.isBuffer(m.batch)
            ? m.batch
            : Buffer.from(m.batch.buffer, m.batch.byteOffset, m.batch.byteLength),
        );
        return;
      case 'req':
        void h
          .request(m.req, m.from)
          .then((answer) => this.#send({ cc: 'res', id: m.id, to: m.from, answer }));
        return;
      case 'res':
        if (!m.answer.ok && m.answer.code === 'ERR_CLUSTER_MEMBER_GONE') {
          this.#pending.fail(m.id, new ClusterMemberGoneError(m.answer.message));
        } else {
          this.#pending.settle(m.id, m.answer);
        }
        return;
      case 'members':
        this.#members = m.members;
        return;
    }
  }
}
