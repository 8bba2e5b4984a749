// The keep-alive / pipelining / POST rules (anchors §3) as a matrix in the spirit of Tcl's
// httpPipeline.test: mixes of GET/HEAD/POST × keepalive × pipeline × postfresh × repost,
// against servers that answer normally, say Connection: close mid-pipeline, close idle
// connections, or drop a request on a reused connection.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  HttpClient,
  TCL_HTTP_CONFIG,
  config,
  wait,
  type HttpToken,
  type GeturlOptions,
} from '../../src/http-client/index.js';
import { scriptServer, type Script } from './script-server.js';
import { ChannelTable } from '../../src/channels/channel-table.js';
import { delay } from '../helpers/channel-pair.js';
import fc from 'fast-check';

type Kind = 'GET' | 'HEAD' | 'POST';
const settings: { keepalive: boolean; pipeline: boolean; postfresh: boolean; repost: boolean }[] =
  [];
for (const keepalive of [false, true])
  for (const pipeline of [false, true])
    for (const postfresh of [false, true])
      for (const repost of [false, true]) settings.push({ keepalive, pipeline, postfresh, repost });

function opts(kind: Kind, i: number): GeturlOptions {
  if (kind === 'HEAD') return { validate: true };
  if (kind === 'POST') return { query: `n=${i}` };
  return {};
}

/** Issues all requests at once (command form, as Tcl's tests do) and waits for all. */
async function burst(
  client: HttpClient,
  url: string,
  kinds: Kind[],
  extra: GeturlOptions = {},
): Promise<HttpToken[]> {
  const tokens = kinds.map((k, i) =>
    client.geturl(`${url}/r${i}`, { ...opts(k, i), ...extra, command: () => {} }),
  );
  await Promise.all(tokens.map((t) => wait(t)));
  return tokens;
}

function checkAnswers(tokens: HttpToken[], kinds: Kind[]): void {
  tokens.forEach((t, i) => {
    assert.equal(t.status, 'ok', `request ${i} (${kinds[i]}): ${t.status} ${t.error}`);
    assert.equal(t.ncode, 200);
    assert.equal(
      t.body,
      kinds[i] === 'HEAD' ? '' : `${kinds[i]} /r${i}`,
      `request ${i} got its own response`,
    );
  });
}

const MIXES: Kind[][] = [
  ['GET', 'GET', 'GET', 'GET'],
  ['GET', 'HEAD', 'POST', 'GET', 'GET'],
  ['POST', 'GET', 'POST', 'HEAD'],
  ['HEAD', 'POST', 'POST', 'GET'],
];

