// The browser-compatible WebSocket class, against our server and against the `ws` package.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { WebSocket, CloseEvent } from '../../src/ws/index.js';
import { echoServer } from './ws-helpers.js';

function once<T extends Event>(ws: EventTarget, type: string): Promise<T> {
  return new Promise((r) => ws.addEventListener(type, (e) => r(e as T), { once: true }));
}

describe('WebSocket (browser API)', () => {
  test(
    'onopen, onmessage with each binaryType, protocol, extensions, close event',
    { timeout: 5000 },
    async () => {
      const srv = await echoServer();
      try {
        const ws = new WebSocket(`${srv.url}/echo`, ['chat']);
        assert.equal(ws.readyState, WebSocket.CONNECTING);
        assert.throws(() => ws.send('too early'), { name: 'InvalidStateError' });
        await new Promise<void>((resolve) => (ws.onopen = () => resolve()));
        assert.equal(ws.readyState, ws.OPEN);
        assert.equal(ws.protocol, 'chat');
        assert.equal(ws.extensions, 'permessage-deflate');
        const texts: unknown[] = [];
        ws.onmessage = (ev) => texts.push((ev as MessageEvent).data);
        ws.send('hello');
        await once(ws, 'message');
        assert.deepEqual(texts, ['hello']);
        ws.onmessage = null;
        ws.binaryType = 'arraybuffer';
        ws.send(new Uint8Array([1, 2, 3]));
        const ab = (await once<MessageEvent>(ws, 'message')).data as ArrayBuffer;
        assert.ok(ab instanceof ArrayBuffer);
        assert.deepEqual([...new Uint8Array(ab)], [1, 2, 3]);
        ws.binaryType = 'blob';
        ws.send(new Blob([new Uint8Array([4, 5])]));
        ws.send('after the blob');
        const two: unknown[] = [];
        const listener = (e: Event) => two.push((e as MessageEvent).data);
        ws.addEventListener('message', listener);
        await new Promise<void>((r) => setTimeout(r, 10));
        while (two.length < 2) await new Promise<void>((r) => setTimeout(r, 5));
        ws.removeEventListener('message', listener);
        assert.deepEqual([...new Uint8Array(await (two[0] as Blob).arrayBuffer())], [4, 5]);
        assert.equal(two[1], 'after the blob');
        assert.equal(texts.length, 1, 'onmessage = null removed the handler');
        assert.throws(() => ws.close(1001), { name: 'InvalidAccessError' });
        assert.throws(() => ws.close(4000, 'x'.repeat(124)), { name: 'SyntaxError' });
        const closed = once<InstanceType<typeof CloseEvent>>(ws, 'close');
        ws.close(4000, 'done');
        assert.equal(ws.readyState, ws.CLOSING);
        const ev = await closed;
        assert.equal(ev.code, 4000);
        assert.equal(ev.wasClean, true);
        assert.equal(ws.readyState, WebSocket.CLOSED);
      } finally {
        await srv.close();
      }
    },
  );

  test('a refused connection gives error then close 1006', async () => {
    const ws = new WebSocket('ws://127.0.0.1:1/');
    const events: string[] = [];
    ws.onerror = () => events.push('error');
    const ev = await new Promise<InstanceType<typeof CloseEvent>>(
      (r) => (ws.onclose = (e) => r(e as InstanceType<typeof CloseEvent>)),
    );
    assert.deepEqual(events, ['error']);
    assert.equal(ev.code, 1006);
    assert.equal(ws.readyState, WebSocket.CLOSED);
  });

  test('bad URLs are SyntaxErrors; http(s) URLs map to ws(s)', () => {
    assert.throws(() => new WebSocket('ftp://x/'), { name: 'SyntaxError' });
    assert.throws(() => new WebSocket('ws://x/#frag'), { name: 'SyntaxError' });
    assert.throws(() => new WebSocket('not a url'), { name: 'SyntaxError' });
    assert.throws(() => new WebSocket('ws://127.0.0.1:1/', ['a', 'a']), { name: 'SyntaxError' });
    const ws = new WebSocket('http://127.0.0.1:1/x');
    ws.onerror = () => {};
    assert.equal(ws.url, 'ws://127.0.0.1:1/x');
  });

  test('against the ws package as server: compression, echo, server close code', async () => {
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      perMessageDeflate: { threshold: 0 },
    });
    await new Promise<void>((r) => (wss.address() ? r() : wss.once('listening', () => r())));
    wss.on('connection', (s) => {
      s.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'bye') s.close(4321, 'ws says bye');
        else s.send(data, { binary: isBinary });
      });
    });
    try {
      const port = (wss.address() as { port: number }).port;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      await once(ws, 'open');
      assert.equal(ws.extensions, 'permessage-deflate');
      const big = 'compress me '.repeat(10_000);
      ws.send(big);
      assert.equal((await once<MessageEvent>(ws, 'message')).data, big);
      ws.send('bye');
      const ev = await once<InstanceType<typeof CloseEvent>>(ws, 'close');
      assert.deepEqual([ev.code, ev.reason, ev.wasClean], [4321, 'ws says bye', true]);
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });
});
