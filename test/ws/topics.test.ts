// Topics in one process: WebSocket and raw-channel subscribers, one write per socket per turn,
// order across topics and with direct sends, leaving on close, overflow, shared compression.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect as netConnect } from 'node:net';
import { Buffer } from 'node:buffer';
import { constants, inflateRawSync } from 'node:zlib';
import {
  live,
  open,
  publish,
  subscribe,
  subscriberCount,
  topicsOf,
  unsubscribe,
  isSubscribed,
  lookup,
  topicStats,
  type WebSocketConnection,
} from '../../src/ws/index.js';
import { channel as channelOf } from '../../src/channels/index.js';
import { RawClient, startServer } from './ws-helpers.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import { delay, until } from '../helpers/wait.js';

/** A server whose /t endpoint hands every server-side connection to `onConnect`. */
async function topicServer(
  onConnect: (conn: WebSocketConnection) => void,
  ws: { maxBufferedBytes?: number; deflate?: boolean } = {},
) {
  return startServer(
    (http) =>
      live(http, '/t', (...args) => {
        if (args[1] === 'connect') onConnect(lookup(args[0]));
      }),
    { ws },
  );
}

describe('topics', () => {
  test('a burst reaches every subscriber in order, one socket write per subscriber', async () => {
    const conns: WebSocketConnection[] = [];
    const srv = await topicServer((c) => conns.push(c));
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 4; i++) clients.push(await RawClient.connect(srv.port, '/t'));
      await until(() => conns.length === 4, 'four connections');
      const writes = conns.map(() => 0);
      conns.forEach((c, i) => {
        if (i < 3) c.subscribe('news');
        c.channel.setWriteTap(() => writes[i]++);
      });
      assert.equal(subscriberCount('news'), 3);
      const before = topicStats();
      for (let m = 0; m < 200; m++) publish('news', `m${m}`);
      publish('news', Buffer.from([1, 2, 3]));
      for (let i = 0; i < 3; i++) {
        const frames = await clients[i].waitFrames(201);
        assert.deepEqual(
          frames.slice(0, 200).map((f) => f.payload.toString()),
          Array.from({ length: 200 }, (_, m) => `m${m}`),
        );
        assert.equal(frames[200].opcode, Opcode.BINARY);
        assert.deepEqual([...frames[200].payload], [1, 2, 3]);
      }
      assert.deepEqual(writes, [1, 1, 1, 0], 'one write per subscriber, none for the other');
      assert.equal(clients[3].frames.length, 0);
      const after = topicStats();
      assert.equal(after.published - before.published, 201);
      assert.equal(after.delivered - before.delivered, 603);
    } finally {
      for (const c of clients) c.destroy();
      await srv.close();
    }
  });

  test('several topics and direct sends keep publish order; ws.publish leaves out the publisher', async () => {
    const conns: WebSocketConnection[] = [];
    const srv = await topicServer((c) => conns.push(c));
    const a = await RawClient.connect(srv.port, '/t');
    const b = await RawClient.connect(srv.port, '/t');
    try {
      await until(() => conns.length === 2, 'two connections');
      const [ca, cb] = conns;
      subscribe(ca, 'A');
      ca.subscribe('B');
      subscribe(cb.name, 'A');
      assert.deepEqual(topicsOf(ca).sort(), ['A', 'B']);
      assert.ok(isSubscribed(cb, 'A') && !isSubscribed(cb, 'B'));
      // Seeded random interleaving of publishes to A and B, direct sends, and ws.publish.
      let x = 12345;
      const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const wantA: string[] = [];
      const wantB: string[] = [];
      for (let i = 0; i < 300; i++) {
        const r = rnd();
        if (r < 0.4) {
          publish('A', `A${i}`);
          wantA.push(`A${i}`);
          wantB.push(`A${i}`);
        } else if (r < 0.7) {
          publish('B', `B${i}`);
          wantA.push(`B${i}`);
        } else if (r < 0.85) {
          ca.send('text', `D${i}`);
          wantA.push(`D${i}`);
        } else {
          cb.publish('A', `P${i}`); // everyone in A but cb
          wantA.push(`P${i}`);
        }
      }
      await a.waitFrames(wantA.length);
      await b.waitFrames(wantB.length);
      await delay(50);
      assert.deepEqual(
        a.frames.map((f) => f.payload.toString()),
        wantA,
      );
      assert.deepEqual(
        b.frames.map((f) => f.payload.toString()),
        wantB,
      );
      assert.equal(unsubscribe(ca, 'B'), true);
      assert.equal(unsubscribe(ca, 'B'), false);
      assert.equal(subscriberCount('B'), 0);
    } finally {
      a.destroy();
      b.destroy();
      await srv.close();
    }
  });

  test('subscribers leave their topics when they close', async () => {
    const conns: WebSocketConnection[] = [];
    const srv = await topicServer((c) => {
      conns.push(c);
      c.subscribe('room');
      c.subscribe('lobby');
    });
    try {
      const clients = [await open(`${srv.url}/t`), await open(`${srv.url}/t`)];
      await until(() => subscriberCount('room') === 2, 'two subscribers');
      clients[0].close();
      await until(() => subscriberCount('room') === 1, 'one left');
      assert.equal(subscriberCount('lobby'), 1);
      const got: string[] = [];
      clients[1].on('text', (m: string) => got.push(m));
      publish('room', 'still here');
      await until(() => got.length === 1, 'the message');
      clients[1].terminate();
      await until(
        () => subscriberCount('room') === 0 && subscriberCount('lobby') === 0,
        'all gone',
      );
    } finally {
      await srv.close();
    }
  });

  test('a topic whose last subscriber left mid-turn takes a new subscriber', async () => {
    const conns: WebSocketConnection[] = [];
    const srv = await topicServer((c) => conns.push(c));
    const x = await RawClient.connect(srv.port, '/t');
    const y = await RawClient.connect(srv.port, '/t');
    try {
      await until(() => conns.length === 2, 'two connections');
      subscribe(conns[0], 'edge');
      publish('edge', 'for x');
      conns[0].channel.destroy(); // leaves its topics at once, with a burst waiting
      subscribe(conns[1], 'edge');
      publish('edge', 'for y');
      assert.equal(subscriberCount('edge'), 1);
      const frames = await y.waitFrames(1);
      await delay(50);
      assert.deepEqual(
        frames.map((f) => f.payload.toString()),
        ['for y'],
      );
    } finally {
      x.destroy();
      y.destroy();
      await srv.close();
    }
  });

  test('raw channels get the bytes as given, beside WebSockets', async () => {
    const srv = await startServer((http) => {
      http.get('/raw', (ctx) => {
        const name = ctx.detach();
        channelOf(name).write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
        subscribe(name, 'feed');
      });
    });
    const sock = netConnect({ host: '127.0.0.1', port: srv.port });
    let got = '';
    sock.setEncoding('latin1').on('data', (c: string) => (got += c));
    try {
      sock.write('GET /raw HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => subscriberCount('feed') === 1, 'the raw subscriber');
      publish('feed', 'line 1\n');
      publish('feed', Buffer.from('line 2\n'));
      await until(() => got.includes('line 2\n'), 'both lines');
      assert.match(got, /\r\n\r\nline 1\nline 2\n$/);
      sock.destroy();
      await until(() => subscriberCount('feed') === 0, 'the raw subscriber left');
    } finally {
      sock.destroy();
      await srv.close();
    }
  });

  test('over the send-buffer bound: the messages that fit, or a close with 1008', async () => {
    const conns: WebSocketConnection[] = [];
    const srv = await topicServer((c) => conns.push(c), { maxBufferedBytes: 64 * 1024 });
    const slow = await RawClient.connect(srv.port, '/t');
    const closer = await RawClient.connect(srv.port, '/t');
    try {
      await until(() => conns.length === 2, 'two connections');
      slow.socket.pause();
      closer.socket.pause();
      conns[0].subscribe('flood');
      conns[1].subscribe('flood2');
      const big = 'x'.repeat(1000);
      const before = topicStats();
      // Far more than the bound and the kernel's buffers can hold.
      for (let i = 0; i < 20; i++) {
        for (let m = 0; m < 500; m++) publish('flood', big);
        await new Promise((r) => setImmediate(r));
      }
      for (let m = 0; m < 5000; m++) publish('flood2', big, { onOverflow: 'close' });
      await new Promise((r) => setImmediate(r));
      const after = topicStats();
      assert.ok(after.skipped - before.skipped > 0, 'some were skipped');
      assert.ok(conns[0].bufferedAmount <= 64 * 1024, 'the bound holds');
      assert.equal(after.closed - before.closed, 1);
      closer.socket.resume();
      assert.equal(await closer.closeCode(), 1008);
      assert.equal(conns[0].state, 'CONNECTED');
      slow.socket.resume();
      // What was delivered arrives whole and in order (a prefix per turn).
      await delay(200);
      assert.ok(slow.frames.length > 0);
      for (const f of slow.frames) assert.equal(f.payload.length, 1000);
    } finally {
      slow.destroy();
      closer.destroy();
      await srv.close();
    }
  });

  test('compressed once per publish for clients that agreed; their own compressed sends still decode', async () => {
    const conns: WebSocketConnection[] = [];
    const srv = await topicServer((c) => conns.push(c));
    const raw = await RawClient.connect(
      srv.port,
      '/t',
      'Sec-WebSocket-Extensions: permessage-deflate\r\n',
    );
    const client = await open(`${srv.url}/t`); // offers permessage-deflate with context takeover
    try {
      await until(() => conns.length === 2, 'two connections');
      assert.ok(conns.every((c) => c.compressed));
      for (const c of conns) c.subscribe('big');
      const got: string[] = [];
      client.on('text', (m: string) => got.push(m));
      const text = (n: number) => `message ${n} `.repeat(300);
      publish('big', text(1));
      await until(() => got.length === 1, 'first');
      // The server's own compressor (context takeover) must not refer back past the shared one.
      const own = conns.find((c) => c.name !== conns[0].name) as WebSocketConnection;
      own.send('text', text(2));
      own.send('text', text(2));
      await until(() => got.length === 3, 'own sends');
      publish('big', text(3));
      own.send('text', text(4));
      await until(() => got.length === 5, 'all');
      assert.deepEqual(got, [text(1), text(2), text(2), text(3), text(4)]);
      const frames = await raw.waitFrames(2);
      assert.equal(frames[0].rsv1, true, 'the shared frame is compressed');
      const inflated = inflateRawSync(
        Buffer.concat([frames[0].payload, Buffer.from([0, 0, 255, 255])]),
        {
          finishFlush: constants.Z_SYNC_FLUSH,
        },
      );
      assert.equal(inflated.toString(), text(1));
    } finally {
      raw.destroy();
      client.terminate();
      await srv.close();
    }
  });
});
