import { spawnSync } from 'node:child_process';
import { startNginx } from './nginx.js';
const n = await startNginx();
for (const id of process.argv.slice(2)) {
  const r = spawnSync(
    '/usr/bin/taskset',
    ['-c', '1', process.execPath, '--import', 'tsx', 'bench/worker.ts', id],
    { env: { ...process.env, BENCH_NGINX_PORT: String(n.port) }, encoding: 'utf8' },
  );
  console.log(id, r.stdout.trim(), r.stderr.slice(0, 500));
}
await n.stop();
