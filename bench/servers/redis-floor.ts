// The floor under the cross-node latency of `npm run bench fanout`: the same client (node-redis)
// and the same Redis, nothing else. `sub URL SECS` subscribes, prints "ready", then for SECS
// seconds measures each message's age (it carries "T<send time in µs since the epoch>") and
// prints {count, p50, p99} in ms; `pub URL SECS` publishes one such message per millisecond
// (setInterval, as the fan-out server's /rate does).
import { createRequire } from 'node:module';
import { wallOffsetMs } from './wall-clock.js';

const require = createRequire(import.meta.url);
const { createClient } = require('redis') as typeof import('redis');
const [mode, url, secsText] = process.argv.slice(2);
const secs = Number(secsText ?? 5);
const offset = wallOffsetMs();
const nowUs = () => Math.round((offset + performance.now()) * 1000);
const client = createClient({ url });
await client.connect();

if (mode === 'sub') {
  const ages: number[] = [];
  await client.subscribe('floor', (message: string) => {
    ages.push((nowUs() - Number(message.slice(1, message.indexOf('x')))) / 1000);
  });
  console.log('ready');
  setTimeout(() => {
    ages.sort((a, b) => a - b);
    const at = (q: number) => ages[Math.min(ages.length - 1, Math.floor(ages.length * q))] ?? 0;
    console.log(JSON.stringify({ count: ages.length, p50: at(0.5), p99: at(0.99) }));
    process.exit(0);
  }, secs * 1000);
} else {
  const end = Date.now() + secs * 1000;
  const timer = setInterval(() => {
    if (Date.now() > end) {
      clearInterval(timer);
      process.exit(0);
    }
    const head = `T${nowUs()}`;
    void client.publish('floor', head + 'x'.repeat(64 - head.length));
  }, 1);
}
