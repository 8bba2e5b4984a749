/**
 * `connchan serve --workers N|auto [--redis URL]`: the demo on every core (node:cluster workers
 * on the same ports) and, with a Redis URL, as one member of a cluster of machines. The chat
 * rooms are topics and the dashboard lists every member's channels, so both span the cluster.
 * SIGTERM or Ctrl-C drains every worker (WebSockets get 1001) and the primary exits when done.
 */
import cluster from 'node:cluster';
import { createCluster } from 'connchan/cluster';
import { CommandLineError } from '../args.js';
import { ensureSelfSignedCertificate } from '../tls/certificate-files.js';
import { DEFAULT_SERVE_OPTIONS, serve, type ServeOptions } from './serve.js';

export interface ClusterServeOptions {
  /** Worker processes, or 'auto' for one per core; 0 serves in this process. */
  workers: number | 'auto';
  /** Redis URL (default `CONNCHAN_REDIS_URL`): members on other machines too. */
  redis?: string;
}

/** Parses `--workers`: a whole number or `auto`. */
export function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 1024) {
    throw new CommandLineError(
      `connchan serve: --workers takes a number from 0 to 1024 or "auto", not ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/**
 * Starts the members; the process then lives until the cluster has drained (it exits itself).
 *
 * @example
 * ```ts
 * await serveCluster({ httpPort: 8080 }, { workers: 'auto' });
 * ```
 */
export async function serveCluster(
  options: Partial<ServeOptions>,
  c: ClusterServeOptions,
): Promise<void> {
  const o: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...options };
  const say = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = o.logLevel !== 'silent';
  // The primary makes the certificate once, so that the workers do not race to write it.
  if (cluster.isPrimary && o.tls && !(o.certFile && o.keyFile)) {
    ensureSelfSignedCertificate(o.dataDir, [o.host]);
  }
  const handle = await createCluster(
    { workers: c.workers, redis: c.redis, shutdownGraceMs: 2000 },
    async (node) => {
      const running = await serve(o);
      if (log)
        say(`connchan serve: member ${node.id} (pid ${process.pid}) on ${running.urls.join(' ')}`);
      return { close: () => running.close() };
    },
  );
  if (handle.role === 'primary' && log) {
    const workers = handle.workers().length;
    const where = c.redis ? `, joined through Redis at ${c.redis}` : '';
    say(`connchan serve: the demo application runs in ${workers} workers${where}`);
    say('  Ctrl-C (or SIGTERM) drains them: WebSockets get 1001, then the primary exits.');
  }
}
