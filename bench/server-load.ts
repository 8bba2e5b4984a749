/**
 * Server benchmarks driven by native load generators, so the load side is never the bottleneck:
 * `wrk` for HTTP and `bench/load/wsload.c` (compiled on first use) for WebSockets. The server
 * runs pinned to core 0 and the load to core 1; CPU time of the server comes from /proc, so each
 * figure is also reported per second of server CPU, which is steadier on a shared machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Measurement } from './harness.js';

const pinned = existsSync('/usr/bin/taskset');
const pin = (core: number) => (pinned ? ['/usr/bin/taskset', '-c', String(core)] : []);

export interface RunningBenchServer {
  port: number;
  child: ChildProcess;
  cpuSeconds(): number;
  /** The server's memory use (it answers SIGUSR2 with a JSON line). */
  memory(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>;
  stop(): void;
}

/** The npm package's Bun binary. */
const BUN = 'node_modules/.bin/bun';
let bunState: { version?: string; why?: string } | undefined;

/**
 * Bun's version when its binary runs here, else undefined; {@link bunMissing} then says why.
 * (The `bun` package's binary comes from its platform package; npm 11 skips its postinstall,
 * which only optimises, so the binary runs without it.)
 */
export function bunVersion(): string | undefined {
  if (bunState === undefined) {
    const r = spawnSync(BUN, ['--version'], { encoding: 'utf8' });
    bunState =
      r.status === 0
        ? { version: r.stdout.trim() }
        : { why: r.error ? `${BUN} cannot run (${r.error.message})` : r.stderr.trim() };
  }
  return bunState.version;
}

/** Why Bun's sides are skipped ('' when Bun runs). */
export function bunMissing(): string {
  bunVersion();
  return bunState?.why ?? '';
}

/**
 * Starts `bench/servers/<script>.ts <kind>` on core 0 (under Bun for the script `bun`, else
 * Node with tsx) and waits for it to print its port. BENCH_CWD in `env` runs it from another
 * checkout (the connchan sides then load that checkout's code: a before/after comparison).
 */
export async function startServer(
  script: string,
  kind: string,
  env: Record<string, string> = {},
): Promise<RunningBenchServer> {
  const argv =
    script === 'bun'
      ? [...pin(0), BUN, 'bench/servers/bun.ts', kind]
      : [
          ...pin(0),
          process.execPath,
          '--expose-gc',
          '--import',
          'tsx',
          join(process.cwd(), `bench/servers/${script}.ts`),
          kind,
        ];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: env.BENCH_CWD,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let buffered = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => waiters.push(r));
    return lines.shift()!;
  };
  const port = Number(await nextLine());
  return {
    port,
    child,
    cpuSeconds() {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    },
    async memory() {
      child.kill('SIGUSR2');
      return JSON.parse(await nextLine());
    },
    stop() {
      child.kill('SIGINT');
    },
  };
}

export function wrkAvailable(): boolean {
  return !spawnSync('wrk', ['--version']).error;
}

