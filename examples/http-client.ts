// The HTTP/1.1 client against connchan's own server: fetch and request (undici's shape), then
// Tcl http's geturl with keep-alive and pipelining on one connection.
// Run: npx tsx examples/http-client.ts
import { createServer } from 'connchan/server';
import { HttpClient, fetch, request, formatQuery, getGlobalDispatcher } from 'connchan/http-client';

const server = createServer({ name: 'client-example', drivers: [{ port: 0 }] });
server.get('/hello', (ctx) => ctx.send(`hello ${ctx.query.get('name') ?? 'world'}`));
server.post('/form', async (ctx) => ctx.send(`got ${await ctx.text()}`));
const [d] = await server.listen();

// As with the platform's fetch and with undici: only the import differs.
const res = await fetch(`${d.url}hello?name=fetch`);
console.log(res.status, await res.text());
const { statusCode, body } = await request(`${d.url}form`, { method: 'POST', body: 'q=undici' });
console.log(statusCode, await body.text());

// Tcl http: one persistent connection per origin, GETs pipelined on it.
const client = new HttpClient({ maxConnectionsPerOrigin: 1 });
const [a, b] = await Promise.all([
  client.geturl(`${d.url}hello?name=ada`),
  client.geturl(`${d.url}hello?name=tcl`),
]);
console.log(a.ncode, a.body, '|', b.ncode, b.body);
const post = await client.geturl(`${d.url}form`, { query: formatQuery('q', 'tcl http', 'n', '1') });
console.log(post.http, post.body);
client.close();
getGlobalDispatcher().close();
await server.close({ graceMs: 100 });
