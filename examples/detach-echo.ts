// A handler detaches its connection into a channel; a callback echoes what arrives.
// Run: npx tsx examples/detach-echo.ts
import { createServer } from 'connchan/server';
import { callback, connect, read, write, list, close, KEEP, CANCEL } from 'connchan/channels';

const server = createServer({ name: 'example', drivers: [{ port: 0 }] });
server.get('/echo', (ctx) => {
  const name = ctx.detach();
  write(name, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
  callback(
    name,
    async function echo(why) {
      if (why === 't') return CANCEL;
      const data = await read(name);
      if (data.length === 0) return CANCEL;
      write(name, data.toString().toUpperCase());
      return KEEP;
    },
    'r',
    { timeout: '10s' },
  );
});
const [http] = await server.listen();

const client = await connect('127.0.0.1', http.port);
write(client, 'GET /echo HTTP/1.1\r\nHost: example\r\n\r\n');
let text = '';
while (!text.includes('\r\n\r\n')) text += (await read(client)).toString();
write(client, 'hello, channels');
console.log('echoed:', (await read(client)).toString());
console.table(
  list({ server: 'example' }).map(
    ({ name, driver, peer, sent, received, callback: cb, condition }) => ({
      name,
      driver,
      peer,
      sent,
      received,
      callback: cb,
      condition,
    }),
  ),
);
close(client);
await server.close({ graceMs: 100 });
