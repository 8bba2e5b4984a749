// Structural properties of the HTTP server's keep-alive hot path, asserted on behaviour (never on
// time): a short response leaves in one write of one remembered Buffer, whatever changes in a
// response is never served from that memory, and no timer is made per connection or request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { createHook } from 'node:async_hooks';
import { createServer } from '../../src/server/index.js';
import { HandleSocket } from '../../src/io/handle-socket.js';
import { rawConnect, type RawConn } from '../helpers/raw-http.js';

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

/**
 * Counts the socket writes made on sockets whose peer port is `port` (the server's side), on
 * either kind of server socket (a bare handle's or `net.Socket`).
 */
function recordWrites(port: () => number): { chunks: unknown[]; restore(): void } {
  const chunks: unknown[] = [];
  const restores = [Socket.prototype, HandleSocket.prototype].map((proto) => {
    const original = proto.write;
    proto.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (this.remotePort === port()) chunks.push(chunk);
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof original;
    return () => (proto.write = original);
  });
  return { chunks, restore: () => restores.forEach((restore) => restore()) };
}

test('a short response of a shared field list leaves in one write of one remembered Buffer', async () => {
  const server = createServer({ name: 'hot-one-write', drivers: [{ port: 0 }] });
  server.get('/', (ctx) => ctx.send('Hello, World!'));
  const [d] = await server.listen();
  const client = await rawConnect(d.port);
  const writes = recordWrites(() => client.socket.localPort!);
  try {
    for (let i = 1; i <= 4; i++) {
      client.write(GET);
      await client.waitFor((t) => t.split('Hello, World!').length === i + 1);
    }
  } finally {
    writes.restore();
  }
  try {
    assert.equal(writes.chunks.length, 4, 'one write per response');
    for (const chunk of writes.chunks) {
      assert.ok(Buffer.isBuffer(chunk), 'a ready-made Buffer, not a string to encode');
      const text = (chunk as Buffer).toString('latin1');
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /\r\nContent-Length: 13\r\n/);
      assert.match(
        text,
        /\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n/,
      );
      assert.ok(text.endsWith('\r\n\r\nHello, World!'));
    }
    // The same Buffer again (only a Date second between two writes can change it).
    const same = writes.chunks.slice(1).filter((c, i) => c === writes.chunks[i]).length;
    assert.ok(same >= 2, `the remembered response was written again (${same} of 3)`);
    assert.equal(client.text().split('HTTP/1.1 200 OK\r\n').length, 5, 'four answers');
  } finally {
    client.socket.destroy();
    await server.close({ graceMs: 50 });
  }
});

test('whatever differs between responses is never served from the remembered one', async () => {
  const server = createServer({ name: 'hot-not-stale', drivers: [{ port: 0 }] });
  let n = 0;
  server.get('/', (ctx) => {
    n++;
    if (n % 4 === 1) ctx.send(`body-${n}`);
    else if (n % 4 === 2) ctx.send(`body-${n}`, 201);
    else if (n % 4 === 3) ctx.header('X-N', n).send(`body-${n}`);
    else ctx.send(`body-${n}`, 200, 'text/html');
  });
  const [d] = await server.listen();
  const client = await rawConnect(d.port);
  try {
    for (let i = 1; i <= 8; i++) {
      client.write(GET);
      await client.waitFor((t) => t.endsWith(`body-${i}`));
    }
    // HEAD answered by the GET route: the head alone, though the GET's response is remembered.
    client.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.waitFor((t) => t.split('HTTP/1.1').length === 10 && t.endsWith('\r\n\r\n'));
    // HTTP/1.0 with keep-alive gets its own status line and Connection field.
    client.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await client.waitFor((t) => t.endsWith('body-10'));
    const answers = client.text().split(/(?=HTTP\/1\.[01] )/);
    assert.equal(answers.length, 10);
    for (let i = 1; i <= 8; i++) {
      const a = answers[i - 1];
      assert.ok(a.endsWith(`\r\n\r\nbody-${i}`), `answer ${i} has its own body`);
      assert.match(a, new RegExp(`\\r\\nContent-Length: ${`body-${i}`.length}\\r\\n`));
      assert.equal(a.startsWith('HTTP/1.1 201 '), i % 4 === 2, `answer ${i}'s status`);
      assert.equal(a.includes(`\r\nX-N: ${i}\r\n`), i % 4 === 3, `answer ${i}'s own header`);
      assert.equal(a.includes('text/html'), i % 4 === 0, `answer ${i}'s content type`);
    }
    assert.match(answers[8], /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 6\r\n\r\n$/);
    assert.match(
      answers[9],
      /^HTTP\/1\.0 201 Created\r\n[^]*Connection: keep-alive\r\n\r\nbody-10$/,
    );
  } finally {
    client.socket.destroy();
    await server.close({ graceMs: 50 });
  }
});

test('keep-alive connections and their requests create no timer (one sweep per server)', async () => {
  const server = createServer({ name: 'hot-timers', drivers: [{ port: 0 }] });
  server.get('/', (ctx) => ctx.send('ok'));
  const [d] = await server.listen();
  const first = await rawConnect(d.port);
  const clients = [first];
  // Every timer made from here on, ref'd or not (a socket's own timeout is an unref'd one).
  let timersMade = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') timersMade++;
    },
  });
  try {
    first.write(GET);
    await first.waitFor((t) => t.endsWith('ok'));
    hook.enable();
    for (let i = 0; i < 31; i++) clients.push(await rawConnect(d.port));
    for (let round = 1; round <= 3; round++) {
      for (const c of clients) c.write(GET);
      // Waiting on 'data' (not waitFor, which makes a timer of its own).
      await Promise.all(clients.map((c) => answered(c, c === first ? round + 1 : round)));
    }
    hook.disable();
    assert.equal(timersMade, 0, '32 connections and 97 requests made timers');
  } finally {
    hook.disable();
    for (const c of clients) c.socket.destroy();
    await server.close({ graceMs: 50 });
  }
});

/** Resolves once `c` received `n` answers `ok`, listening to its 'data' (no timer). */
function answered(c: RawConn, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (c.text().split('\r\n\r\nok').length > n) {
        c.socket.off('data', check);
        resolve();
      }
    };
    c.socket.on('data', check);
    check();
  });
}
