// Workers on every core: real worker processes forked by createCluster accept on one port,
// publish to each other through the primary (no Redis), share one channel namespace, are
// replaced when they die, and drain on SIGTERM (WebSockets get 1001, the primary exits 0).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { open, type WebSocketConnection } from '../../src/ws/index.js';
import { freePort } from '../helpers/redis.js';
import { startMember, until, type CtlAnswer, type Member } from './members.js';

/** Asks until the answer comes from `member` (connections are spread over the workers). */
async function ctlOn(m: Member, member: string, cmd: Record<string, unknown>): Promise<CtlAnswer> {
  for (let i = 0; i < 50; i++) {
    const r = await m.ctl(cmd);
    if (r.member === member) return r;
  }
  throw new Error(`no answer from ${member}`);
}

describe('workers through the primary', { timeout: 90_000 }, () => {
  test('one port, cross-worker publish and namespace, replacement, drain with 1001', async () => {
    const port = await freePort();
    const m = await startMember({
      env: { PORT: String(port), CONNCHAN_TEST_WORKERS: '2', CONNCHAN_NODE_ID: 'wktest' },
      readyLines: 2,
    });
    const clients: WebSocketConnection[] = [];
    try {
      const members = (await m.ctl({ op: 'members' })).value as string[];
      await until(
        async () => ((await m.ctl({ op: 'members' })).value as string[]).length === 2,
        'two members',
      );
      assert.ok(members.every((id) => id.startsWith('wktest.')));
      const got: string[][] = [];
      for (let i = 0; i < 6; i++) {
        const c = await open(`ws://127.0.0.1:${port}/t/w`);
        const mine: string[] = [];
        c.on('text', (s: string) => mine.push(s));
        clients.push(c);
        got.push(mine);
      }
      const listing = (await m.ctl({ op: 'list', cluster: true })).value as {
        name: string;
        member: string;
      }[];
      const owners = new Set(listing.filter((e) => e.name.includes('.conn')).map((e) => e.member));
      assert.equal(owners.size, 2, 'connections on both workers, one listing');
      await new Promise((r) => setTimeout(r, 100));
      await m.ctl({ op: 'publish', topic: 'w', data: 'x', count: 500 });
      await until(() => got.every((g) => g.length === 500), 'every client, every message', 20_000);
      const want = Array.from({ length: 500 }, (_, i) => `x${i}`);
      for (const g of got) assert.deepEqual(g, want);
      // Close, from whichever worker answers, a WebSocket owned by the other one.
      const ids = [...owners];
      const target = listing.find((e) => e.member === ids[1] && e.name.includes('.conn'));
      const closedBy = await ctlOn(m, ids[0], { op: 'close', name: target?.name });
      assert.equal(closedBy.ok, true, JSON.stringify(closedBy));
      await until(() => clients.some((c) => c.state === 'CLOSED'), 'the routed close');
      // A dead worker is replaced by a new one (a new member id).
      const victim = (await ctlOn(m, ids[1], { op: 'pid' })).value as number;
      process.kill(victim, 'SIGKILL');
      // A connection the primary handed to the worker as it died may never be answered (node:cluster's
      // round-robin keeps it open): such a question is given up after 3 s and asked again.
      await until(
        async () => {
          const now = (await m.ctl({ op: 'members' }, 3000).catch(() => undefined))?.value;
          return Array.isArray(now) && now.length === 2 && !now.includes(ids[1]);
        },
        'a replacement',
        20_000,
      );
      // Drain: SIGTERM to the primary closes the WebSockets with 1001 and the primary exits 0.
      const open1 = clients.filter((c) => c.state === 'CONNECTED');
      const closes = open1.map((c) => c.closed());
      const code = await m.stop(15_000);
      assert.equal(code, 0);
      for (const info of await Promise.all(closes)) assert.equal(info.code, 1001);
    } finally {
      for (const c of clients) c.terminate();
      await m.kill9();
    }
  });
});
