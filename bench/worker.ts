// Runs one benchmark case in a fresh process (so that, e.g., ws loads with or without
// bufferutil as its environment says) and prints its measurement as JSON.
import { measure, type BenchCaseFactory } from './harness.js';
import { frameCases } from './cases/frames.js';
import { httpParseCases } from './cases/http-parse.js';
import { channelWriteCases } from './cases/channel-write.js';
import { httpClientCases } from './cases/http-client.js';
import { httpClientFloorCases } from './cases/http-client-floor.js';

const registry: Record<string, BenchCaseFactory> = {
  ...frameCases,
  ...httpParseCases,
  ...channelWriteCases,
  ...httpClientCases,
  ...httpClientFloorCases,
};

const id = process.argv[2];
const factory = registry[id];
if (!factory) {
  console.error(`unknown bench case ${id}; known: ${Object.keys(registry).join(', ')}`);
  process.exit(2);
}
const run = await factory();
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 1000);
const warmupCpuMs = Number(process.env.BENCH_WARMUP_CPU_MS ?? 0);
console.log(JSON.stringify(await measure(run, { durationMs, warmupCpuMs })));
process.exit(0);
