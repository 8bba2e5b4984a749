// Three hosts on one machine (network namespaces): Redis on one address, a member on each of
// two others. Cross-host publish, list/close/write, a link taken down and up (a partition that
// heals), Redis stopped and started, and kill -9 of a member. Skips without root (fails under
// CONNCHAN_REQUIRE_PEERS=1); the namespaces are removed even when a test fails.
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { connect as netConnect } from 'node:net';
import { open } from '../../src/ws/index.js';
import { canMakeNamespaces, makeHosts, type Hosts } from '../helpers/netns.js';
import { peerAvailable } from '../helpers/peers.js';
import { redisSubscribers, startRedis, type RedisServer } from '../helpers/redis.js';
import { publishUntilHeard, startMember, until, untilListed, type Member } from './members.js';

const PORT = 8080;
let ready = false;
let why = '';

function need(t: TestContext): boolean {
  if (ready) return true;
  const message = `network namespaces unavailable: ${why}`;
  if (process.env.CONNCHAN_REQUIRE_PEERS === '1')
    throw new Error(`${message}; CONNCHAN_REQUIRE_PEERS=1`);
  console.log(`# SKIP ${message}`);
  t.skip(message);
  return false;
}

const ids = async (m: Member): Promise<string[]> =>
  (await m.ctl({ op: 'members' })).value as string[];
const connected = async (m: Member): Promise<boolean> =>
  ((await m.ctl({ op: 'stats' })).value as { connected: boolean }).connected;

