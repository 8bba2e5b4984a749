/**
 * Topics: publish once, deliver to every subscriber. Subscribers are WebSockets (they get the
 * message as a frame, encoded once per publish, and compressed once for those that agreed to
 * permessage-deflate) and raw channels (they get the bytes as given). A connection leaves its
 * topics when it closes.
 *
 * A turn of the event loop's publishes leave together: each topic's frames are gathered in one
 * buffer ({@link TopicBurst}) and written at the end of the turn as one view per WebSocket (a
 * burst of 1,000 messages costs each subscriber one write, not 1,000), and nothing is allocated
 * per subscriber. Order is kept: a subscriber of several topics gets their frames merged in
 * publish order, a frame sent directly on a subscriber has the waiting bursts written first
 * (see publish-order.ts), and a membership change lets the waiting bursts go before it.
 * Raw channels get their bytes at once, into a socket corked until the end of the turn.
 *
 * A subscriber over its send-buffer bound gets the messages that fit and skips the rest, or,
 * with `onOverflow: 'close'`, is closed (1008 for a WebSocket), as `broadcast` does.
 *
 * In a cluster (`connchan/cluster`) a relay carries every publish to the other processes, which
 * deliver it with {@link publishLocal}, and hears which topics this process has subscribers for.
 */
import { Buffer } from 'node:buffer';
import { isChannel, type Channel } from '../channels/channel.js';
import { processState } from '../process-state.js';
import { findChannel } from '../channels/channel-table.js';
import { UsageError } from '../errors.js';
import type { WebSocketConnection } from './connection.js';
import { waitingPublishes } from './publish-order.js';
import { lookup } from './registry.js';
import { SHARED_DEFLATE_WINDOW_BITS, TopicBurst } from './topic-burst.js';
import { writeMerged, type BurstWriteState } from './topic-merge.js';

/** Options of {@link publish}. */
export interface PublishOptions {
  /** Send as a binary message. Default: true for bytes, false for a string. */
  binary?: boolean;
  /** A subscriber over its send-buffer bound skips what does not fit (default) or is closed. */
  onOverflow?: 'skip' | 'close';
  /** A connection left out (Bun's `ws.publish` leaves out the publisher). */
  exclude?: WebSocketConnection | Channel | string;
}

/** Counters of this process's topics since it started. */
export interface TopicStats {
  /** Messages published here (to local subscribers and, in a cluster, to the others). */
  published: number;
  /** Messages handed to subscribers' sockets (one per subscriber per message). */
  delivered: number;
  /** Messages a subscriber did not get: closing, over its bound, or mid-fragment. */
  skipped: number;
  /** Subscribers closed because they were over their bound (`onOverflow: 'close'`). */
  closed: number;
}

/** Where a cluster hooks in: publishes to carry elsewhere, and topics heard here. */
export interface TopicRelay {
  publish(topic: string, payload: Buffer, binary: boolean): void;
  /** The first local subscriber of `topic` came (true) or the last one left (false). */
  interest(topic: string, subscribed: boolean): void;
}

/** A subscribing connection: a WebSocket, or a raw channel. */
export type Subscribable = WebSocketConnection | Channel | string;

class Subscriber {
  readonly topics = new Set<Topic>();
  /** The last flush that wrote to it (a subscriber of several topics is written once). */
  epoch = 0;
  /** Corked for the rest of the turn (raw channels). */
  corked = false;
  constructor(
    readonly channel: Channel,
    readonly ws: WebSocketConnection | undefined,
    /** Takes frames compressed by the shared compressor. */
    readonly deflate: boolean,
  ) {}
}

class Topic {
  readonly subs = new Set<Subscriber>();
  readonly burst = new TopicBurst<Subscriber>();
  wsSubs = 0;
  rawSubs = 0;
  deflateSubs = 0;
  /** Some publish of this burst asked `onOverflow: 'close'`. */
  closeOnOverflow = false;
  constructor(readonly name: string) {}
}

/** A burst bigger than this is written at once rather than at the end of the turn. */
const MAX_BURST_BYTES = 8 * 1024 * 1024;

/**
 * The topics of the process, shared by every copy of connchan loaded (see process-state.ts): a
 * subscriber made through `require` hears what is published through `import`, and one end of
 * turn writes every copy's bursts.
 */