/** Requests/s of keep-alive GET / with wrk (1 thread, 64 connections). */
export function runWrk(port: number, seconds: number): number {
  const argv = [...pin(1), 'wrk', '-t1', '-c64', `-d${seconds}s`, `http://127.0.0.1:${port}/`];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

let wsloadPath: string | undefined;

/** Compiles bench/load/wsload.c once (needs cc); undefined when no compiler is there. */
export function wsload(): string | undefined {
  if (wsloadPath) return wsloadPath;
  const dir = mkdtempSync(join(tmpdir(), 'connchan-wsload-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'wsload');
  const r = spawnSync('cc', ['-O2', '-o', out, 'bench/load/wsload.c'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  wsloadPath = out;
  return out;
}

/** Runs wsload and returns its JSON result; warns when the load side itself was saturated. */
export function runWsload(args: (string | number)[]): Record<string, number> {
  const argv = [...pin(1), wsload()!, ...args.map(String)];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wsload ${args.join(' ')} failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  const busy = result.cpu / result.seconds;
  if (busy > 0.9) {
    console.error(
      `warning: wsload ${args[0]} used ${(busy * 100).toFixed(0)}% of its core: the figure may be the load side's limit`,
    );
  }
  return result;
}

/** Runs `measureLoad` against a freshly started server and adds the per-CPU-second rate. */
export async function measureServer(
  script: string,
  kind: string,
  env: Record<string, string>,
  load: (port: number) => { ops: number; bytes: number; seconds: number },
  warmup?: (port: number) => void,
): Promise<Measurement> {
  const server = await startServer(script, kind, env);
  try {
    warmup?.(server.port);
    const c0 = server.cpuSeconds();
    const r = load(server.port);
    const cpu = server.cpuSeconds() - c0;
    return {
      opsPerSec: r.ops / r.seconds,
      mbPerSec: r.bytes / r.seconds / 1e6,
      opsPerCpuSec: r.ops / Math.max(cpu, 0.01),
    };
  } finally {
    server.stop();
    await once(server.child, 'exit');
  }
}

/**
 * The server's memory once it holds still: sampled each second (every sample runs a full GC
 * first) for at least `SETTLE_MIN_MS`, until three samples in a row agree within 2 B per
 * connection (at most `SETTLE_MAX_MS`). Right after a burst of allocation V8 keeps a grown
 * young generation committed, 1–2 KB per connection at 10,000, empty but in rss, until it sees
 * the allocation rate low for about 5 s; how grown it is depends on when the scavenges fell, so
 * a sample taken then measures noise. Every side, Bun too, is settled the same way.
 */
const SETTLE_MIN_MS = 8_000;
const SETTLE_MAX_MS = 30_000;
async function settledMemory(
  server: RunningBenchServer,
  conns: number,
): Promise<Awaited<ReturnType<RunningBenchServer['memory']>>> {
  const start = Date.now();
  const samples = [await server.memory()];
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(await server.memory());
    const last = samples.slice(-3).map((m) => m.rss);
    const steady = last.length === 3 && Math.max(...last) - Math.min(...last) <= 2 * conns;
    const waited = Date.now() - start;
    if ((steady && waited >= SETTLE_MIN_MS) || waited >= SETTLE_MAX_MS) return samples.at(-1)!;
  }
}

/**
 * Memory per idle WebSocket: the server's rss and heap growth with `conns` open, divided. Both
 * samples, the idle server's and the loaded one's, are taken settled (see settledMemory).
 */
export async function measureIdleMemory(
  script: string,
  kind: string,
  env: Record<string, string>,
  conns: number,
): Promise<Measurement> {
  const server = await startServer(script, kind, env);
  const holdIdle = async (n: number) => {
    const argv = [...pin(1), wsload()!, 'idle', '127.0.0.1', String(server.port), String(n), '120'];
    const load = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      load.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      load.once('exit', (code) => reject(new Error(`wsload idle exited with ${code}`)));
    });
    return load;
  };
  try {
    // Warm-up: a first round of connections compiles the code, which would otherwise be counted
    // as per-connection memory. A small one: the memory its connections freed stays in the
    // process (malloc's free lists, V8's pooled pages) and the next round reuses it unseen.
    const warm = await holdIdle(Math.min(conns, 500));
    warm.kill('SIGKILL');
    await once(warm, 'exit');
    const before = await settledMemory(server, conns);
    const load = await holdIdle(conns);
    const after = await settledMemory(server, conns);
    load.kill('SIGKILL');
    const perConn = (after.rss - before.rss) / conns;
    const heapPerConn =
      (after.heapUsed + after.external - before.heapUsed - before.external) / conns;
    // "ops" is bytes per connection here (lower is better); heap+external in the CPU column slot.
    return { opsPerSec: perConn, mbPerSec: 0, opsPerCpuSec: heapPerConn };
  } finally {
    server.stop();
    await once(server.child, 'exit');
  }
}
