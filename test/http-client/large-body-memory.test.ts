// Large bodies and the memory they are read into (issue 14, src/proto/bytes/large-buffers.ts).
// A client that downloads 16 MiB bodies one after another must let V8 free each dead body alone,
// in a young GC, so that glibc reuses its pages for the next body instead of giving them back to
// the kernel and faulting all 4,096 of them in again. Measured in a child process with a heap of
// its own, on counts (page faults, GCs), never on time. Also: nothing is shared between bodies.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { largeBuffer } from '../../src/proto/bytes/large-buffers.js';
import { onRequestHeads, rawOrigin } from '../helpers/origins.js';

const BODY = 16 * 1024 * 1024;
const WARM = 6;
const MEASURED = 16;
// The fault counts below are glibc malloc's behaviour (its trim threshold); other C libraries
// manage large blocks their own way.
const glibc = Boolean(
  (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime,
);

/** An origin whose n-th response body is 16 MiB of byte (n % 2 ? 0xbb : 0xaa). */
function origin(): Promise<{ url: string; close: () => Promise<void> }> {
  const bodies = [Buffer.alloc(BODY, 0xaa), Buffer.alloc(BODY, 0xbb)];
  let n = 0;
  return rawOrigin((s) => {
    onRequestHeads(s, () => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY}\r\n\r\n`);
      s.write(bodies[n++ % 2]);
    });
  }, '/big');
}

interface Report {
  faults: number[];
  firstBytes: number[];
  young: number;
  full: number;
  keptIntact: boolean;
  keptFirst: number;
}

describe('large bodies', () => {
  test("allocating a large body runs V8's young-GC check for ArrayBuffer memory at once", async () => {
    const young: number[] = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) young.push(e.startTime);
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    try {
      // Dead young ArrayBuffers until V8's check has just run (at 32 MiB): afterwards one dead
      // 16 MiB buffer is young, below the check's threshold.
      for (let i = 0; i < 3; i++) Buffer.allocUnsafe(BODY).fill(i);
      const from = performance.now();
      // With the body, young ArrayBuffers reach the threshold: the GC must run now, while the
      // body is alive and only the earlier buffer is dead, not at some later allocation.
      const body = largeBuffer(BODY);
      const to = performance.now();
      body.fill(1);
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(
        young.some((t) => t >= from && t <= to),
        `no young GC while the body was allocated (young GCs at ${young.join(', ')}; window ${from}–${to})`,
      );
    } finally {
      obs.disconnect();
    }
  });

  test(
    '16 MiB bodies one after another: each freed alone in a young GC, its pages reused',
    { timeout: 120_000 },
    async (t) => {
      const o = await origin();
      try {
        const child = fileURLToPath(new URL('./large-body-client.ts', import.meta.url));
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', child, o.url, String(WARM), String(MEASURED)],
          { maxBuffer: 1 << 20 },
        );
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Report;
        // Nothing shared: the first body, kept, was not overwritten by the 21 read after it,
        // and every body is the one the server sent.
        assert.equal(r.keptFirst, 0xaa);
        assert.ok(r.keptIntact, 'a later response changed a body delivered earlier');
        r.firstBytes.forEach((b, i) => assert.equal(b, (WARM + i) % 2 ? 0xbb : 0xaa, `body ${i}`));
        // Dead bodies are freed by young GCs of their own (the check that V8 makes before
        // allocating ArrayBuffer memory runs while only the previous body is dead): about one
        // young GC per body, and the full GCs that free bodies in bulk stay rare. A client that
        // leaves the check to whatever allocation comes next gets two bodies freed together by
        // one young GC (the raw floor: 0.5 per body). The bound leaves room for V8's other
        // reasons to collect; the test above checks the early check itself.
        assert.ok(r.young >= (MEASURED * 3) / 4, `${r.young} young GCs for ${MEASURED} bodies`);
        assert.ok(r.full <= MEASURED / 4, `${r.full} full GCs for ${MEASURED} bodies`);
        if (!glibc) {
          t.diagnostic('not glibc: page faults not checked');
          return;
        }
        // A body whose pages were given back costs 4,096 faults; reused memory costs ~none.
        const sorted = [...r.faults].sort((a, b) => a - b);
        const median = sorted[sorted.length >> 1];
        assert.ok(median < 1024, `median ${median} page faults per body: ${r.faults.join(' ')}`);
      } finally {
        await o.close();
      }
    },
  );
});
