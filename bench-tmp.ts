import { createServer } from './src/server/index.js';
import { HttpClient } from './src/http-client/index.js';
import { Pool } from 'undici';
const server = createServer({ name: 'bench', drivers: [{ port: 0 }] });
server.route('GET', '/hello', (ctx) => ctx.send('hello world', 200, 'text/plain'));
const [b] = await server.listen();
const N = 20000;
async function ours() {
  const c = new HttpClient({ keepalive: true });
  for (let i = 0; i < 500; i++) await c.geturl(`${b.url}hello`);
  const s = performance.now();
  for (let i = 0; i < N; i++) await c.geturl(`${b.url}hello`);
  const r = N / ((performance.now() - s) / 1000);
  c.close();
  return r;
}
async function und() {
  const p = new Pool(b.url, { connections: 1 });
  for (let i = 0; i < 500; i++) await (await p.request({ path: '/hello', method: 'GET' })).body.text();
  const s = performance.now();
  for (let i = 0; i < N; i++) await (await p.request({ path: '/hello', method: 'GET' })).body.text();
  const r = N / ((performance.now() - s) / 1000);
  await p.close();
  return r;
}
for (let round = 0; round < 2; round++) {
  const a = await ours();
  const u = await und();
  console.log(`ours ${a.toFixed(0)} req/s, undici ${u.toFixed(0)} req/s, ratio ${(a / u).toFixed(2)}`);
}
await server.close();
