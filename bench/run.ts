/**
 * `npm run bench [filter…]`: runs every comparison side by side in the same run, each case in its
 * own process pinned to one core, rounds interleaved (ours, peer, ours, peer, …) so that a noisy
 * neighbour hurts both alike, and prints the median rates and their ratios.
 *
 * BENCH_ROUNDS (default 3) and BENCH_DURATION_MS (default 1000) tune the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Measurement } from './harness.js';
import { comparisons, type Comparison } from './comparisons.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const filters = process.argv.slice(2);
const taskset = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '1'] : [];

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

function runComparison(c: Comparison): string[] {
  const sides = [{ label: 'connchan', id: c.ours, env: {} }, ...c.peers];
  const samples: Measurement[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    sides.forEach((side, i) => samples[i].push(runCase(side.id, side.env)));
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
  for (const line of runComparison(c)) console.log(line);
}
