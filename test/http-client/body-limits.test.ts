// The response body path of request() and geturl: whatever way a body is split on the wire, read
// in place (a known Content-Length of 32 KiB or more) or collected in pieces (smaller, chunked),
// the mixins return exactly its bytes; a body shorter than its Content-Length fails (it is not
// handed out as complete), bytes beyond it are not part of it; and maxResponseSize is enforced on
// Content-Length before any body memory is set aside, on the bytes as they come otherwise, and on
// the decoded size, but not on a body read as a stream.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { HttpClient, request, ResponseTooLargeError, wait } from '../../src/http-client/index.js';
import { delay } from '../helpers/channel-pair.js';
import { onRequestHeads, rawOrigin } from '../helpers/origins.js';

/** What the origin does for one request: writes pieces (with a pause between), then maybe closes. */
interface Reply {
  pieces: Buffer[];
  /** Close the connection after the last piece. */
  close?: boolean;
  /** Write nothing more and keep the connection open (the client must not wait for the body). */
  hold?: boolean;
}

async function origin(
  reply: (n: number) => Reply,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let asked = 0;
  const o = await rawOrigin((s) => {
    let chain = Promise.resolve();
    onRequestHeads(s, () => {
      const r = reply(asked++);
      chain = chain.then(async () => {
        for (let i = 0; i < r.pieces.length && !s.destroyed; i++) {
          s.write(r.pieces[i]);
          if (i % 4 === 3) await delay(1);
        }
        if (r.close) s.end();
      });
    });
  });
  return { ...o, requests: () => asked };
}

