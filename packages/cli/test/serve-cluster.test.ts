// `connchan serve --workers 2 --redis URL` as the docs say: two worker processes joined through
// a real redis-server; a chat room spans both workers, the dashboard lists both members and
// their channels and closes a channel owned by the other worker; SIGTERM drains (1001) and the
// primary exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, type WebSocketConnection } from 'connchan/ws';
import { haveRedis, startRedis } from '../../../test/helpers/redis.js';
import { spawnServe } from './helpers.js';

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Snapshot {
  broker: string;
  self: string;
  members: { id: string }[];
  channels: { name: string; member: string }[];
}

test(
  'serve --workers 2 --redis: rooms and the dashboard span the workers; SIGTERM drains',
  { timeout: 90_000 },
  async (t) => {
    if (!haveRedis(t)) return;
    const redis = await startRedis();
    const serve = spawnServe([
      '--workers',
      '2',
      '--redis',
      redis.url,
      '--no-tls',
      '--http-port',
      '0',
    ]);
    const child = serve.child;
    const clients: WebSocketConnection[] = [];
    try {
      await until(
        () => (serve.out.match(/member \S+ \(pid \d+\) on http/g) ?? []).length === 2,
        `two members: ${serve.out}`,
      );
      const urls = [...serve.out.matchAll(/\) on (http:\/\/\S+\/)/g)].map((m) =>
        m[1].replace('http', 'ws'),
      );
      // Chat clients until both workers hold some (a name tells its member).
      const heard: string[][] = [];
      const owners = new Set<string>();
      for (let i = 0; i < 12 && (owners.size < 2 || clients.length < 4); i++) {
        const c = await open(`${urls[i % urls.length]}chat/room1`);
        const got: string[] = [];
        c.on('text', (m: string) => got.push(m));
        clients.push(c);
        heard.push(got);
        c.send('text', `hello ${i}`);
        await until(() => got.length > 0, 'own line');
        // The first line is the welcome, with the newcomer's channel name (node.worker.connN).
        owners.add((JSON.parse(got[0]) as { sock: string }).sock.split('.conn')[0]);
      }
      assert.equal(owners.size, 2, 'chat clients on both workers');
      for (const g of heard) g.length = 0;
      clients[0].send('text', 'to the whole room');
      await until(
        () => heard.every((g) => g.some((m) => m.includes('to the whole room'))),
        'the room on both workers',
      );
      // The dashboard: both members, their channels, and a close across workers.
      const dash = await open(`${urls[0]}dashboard`);
      const snaps: Snapshot[] = [];
      dash.on('text', (m: string) => snaps.push(JSON.parse(m) as Snapshot));
      await until(
        () => snaps.length > 0 && snaps[snaps.length - 1].members.length === 2,
        'two members on the dashboard',
      );
      const snap = snaps[snaps.length - 1];
      assert.equal(snap.broker, 'redis');
      const memberIds = new Set(snap.channels.map((c) => c.member));
      assert.equal(memberIds.size, 2, 'channels of both members listed');
      const other = snap.channels.find((c) => c.member !== snap.self && c.name.includes('.conn'));
      assert.ok(other, 'a channel on the other worker');
      const victim = clients.find(
        (c) =>
          c.state === 'CONNECTED' &&
          heard[clients.indexOf(c)].some((m) => m.includes(`"sock":"${other.name}"`)),
      );
      dash.send('text', JSON.stringify({ close: other.name }));
      if (victim !== undefined) assert.equal((await victim.closed()).code, 1000);
      await until(
        () => snaps.some((s) => !s.channels.some((c) => c.name === other.name)),
        'the closed channel leaves the listing',
      );
      // Drain: every WebSocket gets 1001, the primary exits 0.
      const open1 = clients.filter((c) => c.state === 'CONNECTED');
      const closes = open1.map((c) => c.closed());
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', (c) => r(c)));
      assert.equal(code, 0, serve.out);
      for (const info of await Promise.all(closes)) assert.equal(info.code, 1001);
      dash.terminate();
    } finally {
      for (const c of clients) c.terminate();
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.stop();
    }
  },
);
