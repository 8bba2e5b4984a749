// Child process of large-message-memory.test.ts: a fresh heap running a bare live() echo
// endpoint, as the large-message bench rows do. Prints its port, then, once `warm + measured`
// messages have been echoed, one JSON line: page faults per message and V8's mark-compacts over
// the measured ones. argv: warm-up messages, measured messages.
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { createServer } from '../../src/server/index.js';
import { live, send } from '../../src/ws/index.js';

const [warm, measured] = [Number(process.argv[2]), Number(process.argv[3])];
let seen = 0;
let faultsAtWarm = 0;
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
  if (seen === warm) faultsAtWarm = process.resourceUsage().minorPageFault;
  if (seen === warm + measured) {
    const faults = process.resourceUsage().minorPageFault - faultsAtWarm;
    process.stdout.write(`${JSON.stringify({ faultsPerMessage: faults / measured, majorGcs })}\n`);
  }
});
const [d] = await http.listen();
process.stdout.write(`${d.port}\n`);
