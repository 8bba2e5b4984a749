/**
 * Workers on every core: `createCluster` runs in the primary and in every worker (node:cluster
 * forks the same program). The primary forks `workers` processes that accept on the same ports
 * (node:cluster shares the listening sockets), replaces one that dies (with a growing delay when
 * they keep dying at once), routes the IPC broker's messages when no Redis is configured, and on
 * SIGTERM or SIGINT drains: every worker closes its WebSockets with 1001 and its servers, and
 * the primary exits once all are gone. A worker joins the cluster and runs `start`.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import { shutdown as shutdownWebSockets } from '../ws/api.js';
import type { MemberInfo } from './broker.js';
import { isIpcMessage } from './ipc-messages.js';
import { IpcRouter, ignoreSendError } from './ipc-router.js';
import { joinCluster, randomNodeId, type ClusterNode, type JoinOptions } from './node.js';

/** Something a worker's `start` made that must be closed on drain (an `HttpServer`, …). */
export interface Closable {
  close(options?: { graceMs?: number }): unknown;
}

export interface ClusterOptions extends Omit<JoinOptions, 'broker' | 'worker'> {
  /** Worker processes: a number, or `'auto'` for one per core. 0 runs `start` in this process. Default `'auto'`. */
  workers?: number | 'auto';
  /** A Redis URL: members on other machines too. Default `CONNCHAN_REDIS_URL`; without, workers talk through the primary. */
  redis?: string;
  /** How long a drain waits for WebSockets and servers to close. Default 5000 ms. */
  shutdownGraceMs?: number;
  /** The primary calls `process.exit(0)` when the drain is done. Default true. */
  exitOnDrain?: boolean;
}

/** The primary's handle. */
export interface ClusterPrimary {
  readonly role: 'primary';
  /** The workers now running. */
  workers(): Worker[];
  /** Members as the primary's router knows them (IPC broker only). */
  members(): MemberInfo[];
  /** Drains every worker and resolves when all have exited (also on SIGTERM/SIGINT). */
  drain(): Promise<void>;
}

/** A worker's handle. */
export interface ClusterWorker {
  readonly role: 'worker';
  readonly node: ClusterNode;
  /** Closes WebSockets (1001), the closables, leaves the cluster; then exits the process. */
  drain(): Promise<void>;
}

export type StartFn = (
  node: ClusterNode,
) => void | Closable | Closable[] | Promise<void | Closable | Closable[]>;

/**
 * Starts a cluster of `workers` processes running `start`, which makes the servers (they may
 * all listen on the same ports).
 *
 * @example
 * ```ts
 * await createCluster({ workers: 'auto', redis: process.env.REDIS_URL }, async () => {
 *   const http = createServer({ drivers: [{ port: 8080 }] });
 *   live(http, '/chat/*', (sock, type) => {
 *     if (type === 'connect') subscribe(sock, lookup(sock).path ?? '/chat');
 *   });
 *   await http.listen();
 *   return http;
 * });
 * ```
 */
export async function createCluster(
  options: ClusterOptions,
  start: StartFn,
): Promise<ClusterPrimary | ClusterWorker> {
  const count =
    options.workers === 'auto' || options.workers === undefined
      ? availableParallelism()
      : options.workers;
  if (!Number.isInteger(count) || count < 0 || count > 1024) {
    throw new UsageError(`workers must be 'auto' or 0 to 1024, not ${String(options.workers)}`, {
      code: 'ERR_INVALID_OPTION',
    });
  }
  const redis = options.redis ?? process.env.CONNCHAN_REDIS_URL;
  if (cluster.isPrimary && count > 0) return startPrimary(count, redis, options);
  const node = await joinCluster({
    ...options,
    broker: redis ?? (cluster.isWorker ? 'ipc' : 'memory'),
  });
  return startWorker(node, start, options);
}

async function startWorker(
  node: ClusterNode,
  start: StartFn,
  options: ClusterOptions,
): Promise<ClusterWorker> {
  const made = await start(node);
  const closables = made === undefined ? [] : Array.isArray(made) ? made : [made];
  const graceMs = options.shutdownGraceMs ?? 5000;
  let draining: Promise<void> | undefined;
  const drain = (): Promise<void> =>
    (draining ??= (async () => {
      await shutdownWebSockets({ code: 1001, deadlineMs: graceMs });
      await Promise.all(closables.map((c) => c.close({ graceMs })));
      await node.leave();
      process.exit(0);
    })());
  process.on('message', (m: unknown) => {
    if (isIpcMessage(m) && m.cc === 'drain') void drain();
  });
  // The primary is gone (killed): nothing routes or replaces us any more.
  process.on('disconnect', () => void drain());
  process.once('SIGTERM', () => void drain());
  // A terminal's Ctrl-C reaches every worker too: the primary drains them.
  if (cluster.isWorker) process.on('SIGINT', () => {});
  else process.once('SIGINT', () => void drain());
  return { role: 'worker', node, drain };
}

function startPrimary(
  count: number,
  redis: string | undefined,
  options: ClusterOptions,
): ClusterPrimary {
  const router = redis === undefined ? new IpcRouter() : undefined;
  cluster.setupPrimary({ serialization: 'advanced' });
  const env = { CONNCHAN_NODE_ID: options.node ?? process.env.CONNCHAN_NODE_ID ?? randomNodeId() };
  const graceMs = options.shutdownGraceMs ?? 5000;
  let draining: Promise<void> | undefined;
  // Crash-loop protection: a worker that dies within 1 s of its start doubles the next delay.
  let restartDelay = 0;
  const started = new Map<Worker, number>();
  const fork = (): void => {
    const w = cluster.fork(env);
    started.set(w, Date.now());
  };
  cluster.on('message', (worker, m: unknown) => router?.route(worker, m));
  cluster.on('exit', (worker, code, signal) => {
    router?.remove(worker);
    const since = started.get(worker) ?? 0;
    started.delete(worker);
    if (draining !== undefined) return;
    restartDelay =
      Date.now() - since < 1000 ? Math.min(Math.max(restartDelay * 2, 100), 30_000) : 0;
    console.error(
      `connchan cluster: worker ${worker.process.pid} exited (${signal ?? code}); starting another`,
    );
    setTimeout(fork, restartDelay).unref();
  });
  for (let i = 0; i < count; i++) fork();
  const drain = (): Promise<void> =>
    (draining ??= (async () => {
      const workers = Object.values(cluster.workers ?? {}).filter(
        (w): w is Worker => w !== undefined,
      );
      const exited = workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) resolve();
            else w.once('exit', () => resolve());
          }),
      );
      for (const w of workers)
        if (w.isConnected()) w.send({ cc: 'drain' }, undefined, ignoreSendError);
      const killer = setTimeout(() => {
        for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      }, graceMs + 3000);
      await Promise.all(exited);
      clearTimeout(killer);
      router?.stop();
      if (options.exitOnDrain !== false) process.exit(0);
    })());
  process.once('SIGTERM', () => void drain());
  process.once('SIGINT', () => void drain());
  return {
    role: 'primary',
    workers: () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined),
    members: () => router?.members() ?? [],
    drain,
  };
}
