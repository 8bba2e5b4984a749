/**
 * `npm run bench [filter…]`: runs every comparison side by side in the same run, each case in its
 * own process pinned to one core, rounds interleaved (ours, peer, ours, peer, …) so that a noisy
 * neighbour hurts both alike, and prints the median rates and their ratios.
 *
 * BENCH_ROUNDS (default 3) and BENCH_DURATION_MS (default 1000) tune the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Measurement } from './harness.js';
import { comparisons, type Comparison } from './comparisons.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const filters = process.argv.slice(2);
const taskset = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '1'] : [];

/**
 * A server benchmark: the server (bench/servers/*.ts) pinned to core 0, wrk pinned to core 1,
 * keep-alive GET / for BENCH_WRK_SECONDS (default 4); requests/s and requests per second of the
 * server's CPU time (read from /proc), which is steadier on a shared machine.
 */
async function runServerCase(id: string): Promise<Measurement> {
  const [script, kind] = id.split(':');
  const seconds = Number(process.env.BENCH_WRK_SECONDS ?? 4);
  const pin0 = taskset.length ? ['/usr/bin/taskset', '-c', '0'] : [];
  const pin1 = taskset.length ? ['/usr/bin/taskset', '-c', '1'] : [];
  const argv = [...pin0, process.execPath, '--import', 'tsx', `bench/servers/${script}.ts`, kind];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const url = `http://127.0.0.1:${line.toString().trim()}/`;
    const wrk = (secs: number) => {
      const r = spawnSync(pin1[0] ?? 'wrk', [...pin1.slice(1), ...(pin1.length ? ['wrk'] : []), '-t1', '-c32', `-d${secs}s`, url], { encoding: 'utf8' });
      const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
      if (!m) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
      return Number(m[1]);
    };
    wrk(1); // warm-up
    const cpu = () => {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
    };
    const c0 = cpu();
    const rps = wrk(seconds);
    const cpuSecs = cpu() - c0;
    return { opsPerSec: rps, mbPerSec: 0, opsPerCpuSec: (rps * seconds) / cpuSecs };
  } finally {
    child.kill('SIGINT');
  }
}

function runCase(id: string, env: Record<string, string> = {}): Measurement {
  const argv = [...taskset, process.execPath, '--import', 'tsx', 'bench/worker.ts', id];
  const r = spawnSync(argv[0], argv.slice(1), {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bench case ${id} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Measurement;
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
  const sides = [{ label: 'connchan', id: c.ours, env: {} }, ...c.peers];
  const samples: Measurement[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, side] of sides.entries()) {
      samples[i].push(c.kind === 'wrk' ? await runServerCase(side.id) : runCase(side.id, side.env));
    }
  }
  const pick = (m: Measurement) => (c.unit === 'MB/s' ? m.mbPerSec : m.opsPerSec);
  const rates = samples.map((ms) => median(ms.map(pick)));
  const cpuRates = samples.map((ms) => median(ms.map((m) => m.opsPerCpuSec)));
  return c.peers.map((peer, i) => {
    const ratio = rates[0] / rates[i + 1];
    const cpuRatio = cpuRates[0] / cpuRates[i + 1];
    const target = c.target === undefined ? '' : ratio >= c.target ? `≥${c.target} ✓` : `≥${c.target} ✗`;
    return `| ${c.name} | ${fmt(rates[0])} ${c.unit} | ${peer.label} | ${fmt(rates[i + 1])} ${c.unit} | **${ratio.toFixed(2)}×** | ${cpuRatio.toFixed(2)}× | ${target} |`;
  });
}

const selected = comparisons.filter(
  (c) => filters.length === 0 || filters.some((f) => `${c.group} ${c.name}`.includes(f)),
);
console.log(`connchan benchmarks: ${rounds} interleaved rounds, median; node ${process.version}`);
let group = '';
for (const c of selected) {
  if (c.group !== group) {
    group = c.group;
    console.log(`\n### ${group}\n`);
    console.log('| benchmark | connchan | peer | peer rate | ratio | ratio per CPU-second | target |');
    console.log('|---|---|---|---|---|---|---|');
  }
  if (c.kind === 'wrk' && spawnSync('wrk', ['--version']).error) {
    console.log(`| ${c.name} | skipped: wrk is not installed (apt-get install wrk) | | | | | |`);
    continue;
  }
  for (const line of await runComparison(c)) console.log(line);
}
