/**
 * `npm run bench [filter…]`: runs every comparison side by side in the same run and prints the
 * median rates and, per peer, the median of the rounds' ratios (connchan ÷ peer).
 * Micro-benchmarks run each case in its own process pinned to one core; server benchmarks pin
 * the server to core 0 and a native load generator (wrk, bench/load/wsload.c) to core 1. Rounds
 * are interleaved (ours, peer, ours, …) so that a noisy neighbour hurts both alike.
 *
 * BENCH_ROUNDS (default 3), BENCH_DURATION_MS (micro, default 1000) and BENCH_LOAD_SECONDS
 * (servers, default 4) tune the run; BENCH_SIDES=ws,floor keeps only the peers whose label
 * contains one of those words (while profiling one side against another);
 * BENCH_NO_REFERENCE=1 leaves out the peers shown only for reference (a quicker run of the
 * targets alone).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Measurement } from './harness.js';
import { comparisons, type Comparison, type Side } from './comparisons.js';
import {
  bunMissing,
  bunVersion,
  measureIdleMemory,
  measureServer,
  runWrk,
  runWsload,
  wrkAvailable,
  wsload,
} from './server-load.js';
import { nginxAvailable, startNginx } from './nginx.js';
import { runFanout } from './fanout.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const loadSeconds = Number(process.env.BENCH_LOAD_SECONDS ?? 4);
const filters = process.argv.slice(2);
const taskset = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '1'] : [];

function runWorkerCase(id: string, env: Record<string, string> = {}): Measurement {
  const argv = [...taskset, process.execPath, '--import', 'tsx', 'bench/worker.ts', id];
  // BENCH_CWD: a case of another checkout (BENCH_BASELINE), run with its own code.
  const r = spawnSync(argv[0], argv.slice(1), {
    env: { ...process.env, ...env },
    cwd: env.BENCH_CWD,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bench case ${id} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Measurement;
}

async function runSide(
  c: Comparison,
  side: Side,
  extraEnv: Record<string, string> = {},
): Promise<Measurement> {
  const env = { ...c.env, ...side.env, ...extraEnv };
  const [script, kind] = side.id.split(':');
  switch (c.kind ?? 'worker') {
    case 'worker':
    case 'nginx':
      return runWorkerCase(side.id, env);
    case 'wrk':
      return measureServer(
        script,
        kind,
        env,
        (port) => ({
          ops: runWrk(port, loadSeconds) * loadSeconds,
          bytes: 0,
          seconds: loadSeconds,
        }),
        (port) => runWrk(port, 1),
      );
    case 'wsecho': {
      const [conns, inflight, size] = c.load!;
      return measureServer(
        script,
        kind,
        env,
        (port) => {
          const r = runWsload(['echo', '127.0.0.1', port, conns, inflight, size, loadSeconds]);
          return { ops: r.messages, bytes: r.bytes, seconds: r.seconds };
        },
        (port) => runWsload(['echo', '127.0.0.1', port, conns, inflight, size, 1]),
      );
    }
    case 'wshandshake': {
      const [concurrency] = c.load!;
      return measureServer(
        script,
        kind,
        env,
        (port) => {
          const r = runWsload(['handshake', '127.0.0.1', port, concurrency, loadSeconds]);
          return { ops: r.handshakes, bytes: 0, seconds: r.seconds };
        },
        // 3 s, not 1: a whole life runs through more code than an echo, and with 1 s of warm-up
        // its compilation still fell inside the measured window (every side is warmed alike).
        (port) => runWsload(['handshake', '127.0.0.1', port, concurrency, 3]),
      );
    }
    case 'wsmemory':
      return measureIdleMemory(script, kind, env, c.load![0]);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(1);
}

async function runComparison(c: Comparison): Promise<string[]> {
  const noBun = bunMissing();
  const skipped = noBun ? c.peers.filter((p) => p.id.startsWith('bun:')) : [];
  const only = process.env.BENCH_SIDES?.split(',');
  const noReference = process.env.BENCH_NO_REFERENCE === '1';
  const peers = c.peers.filter(
    (p) =>
      !skipped.includes(p) &&
      !(noReference && p.reference) &&
      (only === undefined || only.some((o) => p.label.includes(o))),
  );
  if (peers.length === 0) return [];
  const sides: Side[] = [{ label: 'connchan', id: c.ours }, ...peers];
  const samples: Measurement[][] = sides.map(() => []);
  const failures: string[] = sides.map(() => '');
  // nginx: one server for the whole comparison, on core 0; every side talks to it.
  const nginx = c.kind === 'nginx' ? await startNginx() : undefined;
  const extraEnv: Record<string, string> = nginx ? { BENCH_NGINX_PORT: String(nginx.port) } : {};
  try {
    for (let r = 0; r < Math.max(rounds, c.minRounds ?? 0); r++) {
      for (const [i, side] of sides.entries()) {
        if (failures[i]) continue;
        // A side that fails says why in its row; the other sides and rows go on.
        try {
          samples[i].push(await runSide(c, side, extraEnv));
        } catch (err) {
          failures[i] = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        }
      }
    }
  } finally {
    await nginx?.stop();
  }
  const pick = (m: Measurement) => (c.unit === 'MB/s' ? m.mbPerSec : m.opsPerSec);
  const rates = samples.map((ms) => (ms.length ? median(ms.map(pick)) : NaN));
  const lowerIsBetter = c.kind === 'wsmemory';
  // Each round measures every side back to back, so a slow spell of the machine hits the sides
  // of one round together: the ratio is the median of the rounds' ratios (a paired design),
  // not the ratio of two medians that may come from different rounds.
  const pairedRatio = (i: number, of: (m: Measurement) => number): number => {
    const n = Math.min(samples[0].length, samples[i].length);
    const ratios: number[] = [];
    for (let r = 0; r < n; r++) ratios.push(of(samples[0][r]) / of(samples[i][r]));
    return median(ratios);
  };
  const rows = peers.map((peer, i) => {
    const failed = failures[0] || failures[i + 1];
    if (failed) return `| ${c.name} | ${peer.label}: failed: ${failed} | | | | | |`;
    const ratio = pairedRatio(i + 1, pick);
    const cpuRatio = pairedRatio(i + 1, (m) => m.opsPerCpuSec);
    let target = '';
    if (peer.versusOurs !== undefined) {
      // The demo against the bare endpoint: judged as its figure ÷ ours.
      const goal = peer.versusOurs;
      const own = 1 / (peer.versusOursOnSecond ? cpuRatio : ratio);
      const met = lowerIsBetter ? own <= goal : own >= goal;
      const on = peer.versusOursOnSecond
        ? lowerIsBetter
          ? ' (heap+external)'
          : ' (per CPU-s)'
        : '';
      target = `${lowerIsBetter ? '≤' : '≥'}${goal}× ours${on}: ${own.toFixed(2)}× ${met ? '✓' : '✗'}`;
    } else {
      const goal = peer.reference ? undefined : (peer.target ?? c.target);
      if (goal !== undefined) {
        const met = lowerIsBetter ? ratio <= goal : ratio >= goal;
        target = `${lowerIsBetter ? '≤' : '≥'}${goal} ${met ? '✓' : '✗'}`;
      }
    }
    return `| ${c.name} | ${fmt(rates[0])} ${c.unit} | ${peer.label} | ${fmt(rates[i + 1])} ${c.unit} | **${ratio.toFixed(2)}×** | ${cpuRatio.toFixed(2)}× | ${target} |`;
  });
  for (const peer of skipped)
    rows.push(`| ${c.name} | ${peer.label}: skipped: ${noBun} | | | | | |`);
  return rows;
}

function missingTool(c: Comparison): string | undefined {
  if (c.kind === 'wrk' && !wrkAvailable()) return 'wrk is not installed (apt-get install wrk)';
  if (c.kind?.startsWith('ws') && !wsload()) return 'no C compiler for bench/load/wsload.c';
  if (c.kind === 'nginx' && !nginxAvailable())
    return 'nginx is not installed (apt-get install nginx)';
  return undefined;
}

const selected = comparisons.filter(
  (c) => filters.length === 0 || filters.some((f) => `${c.group} ${c.name}`.includes(f)),
);
console.log(
  `connchan benchmarks: ${rounds} interleaved rounds, median; node ${process.version}; bun ${bunVersion() ?? `skipped (${bunMissing()})`}`,
);
let group = '';
for (const c of selected) {
  if (c.group !== group) {
    group = c.group;
    console.log(`\n### ${group}\n`);
    console.log(
      '| benchmark | connchan | peer | peer rate | ratio | ratio per CPU-second | target |',
    );
    console.log('|---|---|---|---|---|---|---|');
  }
  const missing = missingTool(c);
  if (missing) {
    console.log(`| ${c.name} | skipped: ${missing} | | | | | |`);
    continue;
  }
  for (const line of await runComparison(c)) console.log(line);
}

// Fan-out across nodes has its own shape (several servers, Redis, one load generator).
if (filters.length === 0 || filters.some((f) => 'fanout cluster'.includes(f))) await runFanout();