function head(fields: string): Buffer {
  return Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n${fields}\r\n`);
}

/** `bytes` cut at the given sizes, cycling through them. */
function split(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

function chunked(body: Buffer, sizes: number[]): Buffer {
  const parts = split(body, sizes).map((p) =>
    Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
  );
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  assert.fail('expected a rejection');
}

describe('response bodies: bytes, lengths and maxResponseSize', () => {
  test(
    'any split, Content-Length or chunked, in place or in pieces: arrayBuffer/text/bytes give the exact bytes',
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              size: fc.constantFrom(0, 1, 1000, 32 * 1024, 300_000, 1_100_000),
              framing: fc.constantFrom('length', 'chunked'),
            }),
            { minLength: 1, maxLength: 4 },
          ),
          fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 4 }),
          async (shapes, sizes) => {
            // Pieces of at least 1 KiB for the large bodies (a 1 MB body in 1-byte writes with
            // pauses would measure the test's pace, not the client).
            const cuts = sizes.map((n) => n + 1024);
            const bodies = shapes.map((s) => randomBytes(s.size));
            const o = await origin((n) => {
              const b = bodies[n % bodies.length];
              const s = shapes[n % shapes.length];
              const wire =
                s.framing === 'length'
                  ? Buffer.concat([head(`Content-Length: ${b.length}\r\n`), b])
                  : Buffer.concat([head('Transfer-Encoding: chunked\r\n'), chunked(b, cuts)]);
              return { pieces: split(wire, cuts) };
            });
            const c = new HttpClient({ maxConnectionsPerOrigin: 1, zip: false });
            try {
              for (let n = 0; n < bodies.length * 2; n++) {
                const want = bodies[n % bodies.length];
                const r = await request(o.url, { dispatcher: c });
                assert.equal(r.statusCode, 200);
                if (n % 3 === 1) {
                  // text(): UTF-8 of exactly these bytes (a leading BOM dropped, as undici).
                  const bom = want.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0;
                  assert.equal(await r.body.text(), want.toString('utf8', bom), `text ${n}`);
                  continue;
                }
                const got =
                  n % 3 === 0
                    ? Buffer.from(await r.body.arrayBuffer())
                    : Buffer.from(await r.body.bytes());
                assert.ok(got.equals(want), `body ${n}: ${got.length} bytes, want ${want.length}`);
              }
            } finally {
              c.close();
              await o.close();
            }
          },
        ),
        { numRuns: 12 },
      );
    },
  );

  test('a body shorter than its Content-Length fails (request and geturl), in place or not', async () => {
    for (const [length, sent] of [
      [100_000, 60_000],
      [1000, 10],
    ] as const) {
      const body = randomBytes(sent);
      const o = await origin(() => ({
        pieces: [head(`Content-Length: ${length}\r\n`), body],
        close: true,
      }));
      const c = new HttpClient();
      try {
        const r = await request(o.url, { dispatcher: c });
        const err = await rejection(r.body.arrayBuffer());
        assert.equal(err.code, 'ERR_HTTP_INCOMPLETE_BODY', `${length}: ${err.message}`);
        const t = await c.geturl(o.url);
        assert.equal(t.status, 'eof', `${length}: geturl`);
        assert.equal(t.currentsize, sent);
      } finally {
        c.close();
        await o.close();
      }
    }
  });

  test('bytes beyond Content-Length are not part of the body; the next request is intact', async () => {
    const first = randomBytes(50_000);
    const second = randomBytes(70_000);
    const o = await origin((n) =>
      n === 0
        ? // One write: the body, then junk the client must not take as body or as a response.
          { pieces: [Buffer.concat([head('Content-Length: 50000\r\n'), first, randomBytes(20)])] }
        : { pieces: [head('Content-Length: 70000\r\n'), second] },
    );
    const c = new HttpClient({ maxConnectionsPerOrigin: 1 });
    try {
      const a = Buffer.from(await (await request(o.url, { dispatcher: c })).body.arrayBuffer());
      assert.ok(a.equals(first));
      const b = Buffer.from(await (await request(o.url, { dispatcher: c })).body.arrayBuffer());
      assert.ok(b.equals(second));
    } finally {
      c.close();
      await o.close();
    }
  });

  test(
    'maxResponseSize: a Content-Length over it fails on the head, before any body byte',
    { timeout: 20_000 },
    async () => {
      // The server sends the head only and holds: the failure cannot come from reading the body.
      const o = await origin(() => ({
        pieces: [head('Content-Length: 10000000\r\n')],
        hold: true,
      }));
      const c = new HttpClient({
        maxResponseSize: 1_000_000,
        headersTimeoutMs: 0,
        bodyTimeoutMs: 0,
      });
      try {
        const t = c.geturl(o.url, { command: () => {} });
        await wait(t);
        assert.equal(t.status, 'error');
        assert.ok(t.errorObject instanceof ResponseTooLargeError, t.error);
        assert.equal(
          (t.errorObject as ResponseTooLargeError).code,
          'ERR_HTTP_CLIENT_RESPONSE_TOO_LARGE',
        );
        assert.equal((t.errorObject as ResponseTooLargeError).limit, 1_000_000);
        assert.equal(t.currentsize, 0);

        const r = await request(o.url, { dispatcher: c });
        assert.equal(r.statusCode, 200);
        const err = await rejection(r.body.arrayBuffer());
        assert.ok(err instanceof ResponseTooLargeError, err.message);
        // The connections were closed, not left waiting for bodies nobody keeps.
        assert.equal(c.connectionCount, 0);
        // A HEAD answer has no body, whatever its Content-Length says.
        const h = await request(o.url, { dispatcher: c, method: 'HEAD' });
        assert.equal(h.statusCode, 200);
        assert.equal((await h.body.arrayBuffer()).byteLength, 0);
      } finally {
        c.close();
        await o.close();
      }
    },
  );

  test('maxResponseSize: chunked bodies over it fail as they arrive; at the limit they pass', async () => {
    const limit = 200_000;
    const at = randomBytes(limit);
    const over = randomBytes(limit + 1);
    const o = await origin((n) => {
      const b = n % 2 === 0 ? at : over;
      return {
        pieces: split(
          Buffer.concat([head('Transfer-Encoding: chunked\r\n'), chunked(b, [7000])]),
          [16_384],
        ),
      };
    });
    const c = new HttpClient({ maxResponseSize: limit, maxConnectionsPerOrigin: 1 });
    try {
      for (let round = 0; round < 2; round++) {
        const ok = await request(o.url, { dispatcher: c });
        assert.ok(Buffer.from(await ok.body.arrayBuffer()).equals(at));
        const bad = await request(o.url, { dispatcher: c });
        const err = await rejection(bad.body.bytes());
        assert.ok(err instanceof ResponseTooLargeError, err.message);
        assert.match(err.message, /reached 2000\d\d bytes/);
      }
      // A Content-Length exactly at the limit is read in place and passes too.
      const o2 = await origin(() => ({ pieces: [head(`Content-Length: ${limit}\r\n`), at] }));
      try {
        const t = await c.geturl(o2.url);
        assert.equal(t.status, 'ok', t.error);
        assert.ok(t.bodyBytes.equals(at));
      } finally {
        await o2.close();
      }
    } finally {
      c.close();
      await o.close();
    }
  });

  test('maxResponseSize: a body read as a stream is not limited (it is not kept)', async () => {
    const body = randomBytes(500_000);
    const o = await origin(() => ({
      pieces: split(Buffer.concat([head(`Content-Length: ${body.length}\r\n`), body]), [65_536]),
    }));
    const c = new HttpClient({ maxResponseSize: 100_000 });
    try {
      const r = await request(o.url, { dispatcher: c });
      const parts: Buffer[] = [];
      for await (const part of r.body) parts.push(part as Buffer);
      assert.ok(Buffer.concat(parts).equals(body));
    } finally {
      c.close();
      await o.close();
    }
  });

  test('maxResponseSize: the decoded size counts (a small gzip body that inflates past it)', async () => {
    const plain = Buffer.alloc(3_000_000, 0x61);
    const zipped = gzipSync(plain);
    const o = await origin(() => ({
      pieces: [head(`Content-Encoding: gzip\r\nContent-Length: ${zipped.length}\r\n`), zipped],
    }));
    try {
      const small = new HttpClient({ maxResponseSize: 1_000_000 });
      const big = new HttpClient({ maxResponseSize: 3_000_000 });
      try {
        const t = small.geturl(o.url, { command: () => {} });
        await wait(t);
        assert.ok(zipped.length < 1_000_000);
        assert.equal(t.status, 'error');
        assert.ok(t.errorObject instanceof ResponseTooLargeError, t.error);
        assert.match(t.error, /decoded/);
        const t2 = await big.geturl(o.url);
        assert.equal(t2.status, 'ok', t2.error);
        assert.ok(t2.bodyBytes.equals(plain));
      } finally {
        small.close();
        big.close();
      }
    } finally {
      await o.close();
    }
  });

  test('maxResponseSize: checked like the other settings; 0 and -1 mean no limit', () => {
    assert.equal(new HttpClient().configure('maxResponseSize'), 1024 * 1024 * 1024);
    assert.equal(new HttpClient({ maxResponseSize: -1 }).configure('maxResponseSize'), -1);
    assert.throws(() => new HttpClient({ maxResponseSize: -2 }), /no limit/);
    assert.throws(() => new HttpClient({ maxResponseSize: 1.5 }), /no limit/);
  });
});
