// Browser code, pasted in: `chatClient` below is written as it would be for a browser (DOM event
// types inferred, no casts on the events, `this` in a function handler), with only the import
// added. The type-check step of `npm test` compiles it under `strict`; this test runs it against
// our server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from '../../src/ws/index.js';
import { echoServer } from './ws-helpers.js';

// --- pasted browser code -------------------------------------------------------------------------
function chatClient(url: string, log: string[]): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'chat');
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('open', () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ type: 'hello', name: 'ada' }));
      ws.send(new Uint8Array([1, 2, 3]));
    });
    ws.addEventListener('message', (event) => {
      if (typeof event.data === 'string') {
        const msg = JSON.parse(event.data);
        log.push(`text ${msg.type} ${event.origin}`);
      } else {
        log.push(`bytes ${new Uint8Array(event.data).length}`);
      }
    });
    ws.onmessage = function (event) {
      if (log.length === 3) this.close(1000, 'bye');
      log.push(`onmessage ${typeof event.data}`);
    };
    ws.onerror = (event) => log.push(`error ${event.type}`);
    ws.onclose = (event) => {
      log.push(`close ${event.code} ${event.reason || '-'} ${event.wasClean}`);
      resolve();
    };
  });
}
// --- end of pasted code ---------------------------------------------------------------------------

test('browser code pasted in compiles under strict and runs', { timeout: 10_000 }, async () => {
  const srv = await echoServer({ protocol: 'chat' });
  try {
    const log: string[] = [];
    await chatClient(`${srv.url}/echo`, log);
    assert.deepEqual(log, [
      `text hello http://127.0.0.1:${srv.port}`.replace('http:', 'ws:'),
      'onmessage string',
      'bytes 3',
      'onmessage object',
      'close 1000 - true',
    ]);
  } finally {
    await srv.close();
  }
});
