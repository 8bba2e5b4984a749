// Property: any sequence of messages, each text or binary, whole or cut into fragments, with or
// without compression, arrives at the echo server and comes back unchanged and in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { open, type WebSocketConnection } from '../../src/ws/index.js';
import { until } from '../helpers/channel-pair.js';
import { echoServer } from './ws-helpers.js';

const message = fc.oneof(
  fc.record({
    type: fc.constant('text' as const),
    data: fc.string({ unit: 'grapheme', maxLength: 3000 }),
  }),
  fc.record({ type: fc.constant('binary' as const), data: fc.uint8Array({ maxLength: 3000 }) }),
);
const plan = fc.array(fc.record({ msg: message, cuts: fc.array(fc.nat(), { maxLength: 3 }) }), {
  minLength: 1,
  maxLength: 12,
});

/** Sends `data` cut at the given offsets (in UTF-16 units for text: each piece is sent as is). */
function sendCut(
  conn: WebSocketConnection,
  type: 'text' | 'binary',
  data: string | Uint8Array,
  cuts: number[],
): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))]
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  let from = 0;
  for (const p of points) {
    conn.send(type, bytes.subarray(from, p), false);
    from = p;
  }
  conn.send(type, bytes.subarray(from));
}

test(
  'echo round trip of random messages and fragmentations (with and without deflate)',
  { timeout: 60_000 },
  async () => {
    const srv = await echoServer({ ws: { deflateThreshold: 64 } });
    try {
      for (const deflate of [false, true]) {
        const conn = await open(`${srv.url}/echo`, undefined, { deflate, deflateThreshold: 64 });
        const got: { type: string; data: string | Buffer }[] = [];
        conn.on('text', (data: string) => got.push({ type: 'text', data }));
        conn.on('binary', (data: Buffer) => got.push({ type: 'binary', data }));
        await fc.assert(
          fc.asyncProperty(plan, async (steps) => {
            got.length = 0;
            for (const { msg, cuts } of steps) sendCut(conn, msg.type, msg.data, cuts);
            await until(() => got.length >= steps.length, 'echoes', 5000);
            assert.equal(got.length, steps.length);
            steps.forEach(({ msg }, i) => {
              assert.equal(got[i].type, msg.type);
              if (msg.type === 'text') assert.equal(got[i].data, msg.data);
              else assert.deepEqual([...(got[i].data as Buffer)], [...msg.data]);
            });
          }),
          { numRuns: 25 },
        );
        conn.close();
        await conn.closed();
      }
    } finally {
      await srv.close();
    }
  },
);

test(
  'bursts of 64 B, 16 KiB, fragmented and 1 MiB messages echo intact through the lent reads',
  { timeout: 60_000 },
  async () => {
    // The server's socket reads into one lent buffer that every read overwrites: a payload kept
    // as a view of it (the echo queued behind others) would come back with later bytes in it.
    const srv = await echoServer();
    try {
      const conn = await open(`${srv.url}/echo`);
      const got: Buffer[] = [];
      conn.on('binary', (data: Buffer) => got.push(data));
      conn.on('text', (data: string) => got.push(Buffer.from(data)));
      const sizes = [64, 16 * 1024, 64, 1024 * 1024, 5000, 16 * 1024 + 3, 70_000, 64, 1024 * 1024];
      const sent: Buffer[] = [];
      for (let round = 0; round < 3; round++) {
        for (const [i, size] of sizes.entries()) {
          const data = Buffer.alloc(size);
          for (let j = 0; j < size; j += 997) data[j] = (round * 31 + i * 7 + j) & 0xff;
          data.fill(round * 16 + i, 0, Math.min(size, 64));
          sent.push(data);
          if (size === 70_000) sendCut(conn, 'binary', data, [1, 20_000, 65_536]);
          else if (i === 4) conn.send('text', Buffer.alloc(size, 0x61 + round).toString());
          else conn.send('binary', data);
          if (i === 4) sent[sent.length - 1] = Buffer.alloc(size, 0x61 + round);
        }
      }
      await until(() => got.length >= sent.length, 'echoes', 30_000);
      assert.equal(got.length, sent.length);
      sent.forEach((data, i) => assert.ok(got[i].equals(data), `message ${i} came back intact`));
      conn.close();
      await conn.closed();
    } finally {
      await srv.close();
    }
  },
);