describe('hosts in network namespaces', { timeout: 180_000 }, () => {
  let hosts: Hosts | undefined;
  let redis: RedisServer | undefined;
  let a: Member;
  let b: Member;

  before(async () => {
    if (!peerAvailable(['redis-server', '--version'])) {
      why = 'redis-server missing';
      return;
    }
    if (!peerAvailable(['ip', '-V']) || !canMakeNamespaces()) {
      why = 'needs root and iproute2 (ip netns)';
      return;
    }
    hosts = makeHosts(['redis', 'a', 'b']);
    redis = await startRedis({ host: hosts.address.redis, port: 6379, wrap: hosts.wrap('redis') });
    const start = (host: string, node: string) =>
      startMember({
        host: (hosts as Hosts).address[host],
        wrap: (hosts as Hosts).wrap(host),
        env: {
          PORT: String(PORT),
          CONNCHAN_REDIS_URL: (redis as RedisServer).url,
          CONNCHAN_NODE_ID: node,
          CONNCHAN_TEST_WORKERS: '0',
        },
      });
    a = await start('a', 'hosta');
    b = await start('b', 'hostb');
    await until(
      async () => (await ids(a)).length === 2 && (await ids(b)).length === 2,
      'A and B see each other',
    );
    ready = true;
  });

  after(async () => {
    await a?.kill9();
    await b?.kill9();
    await redis?.stop();
    hosts?.remove();
  });

  test('cross-host publish, list, write and close', async (t) => {
    if (!need(t)) return;
    const ws = await open(`ws://${b.host}:${PORT}/t/news`);
    const got: string[] = [];
    ws.on('text', (m: string) => got.push(m));
    const raw = netConnect({ host: b.host, port: PORT });
    let rawGot = '';
    raw.setEncoding('latin1').on('data', (c: string) => (rawGot += c));
    raw.write('GET /raw/feed HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => rawGot.includes('200 OK'), 'raw channel');
    // Publish once B's SUBSCRIBEs landed in Redis, not after a fixed pause.
    const url = (redis as RedisServer).url;
    await until(
      async () =>
        (await redisSubscribers(url, 'connchan:t:news')) === 1 &&
        (await redisSubscribers(url, 'connchan:t:feed')) === 1,
      'B subscribed in Redis',
    );
    await a.ctl({ op: 'publish', topic: 'news', data: 'n', count: 300 });
    await a.ctl({ op: 'publish', topic: 'feed', data: 'line\n' });
    await until(
      () => got.length === 300 && rawGot.endsWith('line\n'),
      'cross-host delivery',
      15_000,
    );
    assert.deepEqual(
      got,
      Array.from({ length: 300 }, (_, i) => `n${i}`),
    );
    const listing = (await a.ctl({ op: 'list', cluster: true })).value as {
      name: string;
      member: string;
    }[];
    const onB = listing.filter((e) => e.member === b.id).map((e) => e.name);
    assert.ok(onB.length >= 2);
    // The WebSocket is the name a routed send works on; the raw channel takes a routed write.
    let wsName = '';
    for (const n of onB) if ((await a.ctl({ op: 'wsSend', name: n, data: 'probe' })).ok) wsName = n;
    assert.notEqual(wsName, '');
    await until(() => got.includes('probe'), 'the routed send');
    let wrote = false;
    for (const n of onB) {
      if (n === wsName) continue;
      const r = await a.ctl({ op: 'write', name: n, data: 'from host a\n' });
      if (r.ok && r.value === 12) wrote = true;
    }
    assert.ok(wrote);
    await until(() => rawGot.endsWith('from host a\n'), 'the routed write');
    assert.equal((await a.ctl({ op: 'close', name: wsName })).ok, true);
    assert.equal((await ws.closed()).code, 1000);
    raw.destroy();
  });

  test('a link taken down and up: the cut-off member leaves, then both converge again', async (t) => {
    if (!need(t)) return;
    const h = hosts as Hosts;
    h.link('b', false);
    try {
      await until(async () => !(await ids(a)).includes(b.id), 'A drops B', 15_000);
    } finally {
      h.link('b', true);
    }
    await until(
      async () => (await connected(b)) && (await ids(b)).includes(a.id),
      'B back',
      30_000,
    );
    await until(async () => (await ids(a)).includes(b.id), 'A sees B again', 15_000);
    const ws = await open(`ws://${b.host}:${PORT}/t/after`);
    const got: string[] = [];
    ws.on('text', (m: string) => got.push(m));
    await publishUntilHeard(a, 'after', 'healed', got, 'publish after the heal');
    ws.terminate();
  });

  test('Redis stopped and started: members serve on, fail fast, reconnect and re-announce', async (t) => {
    if (!need(t)) return;
    const r = redis as RedisServer;
    await r.stop();
    await until(async () => !(await connected(a)) && !(await connected(b)), 'both notice', 15_000);
    const failed = await a.ctl({ op: 'exists', name: `${b.id}.conn1` });
    assert.equal(failed.code, 'ERR_CLUSTER_UNAVAILABLE');
    await r.start();
    await until(async () => (await connected(a)) && (await connected(b)), 'both reconnect', 20_000);
    await until(
      async () => (await ids(a)).includes(b.id) && (await ids(b)).includes(a.id),
      'both re-announced',
      15_000,
    );
    const stats = (await a.ctl({ op: 'stats' })).value as { reconnects: number };
    assert.ok(stats.reconnects >= 1);
  });

  test('kill -9 of a member: it leaves the listing within seconds, with its channels', async (t) => {
    if (!need(t)) return;
    // The test before stopped Redis: B may still be reconnecting.
    await until(async () => await connected(b), 'B connected', 20_000);
    const ws = await open(`ws://${b.host}:${PORT}/t/z`);
    await untilListed(a, b, 'B listed');
    const t0 = Date.now();
    await b.kill9();
    await until(async () => !(await ids(a)).includes(b.id), 'B gone', 10_000);
    assert.ok(Date.now() - t0 < 8000, `left after ${Date.now() - t0} ms`); // TTL 3 s + a beat
    const listing = (await a.ctl({ op: 'list', cluster: true })).value as { member: string }[];
    assert.ok(listing.every((e) => e.member !== b.id));
    ws.terminate();
  });
});
