// Large bodies of known length are read straight into the buffer the token keeps (read-buffers.ts,
// io/dial's readBuffer), and everything else into slabs whose views must stay valid. Whatever way
// the bytes are split on the wire, pipelined behind or ahead of small responses, every body (and
// every head) must come out exactly as sent.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HttpClient, request, wait, type HttpToken } from '../../src/http-client/index.js';
import { delay } from '../helpers/channel-pair.js';
import { onRequestHeads, rawOrigin } from '../helpers/origins.js';

/**
 * A raw origin: the n-th request of a connection gets bodies[n] (with its index in X-N), all
 * responses written back to back in pieces of the given sizes, with a pause after every third.
 */
function origin(
  bodies: Buffer[],
  pieces: number[],
): Promise<{ url: string; close: () => Promise<void> }> {
  return rawOrigin((s) => {
    let asked = 0;
    const out: Buffer[] = [];
    let writing = false;
    const pump = async () => {
      if (writing) return;
      writing = true;
      for (let i = 0; out.length > 0; i++) {
        const head = out[0];
        const n = Math.min(pieces[i % pieces.length], head.length);
        s.write(head.subarray(0, n));
        if (n === head.length) out.shift();
        else out[0] = head.subarray(n);
        if (i % 3 === 2) await delay(1);
      }
      writing = false;
    };
    onRequestHeads(
      s,
      () => {
        const b = bodies[asked % bodies.length];
        out.push(
          Buffer.from(
            `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nX-N: ${asked}\r\nContent-Length: ${b.length}\r\n\r\n`,
          ),
          b,
        );
        asked++;
      },
      () => void pump(),
    );
  });
}

describe('bodies read in place', () => {
  test(
    'any split, large and small bodies pipelined: every body and head intact, in order',
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(0, 5, 1000, 300_000, 1_100_000), {
            minLength: 1,
            maxLength: 5,
          }),
          // Pieces of at least 4 KiB: with 1-byte pieces and a pause every third write, a 1 MB body
          // takes minutes to arrive and the 5 s request timeout, not the client, decides the run.
          fc.array(fc.integer({ min: 4096, max: 300_000 }), { minLength: 1, maxLength: 5 }),
          async (sizes, pieces) => {
            const bodies = sizes.map((n) => randomBytes(n));
            const o = await origin(bodies, pieces);
            const c = new HttpClient({ maxConnectionsPerOrigin: 1, pipeline: true, zip: false });
            try {
              const tokens: HttpToken[] = [];
              const held: Buffer[] = [];
              // Two rounds: the first pipelines once the server has shown keep-alive; the second
              // starts on a connection whose reads have already been lent out.
              for (let round = 0; round < 2; round++) {
                const start = tokens.length;
                for (let i = 0; i < bodies.length; i++) {
                  tokens.push(c.geturl(o.url, { command: () => {}, timeout: 5000 }));
                }
                await Promise.all(tokens.slice(start).map((t) => wait(t)));
                for (const t of tokens.slice(start)) held.push(Buffer.from(t.bodyBytes));
              }
              tokens.forEach((t, i) => {
                assert.equal(t.status, 'ok', t.error);
                assert.equal(t.meta.find(([k]) => k === 'X-N')?.[1], String(i));
                assert.ok(t.bodyBytes.equals(bodies[i % bodies.length]), `body ${i}`);
                // Later reads did not write over memory handed out earlier.
                assert.ok(held[i].equals(t.bodyBytes), `body ${i} unchanged`);
              });
              assert.equal(c.connectionCount, 1);
            } finally {
              c.close();
              await o.close();
            }
          },
        ),
        { numRuns: 15 },
      );
    },
  );

  test(
    'a large body on a connection whose client pauses is still intact',
    { timeout: 60_000 },
    async () => {
      const big = randomBytes(2_000_000);
      const o = await origin([big], [65_536]);
      const c = new HttpClient({ keepalive: true });
      try {
        for (let i = 0; i < 3; i++) {
          const t = await c.geturl(o.url, {
            timeout: 5000,
            progress: () => {
              // A slow consumer in the middle of the body: the event loop is held a little.
              const until = Date.now() + 1;
              while (Date.now() < until);
            },
          });
          assert.ok(t.bodyBytes.equals(big));
        }
      } finally {
        c.close();
        await o.close();
      }
    },
  );

  test('an idle keep-alive connection does not keep the last body it read in place', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const big = randomBytes(4 * 1024 * 1024);
    const o = await origin([big], [1 << 20]);
    const c = new HttpClient({ maxConnectionsPerOrigin: 1 });
    try {
      // In a function of its own, so that no frame of ours still holds the body.
      const fetchOne = async (): Promise<WeakRef<ArrayBuffer>> => {
        const r = await request(o.url, { dispatcher: c });
        const ab = await r.body.arrayBuffer();
        assert.ok(Buffer.from(ab).equals(big));
        return new WeakRef(ab);
      };
      const first = await fetchOne();
      // The connection stays open and idle: the parser must have let go of the body's memory.
      for (let i = 0; i < 5 && first.deref() !== undefined; i++) {
        await delay(10);
        gc();
      }
      assert.equal(first.deref(), undefined, 'the body is still reachable from the client');
      // And the connection is still good for the next body.
      assert.equal((await fetchOne()).deref()?.byteLength, big.length);
    } finally {
      c.close();
      await o.close();
    }
  });
});
