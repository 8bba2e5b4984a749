// A server made again under the same name (a restart in the same process) gets its own
// WebSocket endpoints: the old server's handlers and routes do not carry over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../src/server/index.js';
import { live, lives, open, send } from '../../src/ws/index.js';

test('live endpoints belong to the server object, not to its name', async () => {
  const heard: string[] = [];
  for (const round of ['first', 'second']) {
    const http = createServer({ name: 'ws-restart', drivers: [{ host: '127.0.0.1', port: 0 }] });
    live(http, '/echo', (sock, type, msg) => {
      if (type !== 'text') return;
      heard.push(`${round}: ${msg}`);
      send(sock, 'text', `${round} answers ${msg}`);
    });
    assert.equal(lives(http).length, 1, 'one endpoint, not the old one too');
    const [bound] = await http.listen();
    const answers: string[] = [];
    const ws = await open(`ws://127.0.0.1:${bound.port}/echo`, (_s, type, msg) => {
      if (type === 'text') answers.push(msg);
    });
    ws.send('text', 'hi');
    while (answers.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(answers, [`${round} answers hi`]);
    ws.close(1000);
    await ws.closed();
    await http.close({ graceMs: 100 });
  }
  assert.deepEqual(heard, ['first: hi', 'second: hi']);
});
