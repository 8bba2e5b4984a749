// The reconnecting client: backoff after drops and failed attempts, queued or refused sends.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { close, live, openReconnecting, send } from '../../src/ws/index.js';
import { until } from '../helpers/channel-pair.js';
import { startServer } from './ws-helpers.js';

describe('openReconnecting', () => {
  test('reopens after the server drops it, delivering messages queued meanwhile in order', async () => {
    const serverSocks: string[] = [];
    const received: string[] = [];
    const srv = await startServer((http) =>
      live(http, '/r', (sock, type, msg) => {
        if (type === 'connect') serverSocks.push(sock);
        if (type === 'text') {
          received.push(msg);
          send(sock, 'text', `ack:${msg}`);
        }
      }),
    );
    try {
      const events: string[] = [];
      const rc = await openReconnecting(
        `${srv.url}/r`,
        (_sock, type, _msg) => void events.push(type),
        {
          reconnect: { minDelayMs: 20, maxDelayMs: 100 },
        },
      );
      assert.ok(rc.connection);
      rc.send('text', 'one');
      await until(() => received.length === 1, 'first message');
      close(serverSocks[0], 1012, 'restarting');
      await until(() => rc.connection === undefined, 'dropped');
      assert.equal(rc.send('text', 'two'), 0);
      assert.equal(rc.send('text', 'three'), 0);
      assert.equal(rc.queued, 2);
      await until(() => received.length === 3, 'queued messages after reconnecting');
      assert.deepEqual(received, ['one', 'two', 'three']);
      assert.equal(rc.reconnects, 1);
      assert.equal(serverSocks.length, 2);
      assert.deepEqual(
        events.filter((e) => e === 'connect' || e === 'disconnect'),
        ['connect', 'disconnect', 'connect'],
      );
      rc.close();
      await rc.closed();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(serverSocks.length, 2, 'no reconnection after close()');
    } finally {
      await srv.close();
    }
  });

  test('refuse mode returns -1 while disconnected; gives up after maxRetries', async () => {
    const socks: string[] = [];
    const srv = await startServer((http) =>
      live(http, '/r', (sock, type, _msg) => void (type === 'connect' && socks.push(sock))),
    );
    const url = `${srv.url}/r`;
    const rc = await openReconnecting(url, undefined, {
      reconnect: { minDelayMs: 10, maxDelayMs: 20, whileDisconnected: 'refuse', maxRetries: 2 },
    });
    await until(() => socks.length === 1, 'server side');
    await srv.close(); // closes the connection (1001) and stops listening: reconnecting fails
    await until(() => rc.connection === undefined, 'dropped');
    assert.equal(rc.send('text', 'x'), -1);
    await rc.closed();
    assert.equal(rc.send('text', 'x'), -1);
    await assert.rejects(
      openReconnecting(url, undefined, { reconnect: { minDelayMs: 5, maxRetries: 1 } }),
    );
  });
});
