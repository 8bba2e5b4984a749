/**
 * The broker over Redis, for members on many machines: topics are Redis pub/sub channels
 * (`<prefix>:t:<topic>`, subscribed only while a local subscriber is there), each member has a
 * channel for the questions it is asked (`<prefix>:m:<id>`), and members announce themselves
 * every `heartbeatMs` on `<prefix>:hb` and with a key that expires after `ttlMs`
 * (`<prefix>:member:<id>`, for outside tools). A member not heard for `ttlMs` leaves the list.
 *
 * Losing Redis: the member hears its own heartbeat come back through Redis, so a silent link
 * (a partition) is noticed within `ttlMs`, not when TCP gives up. Then both connections are
 * dropped, questions waiting fail with `ClusterUnavailableError`, new ones fail at once,
 * publishes are counted as dropped, and the member tries again with a backoff (100 ms doubling
 * to 2 s); once back it subscribes again and announces itself. Local work never stops.
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
import { ClusterMemberGoneError, ClusterUnavailableError } from './errors.js';
import { PendingRequests } from './pending.js';
import { redisClient, type RedisConnection } from './redis-client.js';

export interface RedisBrokerOptions {
  url: string;
  /** Prefix of every key and channel, so that several clusters can share one Redis. Default `connchan`. */
  prefix?: string;
  /** Heartbeat interval. Default 1000 ms. */
  heartbeatMs?: number;
  /** A member not heard for this long has left. Default 3000 ms. */
  ttlMs?: number;
  /** Connecting to Redis gives up after this long. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Bytes of publishes waiting for Redis before more are dropped. Default 64 MiB. */
  maxInFlightBytes?: number;
}

type ControlMessage =
  | { t: 'req'; id: number; from: string; req: ClusterRequest }
  | { t: 'res'; id: number; answer: ClusterAnswer };

interface Beat extends MemberInfo {
  hello?: boolean;
  bye?: boolean;
}

const MAX_RETRY_MS = 2000;

