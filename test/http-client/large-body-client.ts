// Child process of large-body-memory.test.ts: a fresh heap that does nothing but fetch large
// bodies one after another with request() + arrayBuffer(), as the 16 MiB bench row does, and
// reports what that cost in page faults (per body) and garbage collections.
// argv: url, warm-up bodies, measured bodies.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { HttpClient, request } from '../../src/http-client/index.js';

const [url, warm, measured] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const gcs = { young: 0, full: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.young++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.full++;
  }
}).observe({ entryTypes: ['gc'] });

const client = new HttpClient({ maxConnectionsPerOrigin: 1 });
const digest = (b: ArrayBuffer): string =>
  createHash('sha256').update(new Uint8Array(b)).digest('hex');

/** One body, in a function of its own so that nothing of it is held once it returns. */
async function firstByte(): Promise<number> {
  const r = await request(url, { dispatcher: client });
  const ab = await r.body.arrayBuffer();
  if (ab.byteLength !== 16 * 1024 * 1024) throw new Error(`${ab.byteLength} bytes`);
  return new Uint8Array(ab)[0];
}

// The first body is kept: bodies must never share memory the client reuses.
const r0 = await request(url, { dispatcher: client });
const kept = await r0.body.arrayBuffer();
const keptDigest = digest(kept);
for (let i = 1; i < warm; i++) await firstByte();
gcs.young = 0;
gcs.full = 0;
const faults: number[] = [];
const firstBytes: number[] = [];
for (let i = 0; i < measured; i++) {
  const before = process.resourceUsage().minorPageFault;
  firstBytes.push(await firstByte());
  faults.push(process.resourceUsage().minorPageFault - before);
}
// Let the observer's last entries arrive.
await new Promise((r) => setTimeout(r, 100));
client.close();
process.stdout.write(
  JSON.stringify({
    faults,
    firstBytes,
    young: gcs.young,
    full: gcs.full,
    keptIntact: digest(kept) === keptDigest,
    keptFirst: new Uint8Array(kept)[0],
  }) + '\n',
);
