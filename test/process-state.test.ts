// One state per process: a second copy of connchan's modules (here: the sources copied to a
// temporary directory, as a second installed copy would be) shares the channel table, channel
// names, the WebSocket registry and log level, topics, the cluster member, the HTTP client's
// defaults and its transports.
// The packed build's ESM and CommonJS entry points are checked the same way in
// test/package/packed-install.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as one from '../src/index.js';
import { PROCESS_STATE_KEY } from '../src/process-state.js';

type Connchan = typeof one;

test('a second copy of connchan shares channels, WebSockets, topics and defaults with the first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'connchan-copy-'));
  cpSync(new URL('../src', import.meta.url), join(dir, 'src'), { recursive: true });
  const two = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as Connchan;
  assert.notEqual(two.channels.list, one.channels.list, 'two copies of the modules are loaded');
  assert.equal(Object.keys(globalThis).includes(String(PROCESS_STATE_KEY)), false);

  const server = one.createServer({ name: 'state-a', drivers: [{ host: '127.0.0.1', port: 0 }] });
  // Served by copy one, answered through copy two.
  one.ws.live(server, '/echo', (sock, type, msg) => {
    if (type === 'text') two.ws.send(sock, 'text', msg);
  });
  const [bound] = await server.listen();
  try {
    // A WebSocket opened by the second copy, served by the first.
    const heard: string[] = [];
    const client = await two.ws.open(`ws://127.0.0.1:${bound.port}/echo`, (_s, type, msg) => {
      if (type === 'text') heard.push(msg);
    });
    client.send('text', 'across copies');
    while (heard.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(heard, ['across copies']);

    // Both copies list the same channels, named from one counter.
    const names = (c: Connchan) =>
      c.channels
        .list()
        .map((e) => e.name)
        .sort();
    assert.deepEqual(names(two), names(one));
    assert.ok(names(one).includes(client.name), 'the client channel of copy two is in copy one');
    const accepted = one.channels.list({ server: 'state-a' });
    assert.equal(accepted.length, 1, 'the accepted WebSocket');
    assert.deepEqual(two.channels.list({ server: 'state-a' }), accepted);
    assert.equal(new Set(names(one)).size, names(one).length, 'names are unique in the process');

    // The WebSocket registry: copy one finds copy two's socket; status has the ws fields.
    assert.ok(one.ws.find().includes(client.name));
    assert.match(String(one.ws.conninfo(client.name, 'peername')), /127\.0\.0\.1/);
    const st = one.channels.status(client.name) as unknown as Record<string, unknown>;
    assert.equal(st.websocket, true, 'the WebSocket fields of copy two reach copy one');
    assert.equal(st.messagesOut, 1);

    // A listener's entry made by copy one: listed by copy two, refused for reading by it.
    const listener = await one.channels.listen('127.0.0.1', 0, () => false);
    try {
      assert.equal(two.channels.status(listener.channel).kind, 'listen');
      await assert.rejects(async () => two.channels.read(listener.channel), {
        code: 'ERR_CHAN_IS_LISTENER',
      });
    } finally {
      two.channels.close(listener.channel);
    }
    assert.equal(one.channels.exists(listener.channel), false);

    // Topics: a subscriber made through copy two hears what copy one publishes.
    const served = one.channels.list({ server: 'state-a' })[0].name;
    two.ws.subscribe(served, 'news');
    assert.equal(one.ws.subscriberCount('news'), 1);
    one.ws.publish('news', 'published by copy one');
    while (heard.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.equal(heard[1], 'published by copy one');
    // The cluster member this process is: one, whichever copy asks.
    const clusterOne = await import('../src/cluster/index.js');
    const clusterTwo = (await import(
      pathToFileURL(join(dir, 'src', 'cluster', 'index.ts')).href
    )) as typeof clusterOne;
    assert.equal(clusterTwo.currentNode(), clusterOne.currentNode());

    // Closing through the other copy.
    two.ws.close(client.name, 1000);
    while (one.channels.exists(client.name)) await new Promise((r) => setTimeout(r, 5));

    // Log level and the HTTP client's defaults.
    const level = one.ws.loglevel();
    two.ws.loglevel('debug');
    assert.equal(one.ws.loglevel(), 'debug');
    one.ws.loglevel(level);
    const agent = one.http.config('useragent');
    two.http.config({ useragent: 'shared/1.0' });
    assert.equal(one.http.config('useragent'), 'shared/1.0');
    one.http.config({ useragent: agent });
    two.http.register('shared-scheme', 1234, () => {
      throw new Error('not dialled');
    });
    assert.equal(one.http.unregister('shared-scheme').port, 1234);
    assert.throws(() => two.http.unregister('shared-scheme'), {
      code: 'ERR_HTTP_CLIENT_NOT_REGISTERED',
    });
  } finally {
    await server.close({ graceMs: 100 });
    rmSync(dir, { recursive: true, force: true });
  }
});
