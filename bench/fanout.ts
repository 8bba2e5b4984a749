/**
 * `npm run bench fanout`: one publisher, RECEIVERS WebSockets spread evenly over N nodes
 * (N = 1, 2, 4; nodes joined through one redis-server when N > 1), a burst of 1,000 × 64 B.
 * connchan (topics, its Redis broker) against socket.io 4 with @socket.io/redis-adapter, the
 * same shape in the same run. The load generator (bench/load/wsload.c) opens the receivers,
 * triggers the burst on node 1 and counts what every receiver got, in order; its own CPU is
 * reported so that a saturated load side is seen. Also: cross-node latency at 1,000 msg/s
 * (N = 2), a cluster-wide `list` of 40,000 channels over 4 processes, and peak RSS per node.
 *
 * BENCH_FANOUT_RECEIVERS (default 5000), BENCH_FANOUT_NODES (default "1,2,4"; "0" skips the
 * fan-out rows), BENCH_FANOUT_SOCKETIO=0 (connchan only: its figures stand in for socket.io's),
 * BENCH_FANOUT_LATENCY=0 (skips the latency rows), BENCH_FANOUT_TIMEOUT (seconds a burst may
 * take, default 30), BENCH_FANOUT_GENERATORS (load-generator processes sharing the receivers,
 * default 2), BENCH_FANOUT_WARMUP (messages of an unmeasured burst first, default 200; 0: none)
 * and BENCH_LIST_CHANNELS (default 40000; 0 skips) tune it. On a machine
 * shared with other work, `chrt -r 10 npm run bench fanout` schedules the bench's processes
 * first (round-robin real-time): the closest to a quiet machine.
 * The cross-node latency row has its floor beside it: node-redis PUBLISH → SUBSCRIBE between
 * two processes at the same rate, timed the same way.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { wsload } from './server-load.js';

const receivers = Number(process.env.BENCH_FANOUT_RECEIVERS ?? 5000);
const nodeCounts = (process.env.BENCH_FANOUT_NODES ?? '1,2,4')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const listChannels = Number(process.env.BENCH_LIST_CHANNELS ?? 40_000);
const withSocketIo = process.env.BENCH_FANOUT_SOCKETIO !== '0';
const withLatency = process.env.BENCH_FANOUT_LATENCY !== '0';
const burstTimeout = Number(process.env.BENCH_FANOUT_TIMEOUT ?? 30);
const WARMUP = Number(process.env.BENCH_FANOUT_WARMUP ?? 200);
const GENERATORS = Math.max(1, Number(process.env.BENCH_FANOUT_GENERATORS ?? 2));
const BURST = 1000;
const SIZE = 64;

interface Proc {
  child: ChildProcess;
  port: number;
  lines: string[];
  next(): Promise<string>;
}

function startProc(argv: string[], env: Record<string, string>): Promise<Proc> {
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  child.once('exit', () => waiters.splice(0).forEach((w) => w()));
  const next = async (): Promise<string> => {
    while (lines.length === 0) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${argv.join(' ')} exited`);
      await new Promise<void>((r) => waiters.push(r));
    }
    return lines.shift() as string;
  };
  return next().then((first) => ({ child, port: Number(first), lines, next }));
}

function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let t = '';
      res.setEncoding('utf8').on('data', (c: string) => (t += c));
      res.on('end', () => resolve(t));
    })
      .on('error', reject)
      .end();
  });
}

async function startRedis(): Promise<{ url: string; pid: number; stop(): void }> {
  const port = 20000 + (process.pid % 20000);
  const dir = mkdtempSync(join(tmpdir(), 'connchan-bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.includes(
        'PONG',
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNodes(kind: string, n: number, redisUrl: string | undefined): Promise<Proc[]> {
  const nodes: Proc[] = [];
  for (let i = 0; i < n; i++) {
    const env: Record<string, string> = { NODE_ID: `n${i}` };
    if (redisUrl !== undefined && n > 1) env.REDIS_URL = redisUrl;
    nodes.push(
      await startProc([process.execPath, '--import', 'tsx', 'bench/servers/fanout.ts', kind], env),
    );
  }
  await new Promise((r) => setTimeout(r, 300)); // Redis subscriptions and heartbeats settle
  return nodes;
}

/** Peak RSS of a process (VmHWM), read from /proc: a busy server need not answer. */
async function peakRss(p: Proc): Promise<number> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function stopAll(ps: Proc[]): Promise<void> {
  return Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
          p.child.once('exit', () => resolve());
          p.child.kill('SIGKILL');
        }),
    ),
  ).then(() => undefined);
}

interface FanoutResult {
  msgsPerSec: number;
  cpuUsPerMsg: number;
  loadCpu: number;
  misordered: number;
  complete: number;
  peakRssMb: number;
  redisCpu: number;
  seconds: number;
  perNodeCpu: number[];
}