export class RedisBroker implements Broker {
  readonly kind = 'redis' as const;
  readonly stats: BrokerStats = { sent: 0, received: 0, dropped: 0, reconnects: 0 };
  readonly #url: string;
  readonly #prefix: string;
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #connectTimeoutMs: number;
  readonly #maxInFlight: number;
  readonly #pending = new PendingRequests();
  readonly #topics = new Set<string>();
  readonly #view = new Map<string, { info: MemberInfo; seen: number }>();
  #handlers: BrokerHandlers | undefined;
  #pub: RedisConnection | undefined;
  #sub: RedisConnection | undefined;
  #connected = false;
  #connecting = false;
  #closing = false;
  /** Bumped at every loss, so that late events of old connections are ignored. */
  #session = 0;
  /**
   * When the oldest of our beats that has not come back through Redis went out; undefined when
   * none is out. Measured from a beat sent, not from the last one heard, so that a stall of
   * this process (which sends no beats meanwhile) is not taken for a dead link.
   */
  #beatOutSince: number | undefined;
  #inFlight = 0;
  #retryMs = 100;
  #everConnected = false;
  #tick: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  readonly #onControl = (message: Buffer, channel: Buffer): void => this.#control(message, channel);
  readonly #onTopic = (message: Buffer, channel: Buffer): void => {
    this.stats.received++;
    this.#handlers?.message(channel.toString().slice(this.#prefix.length + 3), message);
  };

  constructor(
    readonly self: string,
    options: RedisBrokerOptions,
  ) {
    this.#url = options.url;
    this.#prefix = options.prefix ?? 'connchan';
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#ttlMs = options.ttlMs ?? 3000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.#maxInFlight = options.maxInFlightBytes ?? 64 * 1024 * 1024;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Connects and announces this member. When Redis cannot be reached the member still starts
   * (it serves its own connections) and keeps trying in the background.
   *
   * @throws RedisClientMissingError when the package `redis` is not installed.
   */
  async start(handlers: BrokerHandlers): Promise<void> {
    this.#handlers = handlers;
    this.#tick = setInterval(() => this.#onTick(), this.#heartbeatMs);
    this.#tick.unref();
    await redisClient(this.#url, this.#connectTimeoutMs); // fails early when the client is missing
    await this.#connect();
  }

  publish(topic: string, batch: Buffer, count: number): boolean {
    const pub = this.#pub;
    if (!this.#connected || pub === undefined || this.#inFlight > this.#maxInFlight) return false;
    const size = batch.length;
    this.#inFlight += size;
    this.stats.sent++;
    pub.publish(this.#topicChannel(topic), batch).then(
      () => (this.#inFlight -= size),
      () => {
        this.#inFlight -= size;
        this.stats.dropped += count;
      },
    );
    return true;
  }

  listen(topic: string, on: boolean): void {
    if (on) this.#topics.add(topic);
    else this.#topics.delete(topic);
    const sub = this.#sub;
    if (!this.#connected || sub === undefined) return;
    const channel = this.#topicChannel(topic);
    const done = on ? sub.subscribe(channel, this.#onTopic, true) : sub.unsubscribe(channel);
    done.catch(() => {}); // a lost connection is noticed by the heartbeat; it subscribes again
  }

  request(member: string, req: ClusterRequest, timeoutMs: number): Promise<ClusterAnswer> {
    const handlers = this.#handlers;
    if (member === this.self && handlers !== undefined) return handlers.request(req, this.self);
    const pub = this.#pub;
    if (!this.#connected || pub === undefined) {
      return Promise.reject(new ClusterUnavailableError(`Redis at ${this.#url} is not reachable`));
    }
    if (!this.#view.has(member)) return Promise.reject(new ClusterMemberGoneError(member));
    const { id, answer } = this.#pending.add(member, timeoutMs);
    const msg: ControlMessage = { t: 'req', id, from: this.self, req };
    pub.publish(this.#memberChannel(member), JSON.stringify(msg)).then(
      (receivers) => receivers === 0 && this.#pending.fail(id, new ClusterMemberGoneError(member)),
      (err: unknown) => this.#pending.fail(id, new ClusterUnavailableError('publish failed', err)),
    );
    return answer;
  }

  members(): MemberInfo[] {
    const out = [...this.#view.values()].map((v) => v.info);
    const self = this.#handlers?.info();
    return self === undefined ? out : [self, ...out];
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#tick);
    clearTimeout(this.#retry);
    const pub = this.#pub;
    const info = this.#handlers?.info();
    if (this.#connected && pub !== undefined && info !== undefined) {
      const bye: Beat = { ...info, bye: true };
      await withTimeout(
        Promise.all([
          pub.publish(this.#hbChannel(), JSON.stringify(bye)),
          pub.del(this.#memberKey()),
        ]),
        this.#heartbeatMs,
      ).catch(() => {});
    }
    this.#drop(new ClusterUnavailableError('this member left the cluster'));
    this.#handlers = undefined;
  }

  // --- connection ------------------------------------------------------------------------------

  async #connect(): Promise<void> {
    if (this.#connecting || this.#closing) return;
    this.#connecting = true;
    const session = ++this.#session;
    let pub: RedisConnection | undefined;
    let sub: RedisConnection | undefined;
    const lost = (err?: unknown) => {
      if (session === this.#session) this.#lost(err);
    };
    try {
      pub = await redisClient(this.#url, this.#connectTimeoutMs);
      pub.on('error', lost);
      pub.on('end', lost);
      await pub.connect();
      sub = pub.duplicate();
      sub.on('error', lost);
      sub.on('end', lost);
      await sub.connect();
      await sub.subscribe(
        [this.#memberChannel(this.self), this.#hbChannel()],
        this.#onControl,
        true,
      );
      if (this.#topics.size > 0) {
        await sub.subscribe(
          [...this.#topics].map((t) => this.#topicChannel(t)),
          this.#onTopic,
          true,
        );
      }
      if (session !== this.#session || this.#closing) throw new Error('superseded');
      this.#pub = pub;
      this.#sub = sub;
      this.#connected = true;
      this.#retryMs = 100;
      this.#beatOutSince = undefined;
      if (this.#everConnected) this.stats.reconnects++;
      this.#everConnected = true;
      this.#beat(true);
    } catch (err) {
      for (const c of [pub, sub]) if (c !== undefined) destroyQuietly(c);
      if (session === this.#session) this.#scheduleRetry();
      if (!this.#everConnected && !(err instanceof Error && err.message === 'superseded')) {
        console.error(
          `connchan cluster: Redis at ${this.#url} not reachable yet (${String(err)}); retrying`,
        );
      }
    } finally {
      this.#connecting = false;
    }
  }

  #lost(err?: unknown): void {
    if (!this.#connected) return;
    this.#drop(new ClusterUnavailableError(`lost the connection to Redis at ${this.#url}`, err));
    this.#scheduleRetry();
  }

  #drop(err: Error): void {
    this.#session++;
    this.#connected = false;
    for (const c of [this.#pub, this.#sub]) if (c !== undefined) destroyQuietly(c);
    this.#pub = this.#sub = undefined;
    this.#inFlight = 0;
    // Cut off, this member knows nothing of the others: the list fills again from the beats
    // heard after it is back, so a member listed is one that is connected now.
    this.#view.clear();
    this.#pending.failAll(err);
  }

  #scheduleRetry(): void {
    if (this.#closing || this.#retry !== undefined) return;
    const wait = this.#retryMs * (0.75 + Math.random() / 2);
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, wait);
    this.#retry.unref();
  }

  // --- heartbeats and the member list ----------------------------------------------------------

  #onTick(): void {
    // Judged after this turn's I/O: after a stall of the event loop (a loaded machine, a long
    // GC) the timers run before the socket is read, and the beats waiting in it are not late.
    setImmediate(this.#judge);
  }

  readonly #judge = (): void => {
    if (this.#closing) return;
    const now = Date.now();
    for (const [id, v] of this.#view) if (now - v.seen > this.#ttlMs) this.#view.delete(id);
    if (!this.#connected) return;
    // Our own heartbeat went out through Redis and did not come back: the link is dead.
    if (this.#beatOutSince !== undefined && now - this.#beatOutSince > this.#ttlMs) {
      this.#lost(new Error('own heartbeat did not come back'));
      return;
    }
    this.#beat(false);
  };

  #beat(hello: boolean): void {
    const pub = this.#pub;
    const info = this.#handlers?.info();
    if (pub === undefined || info === undefined) return;
    const text = JSON.stringify({ ...info, ...(hello && { hello: true }) } satisfies Beat);
    const session = this.#session;
    this.#beatOutSince ??= Date.now();
    withTimeout(
      Promise.all([
        pub.publish(this.#hbChannel(), text),
        pub.set(this.#memberKey(), text, { PX: this.#ttlMs }),
      ]),
      this.#ttlMs,
    ).catch((err: unknown) => {
      if (session === this.#session) this.#lost(err);
    });
  }

  #control(message: Buffer, channel: Buffer): void {
    let m: unknown;
    try {
      m = JSON.parse(message.toString());
    } catch {
      return;
    }
    if (channel.toString() === this.#hbChannel()) this.#heard(m as Beat);
    else void this.#answer(m as ControlMessage);
  }

  #heard(beat: Beat): void {
    if (typeof beat?.id !== 'string') return;
    if (beat.id === this.self) {
      this.#beatOutSince = undefined;
      return;
    }
    if (beat.bye) {
      this.#view.delete(beat.id);
      return;
    }
    const { hello: _h, bye: _b, ...info } = beat;
    const known = this.#view.has(beat.id);
    this.#view.set(beat.id, { info, seen: Date.now() });
    // A newcomer (or one back after a partition) learns about us at once.
    if (beat.hello || !known) this.#beat(false);
  }

  async #answer(m: ControlMessage): Promise<void> {
    if (m?.t === 'res') {
      this.#pending.settle(m.id, m.answer);
      return;
    }
    if (m?.t !== 'req' || this.#handlers === undefined) return;
    const answer = await this.#handlers.request(m.req, m.from);
    const msg: ControlMessage = { t: 'res', id: m.id, answer };
    this.#pub?.publish(this.#memberChannel(m.from), JSON.stringify(msg)).catch(() => {});
  }

  #topicChannel(topic: string): string {
    return `${this.#prefix}:t:${topic}`;
  }
  #memberChannel(id: string): string {
    return `${this.#prefix}:m:${id}`;
  }
  #hbChannel(): string {
    return `${this.#prefix}:hb`;
  }
  #memberKey(): string {
    return `${this.#prefix}:member:${this.self}`;
  }
}

function destroyQuietly(c: RedisConnection): void {
  try {
    c.destroy();
  } catch {
    // already closed
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      // Judged after this turn's I/O: after a stall the answer may be waiting in the socket.
      const late = () => reject(new Error(`no answer from Redis within ${ms} ms`));
      timer = setTimeout(() => setImmediate(late), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