const shared = processState('ws/topics@2', () => ({
  topics: new Map<string, Topic>(),
  // Weak, not a Map: a Map churned by connections keeps closed ones for the young GC to promote
  // (io/slot-registry.ts).
  subscribers: new WeakMap<Channel, Subscriber>(),
  waiting: [] as Topic[],
  corked: [] as Subscriber[],
  scheduled: false,
  seq: 0,
  relay: undefined as TopicRelay | undefined,
  stats: { published: 0, delivered: 0, skipped: 0, closed: 0 } as TopicStats,
  writeState: { epoch: 0, delivered: 0, skipped: 0, closed: 0 } as BurstWriteState,
}));
const { topics, subscribers, corked, stats, writeState } = shared;

function subscriberOf(who: Subscribable, create: boolean): Subscriber | undefined {
  let channel: Channel;
  let ws: WebSocketConnection | undefined;
  if (isChannel(who)) {
    channel = who;
    const owner = who.owner as WebSocketConnection | undefined;
    ws = owner !== undefined && typeof owner.sendEncoded === 'function' ? owner : undefined;
  } else if (typeof who === 'string') {
    try {
      ws = lookup(who);
      channel = ws.channel;
    } catch {
      channel = findChannel(who);
    }
  } else {
    ws = who;
    channel = who.channel;
  }
  let sub = subscribers.get(channel);
  if (sub === undefined && create) {
    if (channel.gone) {
      throw new UsageError(`${channel.name} is closed and cannot subscribe`, {
        code: 'ERR_TOPIC_CLOSED_SUBSCRIBER',
      });
    }
    const deflate = ws !== undefined && ws.deflateWindowBits === SHARED_DEFLATE_WINDOW_BITS;
    sub = new Subscriber(channel, ws, deflate);
    subscribers.set(channel, sub);
    channel.onGone(leaveAll);
  }
  return sub;
}

function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 1024) {
    throw new UsageError('a topic is a string of 1 to 1024 characters', {
      code: 'ERR_TOPIC_INVALID',
    });
  }
}

/**
 * Subscribes a WebSocket or a raw channel (the object or its name) to `topic`. Subscribing
 * twice is the same as once.
 *
 * @throws UsageError `ERR_TOPIC_INVALID` for an empty or over-long topic,
 *   `ERR_TOPIC_CLOSED_SUBSCRIBER` for a closed channel; the channel verbs' not-found error for
 *   an unknown name.
 * @example
 * ```ts
 * live(http, '/chat/*', (sock, type) => {
 *   if (type === 'connect') subscribe(sock, lookup(sock).path ?? '/chat');
 * });
 * publish('/chat/lobby', 'hello, lobby');
 * ```
 */
export function subscribe(who: Subscribable, topic: string): void {
  checkTopic(topic);
  const sub = subscriberOf(who, true) as Subscriber;
  let t = topics.get(topic);
  if (t?.subs.has(sub)) return;
  if (t !== undefined && t.burst.count > 0) {
    flushPublishes();
    t = topics.get(topic); // a topic left by all its subscribers is gone after the flush
  }
  if (t === undefined) {
    t = new Topic(topic);
    topics.set(topic, t);
  }
  t.subs.add(sub);
  sub.topics.add(t);
  if (sub.ws === undefined) t.rawSubs++;
  else t.wsSubs++;
  if (sub.deflate) t.deflateSubs++;
  if (t.subs.size === 1) shared.relay?.interest(topic, true);
}

/**
 * Leaves `topic`. Returns false when the connection was not subscribed to it.
 *
 * @example
 * ```ts
 * unsubscribe(sock, '/chat/lobby');
 * ```
 */
export function unsubscribe(who: Subscribable, topic: string): boolean {
  const sub = subscriberOf(who, false);
  const t = topics.get(topic);
  if (sub === undefined || t === undefined || !t.subs.has(sub)) return false;
  // What was published before leaving is still delivered.
  if (t.burst.count > 0) flushPublishes();
  leave(sub, t);
  return true;
}

