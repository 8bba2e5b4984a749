// connchan WebSockets on a plain node:http server through its 'upgrade' event, with the `ws`
// package's client as the peer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { WebSocket as WsClient } from 'ws';
import { list } from '../../src/channels/index.js';
import { handleNodeUpgrade, send, type WebSocketConnection } from '../../src/ws/index.js';
import { until } from '../helpers/channel-pair.js';
import { listenLocal } from '../helpers/listen.js';

describe('handleNodeUpgrade', () => {
  test('upgrades, echoes, shows in the channel table; rejects by path and by verify', async () => {
    const conns: WebSocketConnection[] = [];
    const http = createServer((_req, res) => res.end('plain http\n'));
    http.on('upgrade', (req, socket, head) => {
      const conn = handleNodeUpgrade(req, socket, head, {
        path: '/ws',
        table: 'node-adapter-test',
        protocols: ['chat'],
        verify: (r) =>
          r.headers.authorization === 'Bearer ok'
            ? true
            : { status: 401, headers: { 'WWW-Authenticate': 'Bearer' }, body: 'no\n' },
        handler: (sock, type, msg) => {
          if (type === 'text') send(sock, 'text', `echo:${msg}`);
        },
      });
      if (conn) conns.push(conn);
    });
    const port = await listenLocal(http);
    try {
      const client = new WsClient(`ws://127.0.0.1:${port}/ws`, ['chat'], {
        headers: { Authorization: 'Bearer ok' },
      });
      await new Promise((r, j) => {
        client.once('open', r);
        client.once('error', j);
      });
      assert.equal(client.protocol, 'chat');
      assert.equal(client.extensions, 'permessage-deflate');
      const reply = new Promise<string>((r) => client.once('message', (d) => r(d.toString())));
      client.send('hi');
      assert.equal(await reply, 'echo:hi');
      assert.ok(list({ server: 'node-adapter-test' }).some((e) => e.name === conns[0].name));
      const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
      conns[0].close(4100);
      assert.equal(await closed, 4100);
      await until(() => conns[0].state === 'CLOSED', 'closed');

      for (const [path, headers, status] of [
        ['/ws', {}, 401],
        ['/elsewhere', { Authorization: 'Bearer ok' }, 404],
      ] as const) {
        const bad = new WsClient(`ws://127.0.0.1:${port}${path}`, { headers });
        bad.on('error', () => {});
        const got = await new Promise<number>((r) =>
          bad.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)),
        );
        assert.equal(got, status);
        bad.terminate();
      }
    } finally {
      await new Promise((r) => http.close(r));
    }
  });
});