async function fanoutOnce(
  kind: string,
  n: number,
  redis: { url: string; pid: number },
): Promise<FanoutResult> {
  const nodes = await startNodes(kind, n, redis.url);
  try {
    const ports = nodes.map((p) => p.port).join(',');
    const path = kind === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : '/t/fan';
    // GENERATORS processes share the receivers (each spreads its own over every node), so that
    // the reading side is not one core's limit; the last one triggers the burst.
    const gens: Proc[] = [];
    for (let g = 0; g < GENERATORS; g++) {
      const share = Math.floor(receivers / GENERATORS) + (g < receivers % GENERATORS ? 1 : 0);
      gens.push(
        await startProc(
          [
            wsload() as string,
            'fanout',
            '127.0.0.1',
            ports,
            String(share),
            path,
            kind === 'socketio' ? 'sio' : 'ws',
            g === GENERATORS - 1 ? String(nodes[0].port) : '0',
            `/burst?n=${BURST}&size=${SIZE}`,
            String(BURST),
            String(burstTimeout),
          ],
          {},
        ),
      );
    }
    // startProc took the first line as a port: wsload's first line is "ready".
    await new Promise((r) => setTimeout(r, 500));
    // A warm-up burst, not measured: every node runs its publish and write paths once (the
    // JIT), as a server that has been up for a while has.
    if (WARMUP > 0) {
      for (const gen of gens) gen.child.stdin!.write(`${WARMUP} /burst?n=${WARMUP}&size=${SIZE}\n`);
      await Promise.all(gens.map((gen) => gen.next()));
      await new Promise((r) => setTimeout(r, 200));
    }
    const cpu0s = nodes.map((p) => cpuOf(p.child.pid as number));
    const r0 = cpuOf(redis.pid);
    for (const gen of gens) gen.child.stdin!.write('go\n');
    const results = (await Promise.all(gens.map((gen) => gen.next()))).map(
      (line) =>
        JSON.parse(line) as {
          messages: number;
          seconds: number;
          cpu: number;
          misordered: number;
          complete: number;
        },
    );
    const result = {
      messages: results.reduce((a, r) => a + r.messages, 0),
      seconds: Math.max(...results.map((r) => r.seconds)),
      cpu: results.reduce((a, r) => a + r.cpu, 0),
      misordered: results.reduce((a, r) => a + r.misordered, 0),
      complete: results.reduce((a, r) => a + r.complete, 0),
    };
    const perNode = nodes.map((p, i) => cpuOf(p.child.pid as number) - cpu0s[i]);
    const cpu = perNode.reduce((a, b) => a + b, 0);
    const peaks = await Promise.all(nodes.map(peakRss));
    await stopAll(gens);
    return {
      msgsPerSec: result.messages / Math.max(result.seconds, 1e-6),
      cpuUsPerMsg: (cpu * 1e6) / Math.max(result.messages, 1),
      loadCpu: result.cpu / Math.max(result.seconds, 1e-6),
      misordered: result.misordered,
      complete: result.complete,
      peakRssMb: Math.max(...peaks) / 1e6,
      redisCpu: cpuOf(redis.pid) - r0,
      seconds: result.seconds,
      perNodeCpu: perNode,
    };
  } finally {
    await stopAll(nodes);
  }
}

async function latencyOnce(
  kind: string,
  redis: { url: string },
): Promise<{ p50: number; p99: number; count: number }> {
  const nodes = await startNodes(kind, 2, redis.url);
  try {
    const path = kind === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : '/t/fan';
    const gen = await startProc(
      [
        wsload() as string,
        'latency',
        '127.0.0.1',
        String(nodes[1].port),
        path,
        kind === 'socketio' ? 'sio' : 'ws',
        String(nodes[0].port),
        '/rate?secs=5',
        '5.5',
      ],
      {},
    );
    await new Promise((r) => setTimeout(r, 300));
    gen.child.stdin!.write('go\n');
    const r = JSON.parse(await gen.next()) as { p50: number; p99: number; count: number };
    await stopAll([gen]);
    return r;
  } finally {
    await stopAll(nodes);
  }
}

/** The floor: node-redis PUBLISH to SUBSCRIBE between two processes, the same rate and clock. */
async function redisFloor(redis: {
  url: string;
}): Promise<{ p50: number; p99: number; count: number }> {
  const script = 'bench/servers/redis-floor.ts';
  const sub = await startProc(
    [process.execPath, '--import', 'tsx', script, 'sub', redis.url, '5.5'],
    {},
  );
  const pub = spawn(process.execPath, ['--import', 'tsx', script, 'pub', redis.url, '5'], {
    stdio: 'ignore',
  });
  try {
    return JSON.parse(await sub.next()) as { p50: number; p99: number; count: number };
  } finally {
    await stopAll([sub, { child: pub } as Proc]);
  }
}

