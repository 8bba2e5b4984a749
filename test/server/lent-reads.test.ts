// The plain-TCP server reads every socket into one lent buffer (src/io/lent-reads.ts): the next
// read, on any connection, overwrites it. These tests make other connections read in between
// and check that whatever outlives a read was copied: body pieces a handler keeps, bytes the
// parser holds between reads, and the bytes a detach hands to its channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/index.js';
import { read } from '../../src/channels/index.js';
import { rawConnect, type RawConn } from '../helpers/raw-http.js';
import { delay, until } from '../helpers/channel-pair.js';

/** Sends requests whose bytes differ from everything else on `noise` (each read fills the buffer). */
async function makeNoise(noise: RawConn, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    noise.write(`GET /noise HTTP/1.1\r\nHost: x\r\nX-Fill: ${'z'.repeat(2000)}\r\n\r\n`);
    await noise.waitFor((t) => t.split('noise!').length > i + 1);
  }
}

test('body pieces a handler keeps, and bytes held between reads, survive other connections reading', async () => {
  const server = createServer({ name: 'lent-body', drivers: [{ port: 0 }] });
  server.get('/noise', (ctx) => ctx.send('noise!'));
  server.post('/keep', async (ctx) => {
    const parts: Buffer[] = [];
    for await (const part of ctx.body()) parts.push(part);
    await delay(20); // other connections read meanwhile
    ctx.send(Buffer.concat(parts).toString('latin1'));
  });
  server.post('/late', async (ctx) => {
    await delay(30);
    ctx.send(await ctx.text());
  });
  const [d] = await server.listen();
  try {
    const noise = await rawConnect(d.port);
    const client = await rawConnect(d.port);
    const body = Array.from({ length: 300 }, (_, i) => `piece-${i};`).join('');
    const head = `POST /keep HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`;
    // Head and a first piece in one read, a partial second head held by the parser later on.
    client.write(head + body.slice(0, 700));
    await makeNoise(noise, 3);
    client.write(body.slice(700, 1500));
    await makeNoise(noise, 3);
    client.write(body.slice(1500));
    await client.waitFor((t) => t.endsWith(body));
    // Between requests: a head cut short is held by the parser while others read.
    client.write('POST /late HTTP/1.1\r\nHost: x\r\nContent-Le');
    await makeNoise(noise, 3);
    // A handler that reads its body only later: the body bytes of this read wait in the parser.
    client.write(`ngth: ${body.length}\r\n\r\n${body}`);
    await makeNoise(noise, 3);
    const text = await client.waitFor((t) => t.split(body).length === 3);
    assert.ok(text.includes(`\r\n\r\n${body}HTTP/1.1 200 OK`), 'the body came back whole');
    assert.ok(text.endsWith(`\r\n\r\n${body}`), 'the late body came back whole');
  } finally {
    await server.close({ graceMs: 50 });
  }
});

test('bytes read with a detaching request reach its channel intact after other reads', async () => {
  const server = createServer({ name: 'lent-detach', drivers: [{ port: 0 }] });
  let channel = '';
  server.get('/noise', (ctx) => ctx.send('noise!'));
  server.get('/detach', (ctx) => {
    channel = ctx.detach();
  });
  const [d] = await server.listen();
  try {
    const noise = await rawConnect(d.port);
    const client = await rawConnect(d.port);
    client.write('GET /detach HTTP/1.1\r\nHost: x\r\n\r\nfirst-bytes;');
    await until(() => channel !== '', 'detach');
    await makeNoise(noise, 3);
    client.write('later-bytes;');
    await makeNoise(noise, 3);
    let got = '';
    while (got.length < 'first-bytes;later-bytes;'.length) got += (await read(channel)).toString();
    assert.equal(got, 'first-bytes;later-bytes;');
    // Bulk data, read after the detach: copied out of the lent buffer read by read.
    const bulk = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i % 1000};`).join(''));
    client.write(bulk);
    const noisy = makeNoise(noise, 5);
    const parts: Buffer[] = [];
    let have = 0;
    while (have < bulk.length) {
      const part = await read(channel);
      parts.push(part);
      have += part.length;
    }
    assert.ok(Buffer.concat(parts).equals(bulk), 'the bulk bytes arrived intact');
    await noisy;
  } finally {
    await server.close({ graceMs: 50 });
  }
});