describe('pipelining matrix', () => {
  for (const s of settings) {
    const name = `keepalive=${+s.keepalive} pipeline=${+s.pipeline} postfresh=${+s.postfresh} repost=${+s.repost}`;

    test(`${name}: mixes against a normal server, ordering and POST rules`, async () => {
      const server = await scriptServer(() => ({ delayMs: 15 }));
      const client = new HttpClient({
        maxConnectionsPerOrigin: 1,
        pipeline: s.pipeline,
        postfresh: s.postfresh,
        repost: s.repost,
      });
      try {
        for (const mix of MIXES) {
          const before = server.log.length;
          const conns0 = server.connections;
          const tokens = await burst(client, server.url, mix, { keepalive: s.keepalive });
          checkAnswers(tokens, mix);
          const seen = server.log.slice(before);
          assert.equal(seen.length, mix.length, 'each request sent once');
          // POSTs are never pipelined: nothing else was unanswered on their connection.
          for (const r of seen)
            if (r.method === 'POST')
              assert.equal(r.inFlight, 1, 'POST waited for earlier responses');
          // Requests are answered in the order they were issued when they share a connection.
          const newConns = server.connections - conns0;
          const posts = mix.filter((k) => k === 'POST').length;
          if (!s.keepalive) assert.equal(newConns, mix.length, 'one connection per request');
          else if (s.postfresh)
            assert.ok(newConns <= 1 + posts + 1 && newConns >= posts, `connections: ${newConns}`);
          else assert.ok(newConns <= 1, `one persistent connection (${newConns} new)`);
        }
        if (s.keepalive && s.pipeline) assert.ok(server.maxInFlight >= 2, 'GETs were pipelined');
        if (!s.pipeline || !s.keepalive) assert.equal(server.maxInFlight, 1, 'nothing pipelined');
      } finally {
        client.close();
        await server.close();
      }
    });

    test(`${name}: Connection: close mid-pipeline replays the unanswered requests`, async () => {
      let closed = false;
      const script: Script = (req) => {
        if (!closed && req.target === '/r1') {
          closed = true;
          return { close: true, delayMs: 10 };
        }
        return { delayMs: 10 };
      };
      const server = await scriptServer(script);
      const client = new HttpClient({
        maxConnectionsPerOrigin: 1,
        pipeline: s.pipeline,
        postfresh: s.postfresh,
        repost: s.repost,
      });
      try {
        const mix: Kind[] = ['GET', 'GET', 'GET', 'HEAD', 'GET'];
        const tokens = await burst(client, server.url, mix, { keepalive: s.keepalive });
        checkAnswers(tokens, mix);
        if (s.keepalive) assert.ok(server.connections >= 2, 'a new connection after the close');
      } finally {
        client.close();
        await server.close();
      }
    });

    test(`${name}: a request dropped on a reused connection is replayed (POST only with repost)`, async () => {
      // The server "times out" the connection just as the second request on it arrives.
      const server = await scriptServer((req) =>
        req.nthOnConn === 1 && req.conn === 0 ? { drop: true } : {},
      );
      const client = new HttpClient({
        maxConnectionsPerOrigin: 1,
        pipeline: s.pipeline,
        postfresh: s.postfresh,
        repost: s.repost,
      });
      try {
        const first = await client.geturl(`${server.url}/r0`, { keepalive: s.keepalive });
        assert.equal(first.status, 'ok');
        const get = await client.geturl(`${server.url}/r1`, { keepalive: s.keepalive });
        assert.equal(get.status, 'ok', 'GET replayed silently');
        assert.equal(get.body, 'GET /r1');
        const server2 = await scriptServer((req) =>
          req.nthOnConn === 1 && req.conn === 0 ? { drop: true } : {},
        );
        const c2 = new HttpClient({
          maxConnectionsPerOrigin: 1,
          pipeline: s.pipeline,
          postfresh: s.postfresh,
          repost: s.repost,
        });
        await c2.geturl(`${server2.url}/r0`, { keepalive: s.keepalive });
        const post = await c2.geturl(`${server2.url}/r1`, { keepalive: s.keepalive, query: 'x=1' });
        const reused = s.keepalive && !s.postfresh;
        if (!reused || s.repost) {
          assert.equal(post.status, 'ok', `POST: ${post.error}`);
          assert.equal(post.body, 'POST /r1');
        } else {
          assert.equal(post.status, 'eof', 'POST not replayed without repost');
          assert.equal(server2.log.filter((r) => r.method === 'POST').length, 1, 'sent once');
        }
        c2.close();
        await server2.close();
      } finally {
        client.close();
        await server.close();
      }
    });
  }
});