async function listOnce(redis: { url: string }): Promise<{ medianMs: number; count: number }> {
  const nodes = await startNodes('connchan', 4, redis.url);
  try {
    // One generator holds at most 10,000 connections (the process's file limit may be 20,000).
    const holders: Proc[] = [];
    const ports = nodes.map((p) => p.port).join(',');
    for (let left = listChannels; left > 0; left -= 10_000) {
      const n = String(Math.min(left, 10_000));
      holders.push(
        await startProc([wsload() as string, 'idle', '127.0.0.1', ports, n, '300', '/t/hold'], {}),
      );
    }
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 11; i++) {
      const r = JSON.parse(await get(nodes[0].port, '/list')) as { ms: number; count: number };
      times.push(r.ms);
      count = r.count;
    }
    await stopAll(holders);
    times.sort((a, b) => a - b);
    return { medianMs: times[5], count };
  } finally {
    await stopAll(nodes);
  }
}

const fmt = (x: number) =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(1);

export async function runFanout(): Promise<void> {
  if (wsload() === undefined) {
    console.log('\n### Fan-out\n\nskipped: no C compiler for bench/load/wsload.c');
    return;
  }
  if (spawnSync('redis-server', ['--version']).error) {
    console.log(
      '\n### Fan-out\n\nskipped: redis-server is not installed (apt-get install redis-server)',
    );
    return;
  }
  const redis = await startRedis();
  try {
    console.log(
      `\n### Fan-out: one publisher, ${receivers} WebSocket receivers over N nodes, a burst of ${BURST} × ${SIZE} B\n`,
    );
    console.log(
      '| N | connchan msgs/s | connchan CPU-µs/msg | socket.io msgs/s | socket.io CPU-µs/msg | ratio | ratio per CPU | in order, complete | load-generator CPU | peak RSS/node connchan / socket.io |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const where: string[] = [];
    for (const n of nodeCounts) {
      const c = await fanoutOnce('connchan', n, redis);
      where.push(
        `N=${n}: ${c.seconds.toFixed(2)} s; CPU-s per node ${c.perNodeCpu.map((x) => x.toFixed(2)).join(' ')}, Redis ${c.redisCpu.toFixed(2)}, load generator ${(c.loadCpu * c.seconds).toFixed(2)}`,
      );
      const s = withSocketIo ? await fanoutOnce('socketio', n, redis) : c;
      const ordered = `${c.misordered === 0 && c.complete === receivers ? '✓' : `✗ (${c.misordered} misordered, ${c.complete} complete)`} / ${s.misordered === 0 && s.complete === receivers ? '✓' : `✗ (${s.complete} complete)`}`;
      console.log(
        `| ${n} | ${fmt(c.msgsPerSec)} | ${c.cpuUsPerMsg.toFixed(2)} | ${fmt(s.msgsPerSec)} | ${s.cpuUsPerMsg.toFixed(2)} | **${(c.msgsPerSec / s.msgsPerSec).toFixed(2)}×** | ${(s.cpuUsPerMsg / c.cpuUsPerMsg).toFixed(2)}× | ${ordered} | ${(c.loadCpu * 100).toFixed(0)}% / ${(s.loadCpu * 100).toFixed(0)}% | ${c.peakRssMb.toFixed(0)} MB / ${s.peakRssMb.toFixed(0)} MB |`,
      );
    }
    if (where.length > 0) console.log(`\nWhere connchan's time went: ${where.join('; ')}`);
    if (withLatency) {
      const lc = await latencyOnce('connchan', redis);
      const ls = await latencyOnce('socketio', redis);
      console.log(
        `\nCross-node latency at 1,000 msg/s (publisher on node 1, receiver on node 2, through Redis):`,
      );
      console.log(
        `connchan p50 ${lc.p50.toFixed(2)} ms, p99 ${lc.p99.toFixed(2)} ms (${lc.count} messages; target p99 < 10 ms ${lc.p99 < 10 ? '✓' : '✗'}); socket.io p50 ${ls.p50.toFixed(2)} ms, p99 ${ls.p99.toFixed(2)} ms`,
      );
      const floor = await redisFloor(redis);
      console.log(
        `floor (node-redis PUBLISH → SUBSCRIBE between two processes, no WebSocket): p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms (${floor.count} messages; machine load ${loadavg()[0].toFixed(2)})`,
      );
    }
    if (listChannels > 0) {
      const l = await listOnce(redis);
      console.log(
        `\nCluster-wide list of ${l.count} channels over 4 processes: median ${l.medianMs.toFixed(1)} ms (target < 100 ms ${l.medianMs < 100 ? '✓' : '✗'})`,
      );
    }
  } finally {
    redis.stop();
  }
}
