import { HttpClient } from './src/http-client/index.js';
import { Pool } from 'undici';
const base = 'http://127.0.0.1:18481/';
async function time(fn: () => Promise<void>, n: number): Promise<number> {
  const s = performance.now();
  await fn();
  return n / ((performance.now() - s) / 1000);
}
const N = 20000;
async function seq() {
  const c = new HttpClient({ keepalive: true });
  const p = new Pool(base, { connections: 1 });
  const ours = async (n: number) => { for (let i = 0; i < n; i++) await c.geturl(`${base}small.txt`); };
  const und = async (n: number) => { for (let i = 0; i < n; i++) await (await p.request({ path: '/small.txt', method: 'GET' })).body.text(); };
  await ours(2000); await und(2000);
  const a = await time(() => ours(N), N); const u = await time(() => und(N), N);
  c.close(); await p.close();
  console.log(`nginx sequential keep-alive GET: ours ${a.toFixed(0)}/s undici ${u.toFixed(0)}/s ratio ${(a / u).toFixed(2)}`);
}
async function piped() {
  const c = new HttpClient({ keepalive: true, pipeline: true, maxPipelineDepth: 64 });
  const p = new Pool(base, { connections: 1, pipelining: 64 });
  const ours = async (n: number) => { for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: 64 }, () => c.geturl(`${base}small.txt`))); };
  const und = async (n: number) => { for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: 64 }, async () => (await p.request({ path: '/small.txt', method: 'GET', blocking: false })).body.text())); };
  await ours(6400); await und(6400);
  const a = await time(() => ours(N * 2), N * 2); const u = await time(() => und(N * 2), N * 2);
  c.close(); await p.close();
  console.log(`nginx pipelined GET: ours ${a.toFixed(0)}/s undici ${u.toFixed(0)}/s ratio ${(a / u).toFixed(2)}`);
}
async function download() {
  const c = new HttpClient({ keepalive: true });
  const p = new Pool(base, { connections: 1 });
  const n = 30;
  const ours = async (k: number) => { for (let i = 0; i < k; i++) await c.geturl(`${base}big.bin`); };
  const und = async (k: number) => { for (let i = 0; i < k; i++) await (await p.request({ path: '/big.bin', method: 'GET' })).body.arrayBuffer(); };
  await ours(3); await und(3);
  const a = await time(() => ours(n), n * 16); const u = await time(() => und(n), n * 16);
  c.close(); await p.close();
  console.log(`nginx 16 MiB download: ours ${a.toFixed(0)} MiB/s undici ${u.toFixed(0)} MiB/s ratio ${(a / u).toFixed(2)}`);
}
const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'seq') await seq();
if (which === 'all' || which === 'pipe') await piped();
if (which === 'all' || which === 'dl') { await download(); await download(); }
if (which === 'best') {
  const c = new HttpClient({ keepalive: true });
  const p = new Pool(base, { connections: 1 });
  const n = 10;
  const ours = async (k: number) => { for (let i = 0; i < k; i++) await c.geturl(`${base}big.bin`); };
  const und = async (k: number) => { for (let i = 0; i < k; i++) await (await p.request({ path: '/big.bin', method: 'GET' })).body.arrayBuffer(); };
  let ba = 0, bu = 0;
  for (let r = 0; r < 6; r++) {
    ba = Math.max(ba, await time(() => ours(n), n * 16));
    bu = Math.max(bu, await time(() => und(n), n * 16));
  }
  console.log(`best-of-6 16 MiB: ours ${ba.toFixed(0)} undici ${bu.toFixed(0)} ratio ${(ba / bu).toFixed(2)}`);
  c.close(); await p.close();
}
if (which === 'cpu') {
  const c = new HttpClient({ keepalive: true });
  const p = new Pool(base, { connections: 1 });
  const n = 10;
  const ours = async (k: number) => { for (let i = 0; i < k; i++) await c.geturl(`${base}big.bin`); };
  const und = async (k: number) => { for (let i = 0; i < k; i++) await (await p.request({ path: '/big.bin', method: 'GET' })).body.arrayBuffer(); };
  await ours(3); await und(3);
  for (let r = 0; r < 3; r++) {
    let u0 = process.cpuUsage(); let t0 = performance.now(); await ours(n);
    let u1 = process.cpuUsage(u0); console.log(`ours: ${(performance.now() - t0).toFixed(0)} ms wall, ${((u1.user + u1.system) / 1000).toFixed(0)} ms cpu (user ${(u1.user/1000).toFixed(0)})`);
    u0 = process.cpuUsage(); t0 = performance.now(); await und(n);
    u1 = process.cpuUsage(u0); console.log(`undici: ${(performance.now() - t0).toFixed(0)} ms wall, ${((u1.user + u1.system) / 1000).toFixed(0)} ms cpu (user ${(u1.user/1000).toFixed(0)})`);
  }
  c.close(); await p.close();
}