describe('writes', () => {
  test('GETs pipelined in one turn leave in one write; a lone request goes out at once', async () => {
    const server = await scriptServer(() => ({ delayMs: 5 }));
    const client = new HttpClient({ maxConnectionsPerOrigin: 1, server: 'hc-writes' });
    try {
      assert.equal((await client.geturl(`${server.url}/warm`)).status, 'ok');
      const [channel] = ChannelTable.of('hc-writes').channels();
      const socket = channel.socket as unknown as {
        _write: (...a: unknown[]) => void;
        _writev: (...a: unknown[]) => void;
      };
      const calls: string[] = [];
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...a) => (calls.push('write'), write(...a));
      socket._writev = (chunks, cb) => (
        calls.push(`writev ${(chunks as unknown[]).length}`),
        writev(chunks, cb)
      );
      const tokens = [1, 2, 3, 4, 5].map((i) =>
        client.geturl(`${server.url}/p${i}`, { command: () => {} }),
      );
      await Promise.all(tokens.map((t) => wait(t)));
      assert.deepEqual(calls, ['write', 'writev 4'], 'the first at once, the other four together');
      assert.deepEqual(
        tokens.map((t) => t.body),
        [1, 2, 3, 4, 5].map((i) => `GET /p${i}`),
      );
      calls.length = 0;
      await client.geturl(`${server.url}/alone`);
      assert.deepEqual(calls, ['write']);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('idle connections', () => {
  test('a connection the server closed while idle is noticed: the next request goes on a new one', async () => {
    const server = await scriptServer(() => ({}), { idleCloseMs: 50 });
    const client = new HttpClient({ keepalive: true });
    try {
      assert.equal((await client.geturl(`${server.url}/r0`)).status, 'ok');
      assert.equal(client.connectionCount, 1);
      await delay(300);
      assert.equal(client.connectionCount, 0, 'dropped on the server FIN, no request needed');
      const t = await client.geturl(`${server.url}/r1`, { query: 'a' });
      assert.equal(t.status, 'ok', 'a POST is safe: it never touched the dead socket');
      assert.equal(server.connections, 2);
      assert.equal(server.log.length, 2, 'nothing was sent twice');
    } finally {
      client.close();
      await server.close();
    }
  });

  test('idleTimeoutMs closes our idle connections', async () => {
    const server = await scriptServer();
    const client = new HttpClient({ keepalive: true, idleTimeoutMs: 50 });
    await client.geturl(`${server.url}/a`);
    assert.equal(client.connectionCount, 1);
    await delay(120);
    assert.equal(client.connectionCount, 0);
    client.close();
    await server.close();
  });

  test('maxConnectionsPerOrigin: more than one connection per origin when configured', async () => {
    const server = await scriptServer(() => ({ delayMs: 30 }));
    const client = new HttpClient({ keepalive: true, pipeline: false, maxConnectionsPerOrigin: 4 });
    const mix: Kind[] = ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET'];
    const tokens = await burst(client, server.url, mix);
    checkAnswers(tokens, mix);
    assert.equal(server.connections, 4);
    client.close();
    await server.close();
  });

  test('a timeout in the middle of a pipeline: the others are replayed on a new connection', async () => {
    const server = await scriptServer((req) =>
      req.target === '/r1' && req.conn === 0 ? { delayMs: 400 } : { delayMs: 5 },
    );
    const client = new HttpClient({ maxConnectionsPerOrigin: 1 });
    const tokens = ['/r0', '/r1', '/r2', '/r3'].map((p) =>
      client.geturl(`${server.url}${p}`, { timeout: p === '/r1' ? 100 : 2000, command: () => {} }),
    );
    await Promise.all(tokens.map((t) => wait(t)));
    assert.deepEqual(
      tokens.map((t) => t.status),
      ['ok', 'timeout', 'ok', 'ok'],
    );
    assert.equal(tokens[3].body, 'GET /r3');
    client.close();
    await server.close();
  });

  test('the timeout of a queued request starts when it leaves the queue, not when queued', async () => {
    const server = await scriptServer(() => ({ delayMs: 100 }));
    const client = new HttpClient({ keepalive: true, pipeline: false });
    const tokens = [0, 1, 2].map((i) =>
      client.geturl(`${server.url}/r${i}`, { timeout: 250, command: () => {} }),
    );
    await Promise.all(tokens.map((t) => wait(t)));
    assert.deepEqual(
      tokens.map((t) => t.status),
      ['ok', 'ok', 'ok'],
      'each had 250 ms of its own (300 ms in all)',
    );
    client.close();
    await server.close();
  });
});

describe('property: random mixes against a server closing at random points', () => {
  test('every request ends ok with its own response; POSTs are sent at most once without repost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Kind>('GET', 'HEAD', 'POST'), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(7), { maxLength: 2 }),
        fc.boolean(),
        async (mix, closeAt, pipeline) => {
          // The server says Connection: close on the answers to these request indexes.
          const closeSet = new Set(closeAt);
          const server = await scriptServer((req, i) => ({ close: closeSet.has(i), delayMs: 2 }));
          const client = new HttpClient({ keepalive: true, pipeline });
          try {
            const tokens = await burst(client, server.url, mix);
            checkAnswers(tokens, mix);
            const posts = server.log.filter((r) => r.method === 'POST').length;
            assert.equal(posts, mix.filter((k) => k === 'POST').length, 'no POST sent twice');
          } finally {
            client.close();
            await server.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('-pipeline: GET and HEAD made after a POST are not sent if the POST fails', () => {
  /**
   * A reused connection: /warm first, then a POST the server receives and answers by closing the
   * connection (while the POST is in flight), with GET and HEAD queued behind it.
   */
  async function postThenFollowers(client: HttpClient) {
    const server = await scriptServer((req) =>
      req.method === 'POST' && req.conn === 0 ? { drop: true, delayMs: 30 } : {},
    );
    assert.equal((await client.geturl(`${server.url}/warm`)).status, 'ok');
    const post = client.geturl(`${server.url}/post`, { query: 'a=1', command: () => {} });
    const followers = [
      client.geturl(`${server.url}/after1`, { command: () => {} }),
      client.geturl(`${server.url}/after2`, { validate: true, command: () => {} }),
      client.geturl(`${server.url}/after3`, { command: () => {} }),
    ];
    await Promise.all([post, ...followers].map((t) => wait(t)));
    return { server, post, followers };
  }

  for (const [name, make] of [
    ['maxConnectionsPerOrigin 1', () => new HttpClient({ maxConnectionsPerOrigin: 1 })],
    [
      'the manual’s config, keepalive on',
      () => new HttpClient({ ...TCL_HTTP_CONFIG, keepalive: true }),
    ],
  ] as const) {
    test(`${name}: without repost the POST ends eof and the requests behind it end eof, unsent`, async () => {
      const client = make();
      const { server, post, followers } = await postThenFollowers(client);
      try {
        assert.equal(post.status, 'eof', post.error);
        for (const t of followers) {
          assert.equal(t.status, 'eof', `${t.url}: ${t.status}`);
          assert.match(t.error, /not sent: the POST before it on the connection failed/);
          assert.equal(
            (t.errorObject as { code?: string } | undefined)?.code,
            'ERR_HTTP_CLIENT_PIPELINE_FAILED',
          );
        }
        assert.deepEqual(
          server.log.map((r) => r.target),
          ['/warm', '/post'],
          'the server never saw the requests made after the POST',
        );
        // The client is still usable: the next request goes on a new connection.
        assert.equal((await client.geturl(`${server.url}/later`)).body, 'GET /later');
      } finally {
        client.close();
        await server.close();
      }
    });
  }

  test('with repost the POST is replayed on a new connection, and the requests behind it follow', async () => {
    const client = new HttpClient({ maxConnectionsPerOrigin: 1, repost: true });
    const { server, post, followers } = await postThenFollowers(client);
    try {
      assert.equal(post.status, 'ok', post.error);
      assert.equal(post.body, 'POST /post');
      assert.deepEqual(
        followers.map((t) => [t.status, t.ncode]),
        [
          ['ok', 200],
          ['ok', 200],
          ['ok', 200],
        ],
      );
      assert.deepEqual(
        server.log.map((r) => `${r.conn} ${r.method} ${r.target}`),
        [
          '0 GET /warm',
          '0 POST /post',
          '1 POST /post',
          '1 GET /after1',
          '1 HEAD /after2',
          '1 GET /after3',
        ],
        'the POST again first, then the others in order',
      );
    } finally {
      client.close();
      await server.close();
    }
  });

  test('with several connections per origin (HttpClient’s default) nothing waits behind the POST', async () => {
    const client = new HttpClient();
    const { server, post, followers } = await postThenFollowers(client);
    try {
      assert.equal(post.status, 'eof');
      assert.deepEqual(
        followers.map((t) => t.status),
        ['ok', 'ok', 'ok'],
        'they went out on other connections, not behind the POST',
      );
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('defaults: no head-of-line blocking for HttpClient, the manual’s for geturl', () => {
  /** One slow request, then three fast GETs: the order in which they complete. */
  async function slowThenFast(client: HttpClient) {
    const server = await scriptServer((req) => (req.target === '/slow' ? { delayMs: 600 } : {}));
    // A warm connection first, so that pipelining would be allowed on it.
    await client.geturl(`${server.url}/warm`);
    const done: string[] = [];
    const paths = ['/slow', '/fast1', '/fast2', '/fast3'];
    const tokens = paths.map((p) =>
      client.geturl(`${server.url}${p}`, { command: () => done.push(p) }),
    );
    await Promise.all(tokens.map((t) => wait(t)));
    client.close();
    await server.close();
    return { done, tokens, server };
  }

  test('new HttpClient(): three fast GETs do not wait behind a slow one', async () => {
    const { done, tokens, server } = await slowThenFast(new HttpClient());
    assert.deepEqual(
      tokens.map((t) => t.status),
      ['ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(done[done.length - 1], '/slow', `completion order: ${done.join(' ')}`);
    assert.ok(server.connections >= 2, 'the fast ones took other connections');
    assert.equal(server.maxInFlight, 1, 'nothing was pipelined behind the slow one');
  });

  test('{ maxConnectionsPerOrigin: 1 }: Tcl’s one connection, the fast GETs pipelined behind it', async () => {
    const { done, server } = await slowThenFast(new HttpClient({ maxConnectionsPerOrigin: 1 }));
    assert.deepEqual(done, ['/slow', '/fast1', '/fast2', '/fast3']);
    assert.equal(server.connections, 1);
    assert.ok(server.maxInFlight >= 2, 'pipelined');
  });

  test('the documented defaults of both', () => {
    const c = new HttpClient();
    assert.equal(c.configure('keepalive'), true);
    assert.equal(c.configure('maxConnectionsPerOrigin'), 16);
    assert.equal(c.configure('headersTimeoutMs'), 300_000);
    assert.equal(config('keepalive'), false, 'module-level geturl: the manual');
    assert.equal(config('maxConnectionsPerOrigin'), 1);
    assert.equal(config('pipeline'), true);
    assert.equal(config('headersTimeoutMs'), 0);
    assert.deepEqual({ ...TCL_HTTP_CONFIG, useragent: '' }, { ...config(), useragent: '' });
  });
});
