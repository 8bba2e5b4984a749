// connchan's diagnostics channels: a response that ended (status, bytes, duration), a detach
// (the request and the channel it became), a channel that left its table (its counters).
import { test } from 'node:test';
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
