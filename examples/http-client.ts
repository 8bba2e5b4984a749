// The HTTP/1.1 client: keep-alive and pipelining against connchan's own server.
// Run: npx tsx examples/http-client.ts
import { createServer } from 'connchan/server';
import { HttpClient, formatQuery } from 'connchan/http-client';

const server = createServer({ name: 'client-example', drivers: [{ port: 0 }] });
server.get('/hello', (ctx) => ctx.send(`hello ${ctx.query.get('name') ?? 'world'}`));
server.post('/form', async (ctx) => ctx.send(`got ${await ctx.text()}`));
const [d] = await server.listen();

const client = new HttpClient({ keepalive: true, pipeline: true });
const [a, b] = await Promise.all([
  client.geturl(`${d.url}hello?name=ada`),
  client.geturl(`${d.url}hello?name=tcl`),
]);
console.log(a.ncode, a.body, '|', b.ncode, b.body);
const post = await client.geturl(`${d.url}form`, { query: formatQuery('q', 'tcl http', 'n', '1') });
console.log(post.http, post.body);
await client.close();
await server.close({ graceMs: 100 });
