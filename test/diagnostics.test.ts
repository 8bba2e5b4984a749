// connchan's diagnostics channels: a response that ended (status, bytes, duration), a detach
// (the request and the channel it became), a channel that left its table (its counters).
import { test, type TestContext } from 'node:test';
import { connect } from 'node:net';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  DIAGNOSTICS,
  type ChannelCloseMessage,
  type DetachMessage,
  type ResponseMessage,
} from '../src/index.js';
import { createServer } from '../src/server/index.js';
import { close, write } from '../src/channels/index.js';
import { live, open, send } from '../src/ws/index.js';
import { rawConnect } from './helpers/raw-http.js';

test('diagnostics: responses, detaches and channel closes, for every server, with what a log needs', async () => {
  const responses: ResponseMessage[] = [];
  const detaches: DetachMessage[] = [];
  const closes: ChannelCloseMessage[] = [];
  const onResponse = (m: unknown) => responses.push(m as ResponseMessage);
  const onDetach = (m: unknown) => detaches.push(m as DetachMessage);
  const onClose = (m: unknown) => closes.push(m as ChannelCloseMessage);
  subscribe(DIAGNOSTICS.response, onResponse);
  subscribe(DIAGNOSTICS.detach, onDetach);
  subscribe(DIAGNOSTICS.channelClose, onClose);
  const server = createServer({ name: 'diag', drivers: [{ host: '127.0.0.1', port: 0 }] });
  server.get('/hello', (ctx) => ctx.send('hello world'));
  server.get('/keep', (ctx) => {
    const name = ctx.detach();
    write(name, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nkept');
    setTimeout(() => close(name), 50);
  });
  const [bound] = await server.listen();
  try {
    const conn = await rawConnect(bound.port);
    conn.write('GET /hello?x=1 HTTP/1.1\r\nHost: t\r\nUser-Agent: diag-test\r\n\r\n');
    await conn.waitFor((t) => t.endsWith('hello world'));
    conn.write('GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n');
    await conn.waitFor((t) => t.includes('404'));
    conn.write('GET /keep HTTP/1.1\r\nHost: t\r\n\r\n');
    await conn.closed();

    assert.deepEqual(
      responses.map((r) => [
        r.server,
        r.request.method,
        r.request.target,
        r.request.path,
        r.status,
      ]),
      [
        ['diag', 'GET', '/hello?x=1', '/hello', 200],
        ['diag', 'GET', '/nothing', '/nothing', 404],
      ],
    );
    const [hello] = responses;
    assert.equal(hello.request.headers.get('user-agent'), 'diag-test');
    assert.equal(hello.request.peer, '127.0.0.1');
    assert.equal(hello.request.driver, 'http');
    const head = conn.text().slice(0, conn.text().indexOf('hello world'));
    assert.equal(hello.bytes, head.length + 'hello world'.length, 'head and body bytes');
    assert.ok(hello.durationMs >= 0 && hello.durationMs < 5000);

    assert.equal(detaches.length, 1);
    assert.equal(detaches[0].request.path, '/keep');
    assert.match(detaches[0].channel, /^conn\d+$/);
    const closed = closes.find((c) => c.name === detaches[0].channel);
    assert.ok(closed, 'the detached channel was seen leaving');
    assert.equal(closed.server, 'diag');
    assert.equal(closed.kind, 'detached');
    assert.equal(closed.sent, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nkept'.length);
  } finally {
    unsubscribe(DIAGNOSTICS.response, onResponse);
    unsubscribe(DIAGNOSTICS.detach, onDetach);
    unsubscribe(DIAGNOSTICS.channelClose, onClose);
    await server.close({ graceMs: 100 });
  }
});

/**
 * Counts the server's getpeername(2) calls from now on: the libuv TCP handles' method, spied on
 * (the calls of the client, which learn the server's port, are left out).
 */
async function serverPeerReads(t: TestContext, serverPort: number): Promise<() => number> {
  const probe = connect(serverPort, '127.0.0.1');
  await new Promise((resolve) => probe.once('connect', resolve));
  const proto = Object.getPrototypeOf((probe as unknown as { _handle: object })._handle) as {
    getpeername(out: { port?: number }): number;
  };
  probe.destroy();
  const original = proto.getpeername;
  let reads = 0;
  t.mock.method(proto, 'getpeername', function (this: unknown, out: { port?: number }) {
    const err = original.call(this, out);
    if (out.port !== serverPort) reads++;
    return err;
  });
  return () => reads;
}

test('diagnostics: a channel close asks the socket for the peer only if a subscriber reads it, during the publish', async (t) => {
  const server = createServer({ name: 'diag-peer', drivers: [{ host: '127.0.0.1', port: 0 }] });
  live(server, '/echo', (sock, type, msg) => {
    if (type === 'text') send(sock, 'text', msg);
  });
  const [bound] = await server.listen();
  const closes: { name: string; peer?: string; json?: string }[] = [];
  let readPeer = false;
  const onClose = (m: unknown) => {
    const c = m as ChannelCloseMessage;
    if (c.server !== 'diag-peer') return;
    closes.push(
      readPeer ? { name: c.name, peer: c.peer, json: JSON.stringify(c) } : { name: c.name },
    );
  };
  const onDetach = (m: unknown) => assert.match((m as DetachMessage).channel, /^conn\d+$/);
  subscribe(DIAGNOSTICS.channelClose, onClose);
  subscribe(DIAGNOSTICS.detach, onDetach);
  const life = async () => {
    const ws = await open(`ws://127.0.0.1:${bound.port}/echo`);
    ws.close(1000);
    await ws.closed();
    const deadline = Date.now() + 5000;
    while (closes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return closes.splice(0);
  };
  try {
    const reads = await serverPeerReads(t, bound.port);
    // Observers that never read the address (a dashboard, a log without it): no system call.
    const [quiet] = await life();
    assert.match(quiet.name, /^conn\d+$/);
    assert.equal(reads(), 0);
    // One that reads it, during the publish, gets the client's address: one call.
    readPeer = true;
    const [told] = await life();
    assert.equal(told.peer, '127.0.0.1');
    assert.equal(reads(), 1);
    assert.equal((JSON.parse(told.json as string) as { peer: string }).peer, '127.0.0.1');
  } finally {
    unsubscribe(DIAGNOSTICS.channelClose, onClose);
    unsubscribe(DIAGNOSTICS.detach, onDetach);
    await server.close({ graceMs: 100 });
  }
});
