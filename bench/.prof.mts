import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { startNginx } from './nginx.js';
const n = await startNginx();
for (const id of process.argv.slice(2)) {
  const d = `/tmp/hcb/prof-${id}`;
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  const r = spawnSync(
    '/usr/bin/taskset',
    [
      '-c',
      '1',
      process.execPath,
      '--cpu-prof',
      '--cpu-prof-dir',
      d,
      '--import',
      'tsx',
      'bench/worker.ts',
      id,
    ],
    {
      env: { ...process.env, BENCH_NGINX_PORT: String(n.port), BENCH_DURATION_MS: '3000' },
      encoding: 'utf8',
    },
  );
  console.log(id, r.stdout.trim(), r.stderr.slice(0, 300));
  const f = readdirSync(d)[0];
  const p = JSON.parse(readFileSync(`${d}/${f}`, 'utf8'));
  const self = new Map<string, number>();
  const dt = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + p.timeDeltas[i]);
  let total = 0;
  for (const node of p.nodes) {
    const t = dt.get(node.id) ?? 0;
    total += t;
    const cf = node.callFrame;
    const k = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + t);
  }
  [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .forEach(([k, v]) => console.log(((100 * v) / total).toFixed(1).padStart(5), k));
}
await n.stop();
