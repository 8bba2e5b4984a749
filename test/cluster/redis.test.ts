// Members in separate processes joined through a real redis-server: topics across members,
// one channel namespace (list/status/close/write/send routed to the owner), kill -9 of a
// member, and Redis stopped and started again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as netConnect } from 'node:net';
import { open, type WebSocketConnection } from '../../src/ws/index.js';
import { haveRedis, redisSubscribers, startRedis, type RedisServer } from '../helpers/redis.js';
import { peerAvailable } from '../helpers/peers.js';
import { publishUntilHeard, startMember, until, untilListed, type Member } from './members.js';

describe('a cluster over Redis', { timeout: 120_000 }, () => {
  let redis: RedisServer | undefined;
  let a: Member;
  let b: Member;
  let skip = false;

  before(async () => {
    // Each test below skips (or fails under CONNCHAN_REQUIRE_PEERS=1) when redis-server is missing.
    skip = !peerAvailable(['redis-server', '--version']);
    if (skip) return;
    redis = await startRedis();
    const env = { CONNCHAN_REDIS_URL: redis.url, CONNCHAN_TEST_WORKERS: '0' };
    a = await startMember({ env: { ...env, CONNCHAN_NODE_ID: 'aaaa' } });
    b = await startMember({ env: { ...env, CONNCHAN_NODE_ID: 'bbbb' } });
    await until(
      async () => ((await a.ctl({ op: 'members' })).value as string[]).length === 2,
      'A sees B',
    );
    await until(
      async () => ((await b.ctl({ op: 'members' })).value as string[]).length === 2,
      'B sees A',
    );
  });

  after(async () => {
    await a?.kill9();
    await b?.kill9();
    await redis?.stop();
  });

  test('a burst published on one member reaches subscribers on the other, all and in order', async (t) => {
    if (!haveRedis(t) || skip) return;
    const clients: WebSocketConnection[] = [];
    const got: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const c = await open(`ws://127.0.0.1:${b.port}/t/news`);
      const mine: string[] = [];
      c.on('text', (m: string) => mine.push(m));
      clients.push(c);
      got.push(mine);
    }
    const local = await open(`ws://127.0.0.1:${a.port}/t/news`);
    const localGot: string[] = [];
    local.on('text', (m: string) => localGot.push(m));
    await until(
      async () => (await b.ctl({ op: 'subscribers', topic: 'news' })).value === 3,
      'subscribers',
    );
    // Redis subscriptions are made as subscribers come: publish once both members' SUBSCRIBE
    // landed in Redis.
    await until(
      async () => (await redisSubscribers(redis!.url, 'connchan:t:news')) === 2,
      'both members subscribed in Redis',
    );
    assert.equal((await a.ctl({ op: 'publish', topic: 'news', data: 'm', count: 1000 })).ok, true);
    await until(
      () => got.every((g) => g.length === 1000) && localGot.length === 1000,
      'every message',
      20_000,
    );
    const want = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    for (const g of got) assert.deepEqual(g, want);
    assert.deepEqual(localGot, want);
    const stats = (await b.ctl({ op: 'stats' })).value as {
      dropped: number;
      remoteDelivered: number;
    };
    assert.equal(stats.dropped, 0);
    assert.ok(stats.remoteDelivered >= 1000);
    for (const c of [...clients, local]) c.terminate();
  });

  test('one namespace: list, status, exists, write, send and close reach the owner', async (t) => {
    if (!haveRedis(t) || skip) return;
    const ws = await open(`ws://127.0.0.1:${b.port}/t/room`);
    const texts: string[] = [];
    ws.on('text', (m: string) => texts.push(m));
    const raw = netConnect({ host: '127.0.0.1', port: b.port });
    let rawGot = '';
    raw.setEncoding('latin1').on('data', (c: string) => (rawGot += c));
    raw.write('GET /raw/feed HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => rawGot.includes('200 OK'), 'raw channel');
    const listing = (await a.ctl({ op: 'list', cluster: true })).value as {
      name: string;
      member: string;
    }[];
    const onB = listing.filter((e) => e.member === b.id);
    assert.ok(onB.length >= 2, 'B lists its channels to A');
    for (const e of onB) assert.ok(e.name.startsWith(`${b.id}.conn`), e.name);
    const localOnly = (await a.ctl({ op: 'list' })).value as { member: string }[];
    assert.ok(localOnly.every((e) => e.member === a.id));
    // Which of B's channels is the WebSocket: the one subscribed to "room" answers a send.
    const names = onB.map((e) => e.name);
    let wsName = '';
    for (const n of names) {
      const r = await a.ctl({ op: 'wsSend', name: n, data: 'hello from A' });
      if (r.ok) wsName = n;
    }
    assert.notEqual(wsName, '');
    await until(() => texts.includes('hello from A'), 'the routed send');
    assert.equal((await a.ctl({ op: 'exists', name: wsName })).value, true);
    assert.equal((await a.ctl({ op: 'status', name: wsName })).value, wsName);
    // The raw channel: a write from A arrives as bytes.
    const rawName = names.find(
      (n) => n !== wsName && n.endsWith(`conn${Number(n.split('conn')[1])}`),
    );
    let wrote = false;
    for (const n of names) {
      if (n === wsName) continue;
      const r = await a.ctl({ op: 'write', name: n, data: 'bytes from A\n' });
      if (r.ok && r.value === 13) wrote = true;
    }
    assert.ok(wrote && rawName !== undefined);
    await until(() => rawGot.includes('bytes from A\n'), 'the routed write');
    // An unknown name on a live member: the owner's own error code comes back.
    const missing = await a.ctl({ op: 'status', name: `${b.id}.conn999999` });
    assert.equal(missing.code, 'ERR_CHAN_NOT_FOUND');
    // A member that does not exist: a typed error at once.
    const gone = await a.ctl({ op: 'status', name: 'zzzz.9.conn1' });
    assert.equal(gone.code, 'ERR_CLUSTER_MEMBER_GONE');
    // close from A: the WebSocket gets a closing handshake.
    assert.equal((await a.ctl({ op: 'close', name: wsName })).ok, true);
    const info = await ws.closed();
    assert.equal(info.code, 1000);
    raw.destroy();
  });

  test('a member whose event loop stalls past the TTL keeps its link and takes answers waiting in the socket', async (t) => {
    if (!haveRedis(t) || skip) return;
    const before = (await a.ctl({ op: 'stats' })).value as { reconnects: number };
    // A asks B (1 s timeout) and stalls 4 s (past the 3 s TTL): B's answer and A's own
    // heartbeat wait in A's socket while A's timers are already late.
    const answer = await a.ctl({
      op: 'stall',
      name: `${b.id}.conn999999`,
      timeoutMs: 1000,
      count: 4000,
    });
    assert.equal(answer.code, 'ERR_CHAN_NOT_FOUND', JSON.stringify(answer)); // B's own answer
    const after = (await a.ctl({ op: 'stats' })).value as {
      reconnects: number;
      connected: boolean;
    };
    assert.equal(after.connected, true);
    assert.equal(after.reconnects, before.reconnects, 'no reconnection after the stall');
  });

  test('Redis stopped: members keep serving, cluster calls fail fast, all comes back after', async (t) => {
    if (!haveRedis(t) || skip) return;
    const r = redis as RedisServer;
    const remote = await open(`ws://127.0.0.1:${b.port}/t/x`);
    const localWs = await open(`ws://127.0.0.1:${a.port}/t/x`);
    const localGot: string[] = [];
    localWs.on('text', (m: string) => localGot.push(m));
    const names = (await a.ctl({ op: 'list', cluster: true })).value as {
      name: string;
      member: string;
    }[];
    const remoteName = names.find((e) => e.member === b.id)?.name as string;
    const localName = names.find((e) => e.member === a.id)?.name as string;
    await r.stop();
    await until(
      async () => !((await a.ctl({ op: 'stats' })).value as { connected: boolean }).connected,
      'A notices',
      10_000,
    );
    // Fails at once, not after the question's timeout (20 s here; 2 s would be the default).
    const t0 = Date.now();
    const failed = await a.ctl({ op: 'status', name: remoteName, timeoutMs: 20_000 });
    assert.equal(failed.code, 'ERR_CLUSTER_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 5000, 'fails fast');
    // A local name needs no broker: it still answers.
    assert.equal((await a.ctl({ op: 'status', name: localName })).value, localName);
    // Local subscribers still get local publishes; what could not go out is counted.
    await a.ctl({ op: 'publish', topic: 'x', data: 'offline' });
    await until(() => localGot.includes('offline'), 'local delivery');
    const s = (await a.ctl({ op: 'stats' })).value as { dropped: number };
    assert.ok(s.dropped >= 1, 'dropped counted');
    await r.start();
    await until(
      async () => ((await a.ctl({ op: 'stats' })).value as { connected: boolean }).connected,
      'A reconnects',
      15_000,
    );
    await until(
      async () => ((await b.ctl({ op: 'stats' })).value as { connected: boolean }).connected,
      'B reconnects',
      15_000,
    );
    // A member cut off forgets the others: B listed again means A heard B after both came back.
    await until(
      async () => ((await a.ctl({ op: 'members' })).value as string[]).includes(b.id),
      'A sees B again',
      15_000,
    );
    assert.equal((await a.ctl({ op: 'status', name: remoteName })).value, remoteName);
    const remoteGot: string[] = [];
    remote.on('text', (m: string) => remoteGot.push(m));
    await publishUntilHeard(a, 'x', 'back', remoteGot, 'cross-member publish again');
    remote.terminate();
    localWs.terminate();
  });

  test('a member killed with kill -9 leaves the listing within seconds, with its channels', async (t) => {
    if (!haveRedis(t) || skip) return;
    // The test before stopped Redis: B may still be reconnecting.
    await until(
      async () => ((await b.ctl({ op: 'stats' })).value as { connected: boolean }).connected,
      'B connected',
      15_000,
    );
    const c = await open(`ws://127.0.0.1:${b.port}/t/y`);
    await untilListed(a, b, 'B listed');
    const t0 = Date.now();
    await b.kill9();
    await until(
      async () => !((await a.ctl({ op: 'members' })).value as string[]).includes(b.id),
      'B gone',
      10_000,
    );
    // The TTL is 3 s and beats come each second: gone within 4 s, bounded at 8 s for a loaded
    // machine (the test runs the members' timers, not its own).
    assert.ok(Date.now() - t0 < 8000, `left after ${Date.now() - t0} ms`);
    const listing = await a.ctl({ op: 'list', cluster: true });
    assert.equal(listing.ok, true);
    assert.ok((listing.value as { member: string }[]).every((e) => e.member !== b.id));
    const gone = await a.ctl({ op: 'exists', name: `${b.id}.conn1` });
    assert.equal(gone.code, 'ERR_CLUSTER_MEMBER_GONE');
    c.terminate();
  });
});
