import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { ConnchanError, ProtocolError } from '../../src/errors.js';
import { PerMessageDeflate } from '../../src/io/deflate.js';
import { Limiter } from '../../src/io/limiter.js';
import type { PerMessageDeflateAgreement } from '../../src/proto/ws/permessage-deflate-params.js';

const TAKEOVER: PerMessageDeflateAgreement = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const NO_TAKEOVER: PerMessageDeflateAgreement = {
  ...TAKEOVER,
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
};

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');

/** A server and a client endpoint on one agreement, closed after `fn`. */
async function pair(
  agreement: PerMessageDeflateAgreement,
  fn: (server: PerMessageDeflate, client: PerMessageDeflate) => Promise<void>,
  maxMessageBytes?: number,
): Promise<void> {
  const server = new PerMessageDeflate(agreement, 'server', { maxMessageBytes });
  const client = new PerMessageDeflate(agreement, 'client', { maxMessageBytes });
  try {
    await fn(server, client);
  } finally {
    server.close();
    client.close();
  }
}

async function rejectsWith(
  p: Promise<unknown>,
  code: string,
  closeCode?: number,
): Promise<ProtocolError | ConnchanError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => {
      caught = e;
    },
  );
  assert.ok(caught instanceof ConnchanError, String(caught));
  assert.equal(caught.code, code);
  if (closeCode !== undefined) {
    assert.ok(caught instanceof ProtocolError);
    assert.equal(caught.closeCode, closeCode);
  }
  return caught;
}

