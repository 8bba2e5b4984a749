// A real redis-server for the cluster tests: started on a free port without persistence
// (no RDB, no AOF, no files left), stopped by its PID, restartable on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { needPeer } from './peers.js';

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once host:port accepts a TCP connection (within `ms`). */
export async function waitForPort(host: string, port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect({ host, port }, () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RedisServer {
  host: string;
  port: number;
  url: string;
  /** Stops it (SIGKILL by PID) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same address. */
  start(): Promise<void>;
}

export function haveRedis(t: TestContext): boolean {
  return needPeer(t, 'redis-server', ['redis-server', '--version']);
}

/**
 * Starts redis-server on `host:port` (a free port by default); `wrap` runs it through another
 * command (e.g. `ip netns exec NS`).
 */
export async function startRedis(
  options: { host?: string; port?: number; wrap?: string[] } = {},
): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'connchan-redis-'));
  let child: ChildProcess | undefined;
  const args = [
    'redis-server',
    '--bind',
    host,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'no',
    '--dir',
    dir,
    '--logfile',
    '',
    '--loglevel',
    'warning',
  ];
  const argv = [...(options.wrap ?? []), ...args];
  const server: RedisServer = {
    host,
    port,
    url: `redis://${host}:${port}`,
    async start() {
      child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
      await waitForPort(host, port, 10_000);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      process.kill(c.pid as number, 'SIGKILL');
      await exited;
    },
  };
  await server.start();
  process.once('exit', () => {
    if (child?.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

/**
 * How many connections Redis itself counts as subscribed to `channel` (PUBSUB NUMSUB): a test
 * waits on this, not on a fixed pause, before publishing to subscribers on another member.
 */
export async function redisSubscribers(url: string, channel: string): Promise<number> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  await client.connect();
  try {
    return Number((await client.pubSubNumSub(channel))[channel] ?? 0);
  } finally {
    client.destroy();
  }
}
