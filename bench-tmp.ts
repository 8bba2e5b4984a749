import { createServer } from './src/server/index.js';
import { HttpClient } from './src/http-client/index.js';
import { Pool } from 'undici';
const server = createServer({ name: 'bench', drivers: [{ port: 0, host: '127.0.0.1' }] });
server.route('GET', '/hello', (ctx) => ctx.send('hello world', 200, 'text/plain'));
const big = Buffer.alloc(16 * 1024 * 1024, 7);
server.route('GET', '/big', (ctx) => ctx.send(big, 200, 'application/octet-stream'));
const [b] = await server.listen();
const url = `${b.url}hello`;
async function time(fn: () => Promise<void>, n: number): Promise<number> {
  const s = performance.now();
  await fn();
  return n / ((performance.now() - s) / 1000);
}
const N = 20000;
async function seq() {
  const c = new HttpClient({ keepalive: true });
  const p = new Pool(b.url, { connections: 1 });
  const ours = async (n: number) => { for (let i = 0; i < n; i++) await c.geturl(url); };
  const und = async (n: number) => { for (let i = 0; i < n; i++) await (await p.request({ path: '/hello', method: 'GET' })).body.text(); };
  await ours(2000); await und(2000);
  const a = await time(() => ours(N), N); const u = await time(() => und(N), N);
  c.close(); await p.close();
  console.log(`sequential keep-alive GET: ours ${a.toFixed(0)}/s undici ${u.toFixed(0)}/s ratio ${(a / u).toFixed(2)}`);
}
async function piped() {
  const c = new HttpClient({ keepalive: true, pipeline: true, maxPipelineDepth: 64 });
  const p = new Pool(b.url, { connections: 1, pipelining: 64 });
  const ours = async (n: number) => { for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: 64 }, () => c.geturl(url))); };
  const und = async (n: number) => { for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: 64 }, async () => (await p.request({ path: '/hello', method: 'GET', blocking: false })).body.text())); };
  await ours(6400); await und(6400);
  const a = await time(() => ours(N * 2), N * 2); const u = await time(() => und(N * 2), N * 2);
  c.close(); await p.close();
  console.log(`pipelined GET (64 at once, 1 conn): ours ${a.toFixed(0)}/s undici ${u.toFixed(0)}/s ratio ${(a / u).toFixed(2)}`);
}
async function download() {
  const c = new HttpClient({ keepalive: true });
  const p = new Pool(b.url, { connections: 1 });
  const n = 20;
  const ours = async (k: number) => { for (let i = 0; i < k; i++) await c.geturl(`${b.url}big`); };
  const und = async (k: number) => { for (let i = 0; i < k; i++) await (await p.request({ path: '/big', method: 'GET' })).body.arrayBuffer(); };
  await ours(3); await und(3);
  const a = await time(() => ours(n), n * 16); const u = await time(() => und(n), n * 16);
  c.close(); await p.close();
  console.log(`16 MiB download: ours ${a.toFixed(0)} MiB/s undici ${u.toFixed(0)} MiB/s ratio ${(a / u).toFixed(2)}`);
}
const which = process.argv[2] ?? "all";
if (which === "all" || which === "seq") await seq();
if (which === "all" || which === "pipe") await piped();
if (which === "all" || which === "dl") { await download(); await download(); }
await server.close();