function leave(sub: Subscriber, t: Topic): void {
  t.subs.delete(sub);
  sub.topics.delete(t);
  if (sub.ws === undefined) t.rawSubs--;
  else t.wsSubs--;
  if (sub.deflate) t.deflateSubs--;
  if (t.subs.size === 0) {
    if (t.burst.count === 0) topics.delete(t.name);
    shared.relay?.interest(t.name, false);
  }
}

/** A channel left its table: its subscriptions end. One function for every channel. */
function leaveAll(channel: Channel): void {
  const sub = subscribers.get(channel);
  if (sub === undefined) return;
  subscribers.delete(channel);
  for (const t of sub.topics) leave(sub, t);
}

/** Whether the connection is subscribed to `topic`. */
export function isSubscribed(who: Subscribable, topic: string): boolean {
  const sub = subscriberOf(who, false);
  return sub !== undefined && (topics.get(topic)?.subs.has(sub) ?? false);
}

/**
 * The topics a connection is subscribed to.
 *
 * @example
 * ```ts
 * topicsOf('conn7'); // ['/chat/lobby', 'news']
 * ```
 */
export function topicsOf(who: Subscribable): string[] {
  const sub = subscriberOf(who, false);
  return sub === undefined ? [] : [...sub.topics].map((t) => t.name);
}

/**
 * How many connections of this process are subscribed to `topic` (Bun's `subscriberCount`).
 *
 * @example
 * ```ts
 * if (subscriberCount('news') === 0) stopFeed();
 * ```
 */
export function subscriberCount(topic: string): number {
  return topics.get(topic)?.subs.size ?? 0;
}

/** Every topic with a local subscriber, and how many it has. */
export function topicCounts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of topics.values()) if (t.subs.size > 0) out.set(t.name, t.subs.size);
  return out;
}

/**
 * Publishes `data` to every subscriber of `topic`: here and, in a cluster, in every other
 * process. A string goes as a text message and bytes as binary unless `binary` says otherwise.
 * The frames leave at the end of this turn of the event loop, together with the turn's other
 * publishes. Returns how many local subscribers it was queued for.
 *
 * @throws UsageError `ERR_TOPIC_INVALID` for an empty or over-long topic.
 * @example
 * ```ts
 * publish('news', JSON.stringify({ headline }));
 * publish('ticks', new Uint8Array([1, 2, 3])); // binary
 * ```
 */