describe('RFC 7692 §7.2.3 examples', () => {
  test('"Hello" compresses to f2 48 cd c9 c9 07 00 and back', async () => {
    await pair(TAKEOVER, async (server, client) => {
      assert.deepEqual(
        await server.compress(Buffer.from('Hello'), true),
        hex('f2 48 cd c9 c9 07 00'),
      );
      assert.equal(
        (await client.decompress(hex('f2 48 cd c9 c9 07 00'), true)).toString(),
        'Hello',
      );
    });
  });

  test('the two-fragment message decodes fragment by fragment', async () => {
    await pair(TAKEOVER, async (_server, client) => {
      const a = await client.decompress(hex('f2 48 cd'), false);
      const b = await client.decompress(hex('c9 c9 07 00'), true);
      assert.equal(Buffer.concat([a, b]).toString(), 'Hello');
    });
  });

  test('a stored (uncompressed) block decodes', async () => {
    await pair(TAKEOVER, async (_server, client) => {
      assert.equal(
        (await client.decompress(hex('00 05 00 fa ff 48 65 6c 6c 6f 00'), true)).toString(),
        'Hello',
      );
    });
  });

  test('two DEFLATE blocks in one message decode', async () => {
    await pair(TAKEOVER, async (_server, client) => {
      const got = await client.decompress(hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00'), true);
      assert.equal(got.toString(), 'Hello');
    });
  });

  test('a BFINAL block decodes, and the next message starts a new stream', async () => {
    await pair(TAKEOVER, async (_server, client) => {
      assert.equal(
        (await client.decompress(hex('f3 48 cd c9 c9 07 00 00'), true)).toString(),
        'Hello',
      );
      assert.equal(
        (await client.decompress(hex('f2 48 cd c9 c9 07 00'), true)).toString(),
        'Hello',
      );
    });
  });

  test('with context takeover the second "Hello" is f2 00 11 00 00, both ways', async () => {
    await pair(TAKEOVER, async (server, client) => {
      assert.deepEqual(
        await server.compress(Buffer.from('Hello'), true),
        hex('f2 48 cd c9 c9 07 00'),
      );
      assert.deepEqual(await server.compress(Buffer.from('Hello'), true), hex('f2 00 11 00 00'));
      assert.equal(
        (await client.decompress(hex('f2 48 cd c9 c9 07 00'), true)).toString(),
        'Hello',
      );
      assert.equal((await client.decompress(hex('f2 00 11 00 00'), true)).toString(), 'Hello');
    });
  });
});

describe('context takeover', () => {
  test('without takeover every message compresses alike; with it the second is smaller', async () => {
    const msg = Buffer.from(
      '{"type":"update","payload":{"id":12345,"name":"connchan"}}'.repeat(20),
    );
    await pair(NO_TAKEOVER, async (server, client) => {
      const first = await server.compress(msg, true);
      const second = await server.compress(msg, true);
      assert.deepEqual(second, first);
      assert.deepEqual(await client.decompress(first, true), msg);
      assert.deepEqual(await client.decompress(second, true), msg);
    });
    await pair(TAKEOVER, async (server) => {
      const first = await server.compress(msg, true);
      const second = await server.compress(msg, true);
      assert.ok(second.length < first.length / 2, `${second.length} vs ${first.length}`);
    });
  });

  test('the inflater forgets the window after each message when the peer does not take over', async () => {
    // The client expects a server without context takeover, so a back-reference into the
    // previous message is invalid data for it.
    const agreement = { ...TAKEOVER, serverNoContextTakeover: true };
    await pair(agreement, async (_server, client) => {
      assert.equal(
        (await client.decompress(hex('f2 48 cd c9 c9 07 00'), true)).toString(),
        'Hello',
      );
      await rejectsWith(
        client.decompress(hex('f2 00 11 00 00'), true),
        'ERR_WS_INVALID_COMPRESSED_DATA',
        1007,
      );
    });
  });

  test('compresses with our window bits (9 bits cannot reach back 1000 bytes)', async () => {
    // Pseudo-random bytes: nothing repeats inside the block, only the block as a whole.
    let seed = 12345;
    const block = Buffer.from(
      Array.from({ length: 1000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24),
    );
    const data = Buffer.concat([block, block]);
    const sizes: number[] = [];
    for (const bits of [15, 9, 8]) {
      const agreement = { ...TAKEOVER, serverMaxWindowBits: bits, clientMaxWindowBits: bits };
      await pair(agreement, async (server, client) => {
        const out = await server.compress(data, true);
        sizes.push(out.length);
        assert.deepEqual(await client.decompress(out, true), data);
      });
    }
    assert.ok(sizes[0] < 1300, `15 bits: ${sizes[0]}`);
    assert.ok(sizes[1] > 1900, `9 bits: ${sizes[1]}`);
    assert.ok(sizes[2] > 1900, `8 bits (as 9): ${sizes[2]}`);
  });
});

describe('round trips', () => {
  const agreementArb = fc.record({
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
    serverMaxWindowBits: fc.integer({ min: 8, max: 15 }),
    clientMaxWindowBits: fc.integer({ min: 8, max: 15 }),
  });
  const messageArb = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s.repeat(5))),
  );

  test('any messages, cut into any fragments, come back intact both ways', async () => {
    await fc.assert(
      fc.asyncProperty(
        agreementArb,
        fc.array(fc.tuple(messageArb, fc.array(fc.nat(), { maxLength: 3 })), {
          minLength: 1,
          maxLength: 5,
        }),
        async (agreement, messages) => {
          await pair(agreement, async (server, client) => {
            for (const [bytes, cuts] of messages) {
              const msg = Buffer.from(bytes);
              for (const [from, to] of [
                [server, client],
                [client, server],
              ]) {
                const points = [...new Set(cuts.map((c) => c % (msg.length + 1)))].sort(
                  (a, b) => a - b,
                );
                const parts = [0, ...points, msg.length]
                  .slice(1)
                  .map((end, i, ends) => msg.subarray(i === 0 ? 0 : ends[i - 1], end));
                const compressed: Buffer[] = [];
                for (let i = 0; i < parts.length; i++)
                  compressed.push(await from.compress(parts[i], i === parts.length - 1));
                const inflated: Buffer[] = [];
                for (let i = 0; i < compressed.length; i++) {
                  inflated.push(await to.decompress(compressed[i], i === compressed.length - 1));
                }
                assert.deepEqual(Buffer.concat(inflated), msg);
              }
            }
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  test('empty messages and empty final fragments', async () => {
    await pair(TAKEOVER, async (server, client) => {
      for (let i = 0; i < 3; i++) {
        const out = await server.compress(Buffer.alloc(0), true);
        assert.deepEqual(out, hex('00'));
        assert.equal((await client.decompress(out, true)).length, 0);
      }
      const a = await server.compress(Buffer.from('Hel'), false);
      const b = await server.compress(Buffer.alloc(0), true);
      assert.deepEqual(b, hex('00'));
      assert.equal(
        Buffer.concat([
          await client.decompress(a, false),
          await client.decompress(b, true),
        ]).toString(),
        'Hel',
      );
    });
  });

  test('accepts arrays of buffers', async () => {
    await pair(TAKEOVER, async (server, client) => {
      const out = await server.compress([Buffer.from('Hel'), Buffer.from('lo')], true);
      assert.deepEqual(out, hex('f2 48 cd c9 c9 07 00'));
      assert.equal(
        (await client.decompress([out.subarray(0, 2), out.subarray(2)], true)).toString(),
        'Hello',
      );
    });
  });

  test('calls made without waiting complete in call order', async () => {
    await pair(TAKEOVER, async (server, client) => {
      const msgs = Array.from({ length: 30 }, (_, i) => Buffer.from(`message ${i} `.repeat(i + 1)));
      const compressed = await Promise.all(msgs.map((m) => server.compress(m, true)));
      const inflated = await Promise.all(compressed.map((c) => client.decompress(c, true)));
      assert.deepEqual(inflated, msgs);
    });
  });
});

describe('limits and failures', () => {
  test('a message at the limit passes; one byte more fails with 1009', async () => {
    const limit = 50_000;
    await pair(
      TAKEOVER,
      async (server, client) => {
        const ok = Buffer.alloc(limit, 'a');
        assert.equal(
          (await client.decompress(await server.compress(ok, true), true)).length,
          limit,
        );
        const big = await server.compress(Buffer.alloc(limit + 1, 'a'), true);
        const err = await rejectsWith(client.decompress(big, true), 'ERR_WS_MESSAGE_TOO_BIG', 1009);
        assert.match(err.message, /50000/);
      },
      limit,
    );
  });

  test('the limit covers the whole message across fragments', async () => {
    await pair(
      TAKEOVER,
      async (server, client) => {
        const a = await server.compress(Buffer.alloc(600, 'x'), false);
        const b = await server.compress(Buffer.alloc(600, 'y'), true);
        assert.equal((await client.decompress(a, false)).length, 600);
        await rejectsWith(client.decompress(b, true), 'ERR_WS_MESSAGE_TOO_BIG', 1009);
      },
      1000,
    );
  });

  test('a 1 GiB bomb fails fast with 1009 without inflating it', async () => {
    // 1 MiB of zeros compresses to about 1 KiB of blocks that refer only to themselves, so
    // 1024 copies inflate to 1 GiB without us ever holding that much.
    const unit = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => unit));
    assert.ok(bomb.length < 2 << 20, `bomb is ${bomb.length} bytes`);
    const client = new PerMessageDeflate(TAKEOVER, 'client', { maxMessageBytes: 1 << 20 });
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    try {
      await rejectsWith(client.decompress(bomb, true), 'ERR_WS_MESSAGE_TOO_BIG', 1009);
    } finally {
      client.close();
    }
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grownMb < 50, `rss grew by ${grownMb.toFixed(1)} MB`);
    assert.ok(performance.now() - started < 2000, 'took too long: it inflated far past the limit');
    await rejectsWith(
      client.decompress(hex('f2 48 cd c9 c9 07 00'), true),
      'ERR_WS_DEFLATE_CLOSED',
    );
  });

  test('invalid data fails with 1007, and so does every later message', async () => {
    await pair(TAKEOVER, async (_server, client) => {
      const first = await rejectsWith(
        client.decompress(hex('ff ff ff ff'), true),
        'ERR_WS_INVALID_COMPRESSED_DATA',
        1007,
      );
      const again = await rejectsWith(
        client.decompress(hex('f2 48 cd c9 c9 07 00'), true),
        'ERR_WS_INVALID_COMPRESSED_DATA',
        1007,
      );
      assert.equal(again, first);
    });
  });

  test('close() fails jobs in progress and later ones, and frees limiter slots', async () => {
    const limiter = new Limiter(1);
    const pmd = new PerMessageDeflate(TAKEOVER, 'server', { limiter });
    const running = pmd.compress(Buffer.alloc(1 << 20, 'abc'), true);
    const queued = pmd.compress(Buffer.from('x'), true);
    await new Promise((r) => setImmediate(r));
    pmd.close();
    await rejectsWith(running, 'ERR_WS_DEFLATE_CLOSED');
    await rejectsWith(queued, 'ERR_WS_DEFLATE_CLOSED');
    await rejectsWith(pmd.decompress(hex('00'), true), 'ERR_WS_DEFLATE_CLOSED');
    assert.equal(limiter.running, 0);
    assert.equal(limiter.queued, 0);
  });

  test('all zlib work waits for a limiter slot', async () => {
    const limiter = new Limiter(1);
    let release!: () => void;
    const blocker = limiter.run(() => new Promise<void>((r) => (release = r)));
    const pmd = new PerMessageDeflate(TAKEOVER, 'server', { limiter });
    let done = false;
    const job = pmd.compress(Buffer.from('Hello'), true).then((b) => ((done = true), b));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'compress ran while the only slot was taken');
    release();
    await blocker;
    assert.deepEqual(await job, hex('f2 48 cd c9 c9 07 00'));
    pmd.close();
  });

  test('isCompressible applies the threshold', () => {
    const pmd = new PerMessageDeflate(TAKEOVER, 'server', { threshold: 100 });
    assert.equal(pmd.isCompressible(99), false);
    assert.equal(pmd.isCompressible(100), true);
    assert.equal(new PerMessageDeflate(TAKEOVER, 'client').isCompressible(1023), false);
    pmd.close();
  });
});

describe('Limiter', () => {
  test('never runs more than N at once, reaches N, and keeps FIFO order', async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        limiter.run(async () => {
          started.push(i);
          active++;
          peak = Math.max(peak, active);
          assert.ok(limiter.running <= 3);
          await new Promise((r) => setTimeout(r, (i * 7) % 5));
          active--;
          return i * 2;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(
      started,
      Array.from({ length: 25 }, (_, i) => i),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 25 }, (_, i) => i * 2),
    );
    assert.equal(limiter.running, 0);
  });

  test('a failing task (rejected or thrown) frees its slot and passes the error on', async () => {
    const limiter = new Limiter(1);
    await assert.rejects(
      limiter.run(() => Promise.reject(new Error('a'))),
      /a/,
    );
    await assert.rejects(
      limiter.run(() => {
        throw new Error('b');
      }),
      /b/,
    );
    assert.equal(await limiter.run(() => 42), 42);
    assert.equal(limiter.running, 0);
  });

  test('counts queued tasks and refuses a bad concurrency', async () => {
    const limiter = new Limiter(1);
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((r) => (release = r)));
    const second = limiter.run(() => 'second');
    assert.equal(limiter.running, 1);
    assert.equal(limiter.queued, 1);
    release();
    await first;
    assert.equal(await second, 'second');
    for (const bad of [0, -1, 1.5, Number.NaN])
      assert.throws(() => new Limiter(bad), /positive integer/);
  });
});
