// Where channels came from (serve/channel-origins.ts), through a real server: a channel whose
// client data was empty is labelled, and its origin comes back from the label (no entry by
// name); one whose client data the application set keeps it, and its origin is kept by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'connchan/server';
import { close, list } from 'connchan/channels';
import { live, open, send } from 'connchan/ws';
import { ChannelOrigins, type ChannelOrigin } from '../src/serve/channel-origins.js';
import { until } from '../../../test/helpers/wait.js';

test('channel origins: a labelled WebSocket and an application-labelled detach, from the detach to the close', async () => {
  const server = createServer({ name: 'origins-test', drivers: [{ host: '127.0.0.1', port: 0 }] });
  live(server, '/echo', (sock, type, msg) => {
    if (type === 'text') send(sock, 'text', msg);
  });
  server.get('/own', (ctx) => {
    ctx.clientData = { mine: 1 };
    ctx.detach();
  });
  const origins = new ChannelOrigins(server.name);
  const detached: [string, ChannelOrigin][] = [];
  const closed: [string, ChannelOrigin | undefined][] = [];
  origins.onDetach((m, origin) => detached.push([m.channel, origin]));
  const stopCloses = origins.onClose((c, origin) => closed.push([c.name, origin]));
  const [driver] = await server.listen();
  try {
    const ws = await open(`ws://127.0.0.1:${driver.port}/echo?viewer=v1`);
    await until(() => detached.length === 1, 'the WebSocket detach');
    const [wsName, wsOrigin] = detached[0];
    assert.deepEqual(
      { ...wsOrigin },
      { endpoint: '/echo', target: '/echo?viewer=v1', websocket: true, viewer: 'v1' },
    );
    assert.equal(origins.get(wsName), wsOrigin);
    // The label is what a listing (and a cluster's) shows: its link to the origin is not.
    const entry = list({ server: server.name }).find((e) => e.name === wsName)!;
    assert.equal(
      JSON.stringify(entry.clientData),
      '{"endpoint":"/echo","websocket":true,"viewer":"v1"}',
    );

    // Never answered: the channel is closed below, and the request then fails.
    const own = fetch(`http://127.0.0.1:${driver.port}/own`).catch(() => undefined);
    await until(() => detached.length === 2, 'the /own detach');
    const [ownName, ownOrigin] = detached[1];
    assert.equal(ownOrigin.endpoint, '/own');
    assert.equal(ownOrigin.websocket, false);
    assert.deepEqual(list({ server: server.name }).find((e) => e.name === ownName)!.clientData, {
      mine: 1,
    });
    assert.equal(origins.get(ownName), ownOrigin);

    ws.close(1000);
    await ws.closed();
    close(ownName, { server: server.name });
    await own;
    await until(() => closed.length === 2, 'both closes');
    assert.deepEqual(
      new Map(closed),
      new Map<string, ChannelOrigin | undefined>([
        [wsName, wsOrigin],
        [ownName, ownOrigin],
      ]),
    );
    assert.equal(origins.get(ownName), undefined, 'nothing kept once closed');
    stopCloses();
  } finally {
    origins.stop();
    await server.close({ graceMs: 100 });
  }
});