export function publish(
  topic: string,
  data: string | Uint8Array,
  options?: PublishOptions,
): number {
  checkTopic(topic);
  const payload =
    typeof data === 'string'
      ? Buffer.from(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const binary = options?.binary ?? typeof data !== 'string';
  stats.published++;
  shared.relay?.publish(topic, payload, binary);
  return deliver(topic, payload, binary, options);
}

/**
 * Delivers a message to this process's subscribers only: what a cluster calls with a message
 * another process published. `payload` must not change afterwards.
 *
 * @example
 * ```ts
 * publishLocal('news', Buffer.from('{"headline":"…"}'), false);
 * ```
 */
export function publishLocal(topic: string, payload: Buffer, binary: boolean): number {
  return deliver(topic, payload, binary, undefined);
}

function deliver(
  topic: string,
  payload: Buffer,
  binary: boolean,
  options: PublishOptions | undefined,
): number {
  const t = topics.get(topic);
  if (t === undefined || t.subs.size === 0) return 0;
  let exclude: Subscriber | undefined;
  if (options?.exclude !== undefined) {
    exclude = subscriberOf(options.exclude, false);
    if (exclude !== undefined && !t.subs.has(exclude)) exclude = undefined;
  }
  const closeOnOverflow = options?.onOverflow === 'close';
  if (t.rawSubs > 0) writeRaw(t, payload, exclude, closeOnOverflow);
  if (t.wsSubs > 0) {
    const burst = t.burst;
    if (burst.count === 0) {
      shared.waiting.push(t);
      if (!shared.scheduled) {
        shared.scheduled = true;
        setImmediate(flushPublishes);
      }
      waitingPublishes.pending = true;
    }
    burst.append(shared.seq++, binary, payload, exclude, t.deflateSubs > 0);
    if (closeOnOverflow) t.closeOnOverflow = true;
    if (burst.bytes > MAX_BURST_BYTES) flushPublishes();
  }
  return exclude === undefined ? t.subs.size : t.subs.size - 1;
}

/** Raw channels get the bytes at once, in a socket corked until the end of the turn. */
function writeRaw(
  t: Topic,
  payload: Buffer,
  exclude: Subscriber | undefined,
  close: boolean,
): void {
  for (const sub of t.subs) {
    if (sub.ws !== undefined || sub === exclude) continue;
    const ch = sub.channel;
    if (ch.closed || !ch.transport.writable) {
      stats.skipped++;
      continue;
    }
    if (ch.sendBuffer + payload.length > ch.limits.maxSendBufferBytes) {
      stats.skipped++;
      if (close) {
        stats.closed++;
        ch.close();
      }
      continue;
    }
    if (!sub.corked) {
      sub.corked = true;
      ch.transport.cork();
      corked.push(sub);
      if (!shared.scheduled) {
        shared.scheduled = true;
        setImmediate(flushPublishes);
      }
    }
    ch.write(payload);
    stats.delivered++;
  }
}

/**
 * Writes every waiting burst now (normally done at the end of the turn). Called before a
 * direct send on a WebSocket and before a membership change, so that order is kept.
 */
export function flushPublishes(): void {
  shared.scheduled = false;
  waitingPublishes.pending = false;
  const list = shared.waiting;
  if (list.length > 0) {
    shared.waiting = [];
    const state = writeState;
    state.epoch++;
    state.delivered = state.skipped = state.closed = 0;
    for (const t of list) writeBurst(t, state);
    for (const t of list) {
      t.burst.reset();
      t.closeOnOverflow = false;
      if (t.subs.size === 0) topics.delete(t.name);
    }
    stats.delivered += state.delivered;
    stats.skipped += state.skipped;
    stats.closed += state.closed;
  }
  for (const sub of corked) {
    sub.corked = false;
    if (!sub.channel.transport.destroyed) sub.channel.transport.uncork();
  }
  corked.length = 0;
}

function writeBurst(t: Topic, state: BurstWriteState): void {
  const burst = t.burst;
  const n = burst.count;
  const plain = [burst.plain.view(0, n)];
  const deflated = burst.deflated === undefined ? undefined : [burst.deflated.view(0, n)];
  const close = t.closeOnOverflow;
  for (const sub of t.subs) {
    const ws = sub.ws;
    if (ws === undefined || sub.epoch === state.epoch) continue;
    if (burst.hasExcludes || (sub.topics.size > 1 && otherWaiting(sub, t))) {
      writeMerged(ws, sub, waitingBursts(sub), state, close);
      continue;
    }
    sub.epoch = state.epoch;
    const frames = sub.deflate && deflated !== undefined ? deflated : plain;
    const size = frames[0].length;
    let r = ws.sendEncoded(frames, size, undefined, false, n, frames === deflated);
    if (r === -1 && ws.bufferedAmount + size > ws.maxBufferedBytes) {
      r = 0;
      writeMerged(ws, sub, waitingBursts(sub), state, close);
    } else if (r === -2) {
      for (let i = 0; i < n; i++) ws.send(burst.opcodes[i], burst.payloads[i]);
      state.delivered += n;
    } else if (r < 0) {
      state.skipped += n;
    } else {
      state.delivered += n;
    }
  }
}

/** Whether another topic of `sub` has a burst waiting in this flush. */
function otherWaiting(sub: Subscriber, t: Topic): boolean {
  for (const other of sub.topics) if (other !== t && other.burst.count > 0) return true;
  return false;
}

/** @internal The cluster's hook: publishes to carry elsewhere, topics subscribed here. */
export function setTopicRelay(r: TopicRelay | undefined): void {
  shared.relay = r;
}

/** Counters since the process started. */
export function topicStats(): TopicStats {
  return { ...stats };
}

/** The waiting bursts of a subscriber's topics. */
function waitingBursts(sub: Subscriber): TopicBurst<Subscriber>[] {
  const out: TopicBurst<Subscriber>[] = [];
  for (const t of sub.topics) if (t.burst.count > 0) out.push(t.burst);
  return out;
}

// The frame writer asks for waiting bursts before a direct send.
waitingPublishes.flush = flushPublishes;
