// Child process of large-message-memory.test.ts: a fresh heap running a bare live() echo
// endpoint, as the 1 MiB bench row does. Prints its port, then, once `warm + measured` messages
// have been echoed, one JSON line: page faults per message over the measured ones.
// argv: warm-up messages, measured messages.
import { createServer } from '../../src/server/index.js';
import { live, send } from '../../src/ws/index.js';

const [warm, measured] = [Number(process.argv[2]), Number(process.argv[3])];
let seen = 0;
let faultsAtWarm = 0;
const http = createServer({ name: 'large-message-memory', drivers: [{ port: 0 }] });
live(http, '/echo', (sock, type, msg) => {
  if (type !== 'binary') return;
  send(sock, type, msg);
  seen++;
  if (seen === warm) faultsAtWarm = process.resourceUsage().minorPageFault;
  if (seen === warm + measured) {
    const faults = process.resourceUsage().minorPageFault - faultsAtWarm;
    process.stdout.write(`${JSON.stringify({ faultsPerMessage: faults / measured })}\n`);
  }
});
const [d] = await http.listen();
process.stdout.write(`${d.port}\n`);
