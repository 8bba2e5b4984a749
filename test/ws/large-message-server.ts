// Child process of large-message-memory.test.ts: a fresh heap running a bare live() echo
// endpoint, as the large-message bench rows do. Prints its port, then, once `warm + measured`
// messages have been echoed, one JSON line: page faults per message over the measured ones (in
// all, and per tenth of them) and V8's mark-compacts. argv: warm-up messages, measured messages.
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { createServer } from '../../src/server/index.js';
import { live, send } from '../../src/ws/index.js';

const [warm, measured] = [Number(process.argv[2]), Number(process.argv[3])];
let seen = 0;
let faultsAtWarm = 0;
let faultsAtWindow = 0;
const windowSize = Math.max(1, Math.floor(measured / 10));
const windows: number[] = [];
let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (seen >= warm && kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  }
}).observe({ entryTypes: ['gc'] });
const http = createServer({ name: 'large-message-memory', drivers: [{ port: 0 }] });
live(http, '/echo', (sock, type, msg) => {
  if (type !== 'binary') return;
  send(sock, type, msg);
  seen++;
  if (seen < warm) return;
  const now = process.resourceUsage().minorPageFault;
  if (seen === warm) faultsAtWarm = faultsAtWindow = now;
  else if ((seen - warm) % windowSize === 0) {
    windows.push((now - faultsAtWindow) / windowSize);
    faultsAtWindow = now;
  }
  if (seen === warm + measured) {
    const faultsPerMessage = (now - faultsAtWarm) / measured;
    process.stdout.write(`${JSON.stringify({ faultsPerMessage, windows, majorGcs })}\n`);
  }
});
const [d] = await http.listen();
process.stdout.write(`${d.port}\n`);
