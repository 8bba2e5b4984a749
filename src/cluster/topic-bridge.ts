/**
 * Carries topic messages between members: a turn's publishes to a topic leave as one batch
 * (one broker message, not one per publish), and a batch from another member is delivered to
 * this member's subscribers. Each publisher numbers its messages per topic, so that a receiver
 * notices a gap (messages lost on the way: at-most-once) and counts it as dropped; a batch
 * from this member coming back (Redis echoes to every subscriber) is ignored.
 */
import type { Buffer } from 'node:buffer';
import { publishLocal, setTopicRelay, type TopicRelay } from '../ws/topics.js';
import type { Broker } from './broker.js';
import { decodeBatch, encodeBatch } from './wire.js';

/** Past this many topics (or publisher × topic pairs) the numbering starts afresh. */
const MAX_TRACKED = 100_000;

interface Outgoing {
  payloads: Buffer[];
  binary: boolean[];
}

export class TopicBridge implements TopicRelay {
  readonly #broker: Broker;
  #out = new Map<string, Outgoing>();
  #scheduled = false;
  readonly #nextSeq = new Map<string, number>();
  readonly #expected = new Map<string, number>();
  /** Messages delivered here that came from other members. */
  remoteDelivered = 0;

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  /** Makes every publish in this process go through the bridge too. */
  install(): void {
    setTopicRelay(this);
  }

  uninstall(): void {
    this.flush();
    setTopicRelay(undefined);
  }

  publish(topic: string, payload: Buffer, binary: boolean): void {
    let o = this.#out.get(topic);
    if (o === undefined) {
      o = { payloads: [], binary: [] };
      this.#out.set(topic, o);
    }
    o.payloads.push(payload);
    o.binary.push(binary);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  interest(topic: string, subscribed: boolean): void {
    this.#broker.listen(topic, subscribed);
    if (!subscribed) this.forget(topic);
  }

  /** Sends the waiting batches now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#out.size === 0) return;
    const out = this.#out;
    this.#out = new Map();
    const self = this.#broker.self;
    for (const [topic, o] of out) {
      if (this.#nextSeq.size > MAX_TRACKED) this.#nextSeq.clear();
      const seq = this.#nextSeq.get(topic) ?? 0;
      this.#nextSeq.set(topic, (seq + o.payloads.length) >>> 0);
      const batch = encodeBatch(self, seq, o.payloads, o.binary);
      if (!this.#broker.publish(topic, batch, o.payloads.length)) {
        this.#broker.stats.dropped += o.payloads.length;
      }
    }
  }

  /** A batch from the broker. */
  receive(topic: string, bytes: Buffer): void {
    const batch = decodeBatch(bytes);
    if (batch.publisher === this.#broker.self) return;
    const stats = this.#broker.stats;
    stats.received++;
    const key = `${batch.publisher}\n${topic}`;
    const expected = this.#expected.get(key);
    // A gap: messages lost on the way. (A smaller number: the publisher started afresh.)
    if (expected !== undefined && batch.firstSeq > expected)
      stats.dropped += batch.firstSeq - expected;
    if (this.#expected.size > MAX_TRACKED) this.#expected.clear();
    this.#expected.set(key, (batch.firstSeq + batch.payloads.length) >>> 0);
    for (let i = 0; i < batch.payloads.length; i++) {
      publishLocal(topic, batch.payloads[i], batch.binary[i]);
    }
    this.remoteDelivered += batch.payloads.length;
  }

  /** Forgets the numbering of a topic no longer heard (its next batch starts a new count). */
  forget(topic: string): void {
    for (const key of this.#expected.keys())
      if (key.endsWith(`\n${topic}`)) this.#expected.delete(key);
  }
}
