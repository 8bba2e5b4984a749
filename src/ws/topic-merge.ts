/**
 * The slow path of a topic flush, for a subscriber that cannot take one topic's burst whole: it
 * is subscribed to several topics with waiting bursts (their frames are merged in publish
 * order), a message leaves it out (`ws.publish`), or the burst does not fit under its
 * send-buffer bound (it gets the messages that fit, in order, or is closed). The frames are
 * still the shared ones: runs of consecutive messages of one burst go out as views, in one
 * corked write.
 */
import type { Buffer } from 'node:buffer';
import type { WebSocketConnection } from './connection.js';
import type { TopicBurst } from './topic-burst.js';

/** Counters of one flush, and its number (a subscriber is written once per flush). */
export interface BurstWriteState {
  epoch: number;
  delivered: number;
  skipped: number;
  closed: number;
}

/** What the merge needs of a subscriber. */
export interface MergeSubscriber {
  epoch: number;
  readonly deflate: boolean;
}

/**
 * Writes every waiting message of `bursts` meant for `sub` to `ws`, in publish order.
 * `bursts` are the subscriber's topics' bursts of this flush.
 */
export function writeMerged<S extends MergeSubscriber>(
  ws: WebSocketConnection,
  sub: S,
  bursts: readonly TopicBurst<S>[],
  state: BurstWriteState,
  closeOnOverflow: boolean,
): void {
  sub.epoch = state.epoch;
  const deflate = sub.deflate;
  // The messages for sub, in publish order, as (burst, index) pairs.
  const order: number[] = [];
  const next = bursts.map(() => 0);
  for (;;) {
    let best = -1;
    let bestSeq = Infinity;
    for (let b = 0; b < bursts.length; b++) {
      const i = next[b];
      if (i < bursts[b].count && bursts[b].seqs[i] < bestSeq) {
        best = b;
        bestSeq = bursts[b].seqs[i];
      }
    }
    if (best < 0) break;
    const i = next[best]++;
    if (bursts[best].excludes[i] !== sub) order.push(best, i);
  }
  const count = order.length / 2;
  if (count === 0) return;
  const runOf = (b: number) => (deflate && bursts[b].deflated) || bursts[b].plain;
  const sizeOf = (b: number, i: number): number => {
    const ends = runOf(b).ends;
    return ends[i] - (i === 0 ? 0 : ends[i - 1]);
  };
  // What fits under the bound, in whole messages.
  const room = ws.maxBufferedBytes - ws.bufferedAmount;
  let fit = 0;
  let size = 0;
  while (fit < count) {
    const s = sizeOf(order[2 * fit], order[2 * fit + 1]);
    if (size + s > room) break;
    size += s;
    fit++;
  }
  if (fit < count && closeOnOverflow) {
    // Over the bound: sendEncoded closes the connection with 1008.
    ws.sendEncoded([], ws.maxBufferedBytes + 1, undefined, true);
    state.skipped += count;
    state.closed++;
    return;
  }
  state.skipped += count - fit;
  if (fit === 0) return;
  const frames: Buffer[] = [];
  let deflated = false;
  for (let k = 0; k < fit;) {
    const b = order[2 * k];
    const from = order[2 * k + 1];
    let to = from + 1;
    k++;
    while (k < fit && order[2 * k] === b && order[2 * k + 1] === to) {
      to++;
      k++;
    }
    const run = runOf(b);
    if (run !== bursts[b].plain) deflated = true;
    frames.push(run.view(from, to));
  }
  const r = ws.sendEncoded(frames, size, undefined, false, fit, deflated);
  if (r === -2) {
    for (let k = 0; k < fit; k++) {
      const burst = bursts[order[2 * k]];
      const i = order[2 * k + 1];
      ws.send(burst.opcodes[i], burst.payloads[i]);
    }
  } else if (r < 0) {
    state.skipped += fit;
    return;
  }
  state.delivered += fit;
}
