/**
 * Timing for micro-benchmarks: a case is a function that does one batch of work and returns how
 * many operations and bytes it handled. We warm up, then run batches for a fixed wall time and
 * report rates. CPU time is measured too: on a shared machine it is steadier than wall time.
 */
export interface BatchResult {
  ops: number;
  bytes: number;
}
/** One batch of work; async cases (sockets) return a promise. */
export type BenchCase = () => BatchResult | Promise<BatchResult>;
export type BenchCaseFactory = () => BenchCase | Promise<BenchCase>;

export interface Measurement {
  opsPerSec: number;
  mbPerSec: number;
  /** Operations per second of CPU time of this process (user + system). */
  opsPerCpuSec: number;
}

/**
 * Warms up for `warmupMs` of wall time and, with `warmupCpuMs`, until this process has also spent
 * that much CPU time (at most 10 s): a large library (undici) needs seconds of its own CPU before
 * the JIT has compiled its hot path, and on a loaded machine 300 ms of wall time may be a tenth of
 * that, so a short wall-time warm-up measures it cold.
 */
export async function measure(
  run: BenchCase,
  { warmupMs = 300, warmupCpuMs = 0, durationMs = 1000 } = {},
): Promise<Measurement> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(cpuStart);
    return (c.user + c.system) / 1000;
  };
  for (;;) {
    await run();
    const wall = performance.now() - start;
    if (wall >= 10_000 || (wall >= warmupMs && cpuMs() >= warmupCpuMs)) break;
  }
  let ops = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < durationMs) {
    const r = await run();
    ops += r.ops;
    bytes += r.bytes;
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const secs = (t - t0) / 1000;
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return { opsPerSec: ops / secs, mbPerSec: bytes / secs / 1e6, opsPerCpuSec: ops / cpuSecs };
}
