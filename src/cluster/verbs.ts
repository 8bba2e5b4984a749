/**
 * The channel verbs across the cluster: a name starts with its owner's id (`a7.2.conn5` is
 * owned by member `a7.2`), so `status`, `exists`, `close`, `write` and a WebSocket's `send` and
 * `close` go to the owner through the broker and resolve with its answer, or fail with a typed
 * error when the owner is gone, unreachable or too slow. A name this member owns (or one
 * without a member id) runs here at once: a local name never pays a broker round-trip.
 * `list({ cluster: true })` asks every member at once.
 */
import {
  exists as existsHere,
  list as listHere,
  status as statusHere,
  write as writeHere,
  type ChannelListEntry,
  type ChannelStatus,
} from '../channels/index.js';
import { lookup } from '../ws/index.js';
import type { MemberInfo } from './broker.js';
import { ClusterPartialError, ClusterRemoteError } from './errors.js';
import { currentNode, type ClusterNode } from './node.js';
import { decodeListing, type ClusterListEntry } from './list-codec.js';
import { answer, runLocal, toPayload } from './ops.js';

export type { ClusterListEntry } from './list-codec.js';

const OWNED = /^([a-z0-9-]{1,32}\.\d+)\.conn\d+$/;

/** The member id a channel name belongs to, or undefined for a name without one. */
export function ownerOf(name: string): string | undefined {
  return OWNED.exec(name)?.[1];
}

export interface ClusterCallOptions {
  /** How long the owner may take. Default: the member's `requestTimeoutMs` (2 s). */
  timeoutMs?: number;
}

async function ask(
  me: ClusterNode,
  member: string,
  op: string,
  args: Record<string, unknown>,
  options: ClusterCallOptions = {},
): Promise<unknown> {
  const req = { op, args };
  const a =
    member === me.id
      ? await answer(req)
      : await me.broker.request(member, req, options.timeoutMs ?? me.requestTimeoutMs);
  if (!a.ok) throw new ClusterRemoteError(member, a.message, a.code);
  return a.value;
}

/** Runs `here` for a local name, asks the owner otherwise. */
async function route<T>(
  name: string,
  here: () => T,
  op: string,
  args: Record<string, unknown>,
  options?: ClusterCallOptions,
): Promise<T> {
  const me = currentNode();
  const owner = ownerOf(name);
  if (owner === undefined || owner === me.id) return here();
  return (await ask(me, owner, op, { name, ...args }, options)) as T;
}

function withMember(e: ChannelListEntry, m: MemberInfo): ClusterListEntry {
  // A literal, not a spread: a listing of 10,000 channels makes 10,000 of these.
  return {
    name: e.name,
    worker: e.worker,
    start: e.start,
    driver: e.driver,
    peer: e.peer,
    sent: e.sent,
    received: e.received,
    clientData: e.clientData,
    callback: e.callback,
    condition: e.condition,
    member: m.id,
    node: m.node,
  };
}

/**
 * Lists channels: this member's, or with `cluster: true` every member's, asked in parallel.
 *
 * @throws ClusterPartialError when some members did not answer (its `partial` has the rest).
 * @example
 * ```ts
 * const all = await list({ cluster: true });
 * console.table(all.map((c) => ({ name: c.name, node: c.node, peer: c.peer })));
 * ```
 */
export async function list(
  options: ClusterCallOptions & { cluster?: boolean } = {},
): Promise<ClusterListEntry[]> {
  const me = currentNode();
  const self = me.info();
  if (options.cluster !== true) return listHere().map((e) => withMember(e, self));
  const others = me.members().filter((m) => m.id !== me.id);
  // The questions go out first (the Redis client writes at the end of the turn): the others
  // build their answers while this one lists its own.
  const asked = Promise.allSettled(others.map((m) => ask(me, m.id, 'list', {}, options)));
  if (others.length > 0) await new Promise((r) => setImmediate(r));
  const out = listHere().map((e) => withMember(e, self));
  const results = await asked;
  const failures: { member: string; error: Error }[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      const m = others[i];
      try {
        decodeListing(r.value, m, out);
      } catch (err) {
        failures.push({ member: m.id, error: err as Error });
      }
    } else {
      failures.push({ member: others[i].id, error: r.reason as Error });
    }
  });
  if (failures.length > 0) throw new ClusterPartialError(out, failures);
  return out;
}

/** Counters, buffers and errors of a channel wherever it lives. */
export function status(name: string, options?: ClusterCallOptions): Promise<ChannelStatus> {
  return route(name, () => statusHere(name), 'status', {}, options);
}

/** Whether the channel exists (on its owner). */
export function exists(name: string, options?: ClusterCallOptions): Promise<boolean> {
  return route(name, () => existsHere(name), 'exists', {}, options);
}

/**
 * Closes a channel wherever it lives; a WebSocket gets a closing handshake (`code`, default
 * 1000, and `reason`).
 *
 * @example
 * ```ts
 * await close('b3k9.1.conn42');
 * ```
 */
export function close(
  name: string,
  options: ClusterCallOptions & { code?: number; reason?: string } = {},
): Promise<boolean> {
  const args = { code: options.code, reason: options.reason };
  return route(
    name,
    () => runLocal({ op: 'close', args: { name, ...args } }) as never,
    'close',
    args,
    options,
  );
}

/** Writes bytes to a channel wherever it lives; resolves with the count accepted. */
export function write(
  name: string,
  data: string | Uint8Array,
  options: ClusterCallOptions & { buffered?: boolean } = {},
): Promise<number> {
  const args = { data: toPayload(data), buffered: options.buffered === true };
  return route(
    name,
    () => writeHere(name, data, { buffered: options.buffered === true }),
    'write',
    args,
    options,
  );
}

/**
 * Sends a WebSocket message on a connection wherever it lives (tcllib `send`); resolves with
 * the bytes sent or -1.
 *
 * @example
 * ```ts
 * await wsSend('b3k9.1.conn42', 'text', 'hello from another machine');
 * ```
 */
export function wsSend(
  name: string,
  type: string | number,
  msg: string | Uint8Array,
  options: ClusterCallOptions = {},
): Promise<number> {
  const args = { type, data: toPayload(msg) };
  return route(name, () => lookup(name).send(type, msg), 'wsSend', args, options);
}

/** Starts a WebSocket's closing handshake wherever it lives. */
export function wsClose(
  name: string,
  code = 1000,
  reason?: string,
  options: ClusterCallOptions = {},
): Promise<boolean> {
  const args = { code, reason };
  return route(
    name,
    () => runLocal({ op: 'wsClose', args: { name, ...args } }) as never,
    'wsClose',
    args,
    options,
  );
}

/** The members of the cluster (this one first) with their heartbeat information. */
export function members(): MemberInfo[] {
  return currentNode().members();
}
