/**
 * The default broker: one process, nothing to configure. Publishes have no one else to reach;
 * a question to this member is answered here.
 */
import type { Buffer } from 'node:buffer';
import type {
  Broker,
  BrokerHandlers,
  BrokerStats,
  ClusterAnswer,
  ClusterRequest,
  MemberInfo,
} from './broker.js';
import { ClusterMemberGoneError } from './errors.js';

export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const;
  readonly connected = true;
  readonly stats: BrokerStats = { sent: 0, received: 0, dropped: 0, reconnects: 0 };
  #handlers: BrokerHandlers | undefined;

  constructor(readonly self: string) {}

  async start(handlers: BrokerHandlers): Promise<void> {
    this.#handlers = handlers;
  }

  publish(_topic: string, _batch: Buffer, _count: number): boolean {
    return true;
  }

  listen(): void {}

  request(member: string, req: ClusterRequest): Promise<ClusterAnswer> {
    if (member !== this.self || this.#handlers === undefined) {
      return Promise.reject(new ClusterMemberGoneError(member));
    }
    return this.#handlers.request(req, this.self);
  }

  members(): MemberInfo[] {
    return this.#handlers === undefined ? [] : [this.#handlers.info()];
  }

  async close(): Promise<void> {
    this.#handlers = undefined;
  }
}
