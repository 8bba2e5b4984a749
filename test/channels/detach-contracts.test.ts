// Channels made by detaching, and the verbs' contracts (issue 11, items 10–13): the read-ahead
// counts as received, promise verbs reject instead of throwing, a write to a gone peer returns -1
// (a timer-driven writer does not crash), sendTimeout bounds a write that cannot proceed, and a
// client that finished before the detach hands its end to the channel. Plain and TLS.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  callback,
  channel,
  close,
  connect,
  exists,
  listen,
  open,
  read,
  status,
  write,
  CANCEL,
  KEEP,
  type ChannelStatus,
} from '../../src/channels/index.js';
import { TRANSPORTS, transportName, withTestServer } from '../helpers/server.js';
import { delay, until } from '../helpers/channel-pair.js';

const MiB = 1024 * 1024;

/** Reads from a channel until `n` bytes came (or EOF); returns them. */
async function readBytes(name: string, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const b = await read(name, { timeoutMs: 5000 });
    if (b.length === 0) break;
    parts.push(Buffer.from(b));
    got += b.length;
  }
  return Buffer.concat(parts);
}

for (const secure of TRANSPORTS) {
  describe(`detached channels over ${transportName(secure)}`, () => {
    test('received counts the read-ahead: an unread body and pipelined bytes go to the channel, and the reads add up to it', async () => {
      let done: Promise<void> | undefined;
      await withTestServer(
        secure,
        (s) =>
          s.post('/d', (ctx) => {
            const name = ctx.detach();
            done = (async () => {
              const rest = '0123456789GET /next HTTP/1.1\r\nHost: x\r\n\r\n';
              const first = await readBytes(name, rest.length);
              assert.equal(
                first.toString(),
                rest,
                'the unread body first, then the pipelined request',
              );
              write(name, 'go');
              const more = await readBytes(name, 4);
              assert.equal(more.toString(), 'more');
              const st = status(name);
              assert.equal(st.received, first.length + more.length, 'sum of reads == received');
              close(name);
            })();
          }),
        async (t) => {
          const c = await t.connect();
          c.write(
            'POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /next HTTP/1.1\r\nHost: x\r\n\r\n',
          );
          await c.waitFor((s) => s === 'go');
          c.write('more');
          await c.closed();
          await done;
        },
      );
    });

    test('a write to a channel whose peer left returns -1 from a timer, never throws (the process lives)', async () => {
      let stopped: Promise<number> | undefined;
      await withTestServer(
        secure,
        (s) =>
          s.get('/ticks', (ctx) => {
            const name = ctx.detach();
            write(name, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
            stopped = new Promise((resolve) => {
              let n = 0;
              const timer = setInterval(() => {
                const r = write(name, `tick ${n++}\n`);
                if (r < 0) {
                  clearInterval(timer);
                  resolve(n);
                }
              }, 5);
            });
          }),
        async (t) => {
          const c = await t.connect();
          c.write('GET /ticks HTTP/1.1\r\nHost: x\r\n\r\n');
          await c.waitFor((s) => s.includes('tick 3\n'));
          c.socket.destroy();
          const ticks = await stopped!;
          assert.ok(ticks > 3);
        },
      );
    });

    test("the docs' streaming example (a w callback) ends quietly when the client leaves", async () => {
      const warnings: unknown[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args);
      let name = '';
      let chunks = 0;
      try {
        await withTestServer(
          secure,
          (s) =>
            s.get('/stream', (ctx) => {
              name = ctx.detach();
              write(name, 'HTTP/1.1 200 OK\r\nContent-Type: video/h264\r\n\r\n');
              const nextChunk = (): Buffer | undefined =>
                chunks++ < 100_000 ? Buffer.alloc(16 * 1024, 0x68) : undefined;
              // docs/channels.md, verbatim but for nextChunk.
              callback(
                name,
                () => {
                  const chunk = nextChunk();
                  if (chunk === undefined) return CANCEL; // done: close (queued bytes still go out)
                  // -1: the client went away (the channel is already gone): stop.
                  return write(name, chunk, { buffered: true }) < 0 ? CANCEL : KEEP;
                },
                'w',
              );
            }),
          async (t) => {
            const c = await t.connect();
            c.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
            await c.waitFor((s) => s.length > 64 * 1024);
            c.socket.destroy();
            await until(() => name !== '' && !exists(name), 'the channel to leave', 5000);
          },
        );
      } finally {
        console.warn = warn;
      }
      assert.deepEqual(warnings, [], 'no callback failed');
      assert.ok(chunks < 100_000, 'stopped long before the end');
    });

    test('sendTimeout bounds a write that cannot proceed: e fires, senderror ETIMEDOUT, then writes return -1', async () => {
      let seen: { why: string; st: ChannelStatus } | undefined;
      let name = '';
      const t0 = Date.now();
      await withTestServer(
        secure,
        (s) =>
          s.get('/flood', (ctx) => {
            name = ctx.detach();
            callback(
              name,
              (why) => {
                seen = { why, st: status(name) };
                return CANCEL;
              },
              'e',
              { sendTimeout: '300ms' },
            );
            // 12 MiB to a client that reads nothing: under the 16 MiB bound, but stuck.
            for (let i = 0; i < 12; i++) write(name, Buffer.alloc(MiB, 0x41), { buffered: true });
          }),
        async (t) => {
          const sock = t.tls
            ? (await import('node:tls')).connect({
                host: '127.0.0.1',
                port: t.port,
                ca: t.ca,
                servername: 'localhost',
              })
            : net.connect(t.port, '127.0.0.1');
          sock.on('error', () => {});
          sock.pause();
          sock.write('GET /flood HTTP/1.1\r\nHost: x\r\n\r\n');
          await until(() => seen !== undefined, 'the e callback', 10_000);
          assert.equal(seen!.why, 'e');
          assert.equal(seen!.st.senderror, 'ETIMEDOUT');
          assert.ok(Date.now() - t0 >= 300);
          assert.equal(write(name, 'x'), -1);
          assert.equal(exists(name), false);
          sock.destroy();
        },
      );
    });

    test('a client that reads again within sendTimeout is not cut', async () => {
      let result = '';
      await withTestServer(
        secure,
        (s) =>
          s.get('/pause', (ctx) => {
            const name = ctx.detach();
            callback(name, () => ((result = 'failed'), CANCEL), 'e', { sendTimeout: '600ms' });
            write(name, Buffer.alloc(6 * MiB, 0x42), { buffered: true });
            void channel(name)
              .flush(20_000)
              .then(() => (result ||= 'flushed'))
              .finally(() => close(name));
          }),
        async (t) => {
          const c = await t.connect();
          c.socket.pause();
          c.write('GET /pause HTTP/1.1\r\nHost: x\r\n\r\n');
          await delay(200); // a pause shorter than the send timeout
          c.socket.resume();
          await until(() => result !== '', 'the flush to settle', 20_000);
          c.socket.destroy();
          assert.equal(result, 'flushed');
        },
      );
    });

    test('a client that half-closed before an async handler detached: read returns EOF at once, the entry leaves', async () => {
      let outcome: { eofMs: number; existsAfter: boolean } | undefined;
      await withTestServer(
        secure,
        (s) =>
          s.get('/late', async (ctx) => {
            await delay(150); // the client half-closes meanwhile
            const name = ctx.detach();
            const t0 = Date.now();
            const data = await read(name, { timeoutMs: 10_000 });
            assert.equal(data.length, 0);
            const eofMs = Date.now() - t0;
            await until(() => !exists(name), 'the entry to leave');
            outcome = { eofMs, existsAfter: exists(name) };
          }),
        async (t) => {
          const c = await t.connect();
          c.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
          c.socket.end();
          await until(() => outcome !== undefined, 'the handler', 10_000);
          assert.ok(outcome!.eofMs < 1000, `EOF after ${outcome!.eofMs} ms, not the read timeout`);
          c.socket.destroy();
        },
      );
    });

    test('a client that closed while an async handler ran: detach still works and the channel reads EOF', async () => {
      let result: string | undefined;
      await withTestServer(
        secure,
        (s) =>
          s.get('/gone', async (ctx) => {
            await delay(200); // the client is gone meanwhile
            const name = ctx.detach();
            const data = await read(name, { timeoutMs: 10_000 });
            await until(() => !exists(name), 'the entry to leave');
            result = `eof=${data.length === 0} write=${write(name, 'x')}`;
          }),
        async (t) => {
          const c = await t.connect();
          c.write('GET /gone HTTP/1.1\r\nHost: x\r\n\r\n');
          await delay(20);
          c.socket.destroy();
          await until(() => result !== undefined, 'the handler', 10_000);
          assert.equal(result, 'eof=true write=-1');
        },
      );
    });

    test('detach({halfOpen: true}) after the client half-closed: EOF read, the channel stays writable', async () => {
      let name = '';
      await withTestServer(
        secure,
        (s) =>
          s.get('/half', async (ctx) => {
            await delay(100);
            name = ctx.detach({ halfOpen: true });
            assert.equal((await read(name, { timeoutMs: 5000 })).length, 0);
            await delay(50);
            assert.equal(exists(name), true, 'kept after EOF');
            write(name, 'still here');
            close(name);
          }),
        async (t) => {
          const c = await t.connect();
          c.write('GET /half HTTP/1.1\r\nHost: x\r\n\r\n');
          c.socket.end();
          assert.equal(await c.closed(5000), 'still here');
        },
      );
    });
  });
}

describe('promise-returning verbs reject, never throw synchronously', () => {
  test('read, connect, listen and open', async () => {
    const calls: [string, () => Promise<unknown>, string][] = [
      ['read of an unknown channel', () => read('conn-nope'), 'ERR_CHAN_NOT_FOUND'],
      [
        'websocket read of an unknown channel',
        () => read('conn-nope', { websocket: true }),
        'ERR_CHAN_NOT_FOUND',
      ],
      [
        'connect to a closed port',
        () => connect('127.0.0.1', 1, { timeout: '2s' }),
        'ERR_CONNECT_REFUSED',
      ],
      ['listen on a bad port', () => listen('127.0.0.1', -5, () => {}), 'ERR_SOCKET_BAD_PORT'],
      ['open of an ftp URL', () => open('ftp://example.com/'), 'ERR_CHAN_UNSUPPORTED_SCHEME'],
    ];
    for (const [what, call, code] of calls) {
      let p: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        p = call();
      }, what);
      await assert.rejects(p!, (e: unknown) => (e as { code?: string }).code === code, what);
    }
  });
});

describe('halfOpen where channels are made: listen, connect, open', () => {
  test('a listened and a connected channel both stay writable after the other side half-closed', async () => {
    let accepted = '';
    const l = await listen('127.0.0.1', 0, (name) => void (accepted = name), { halfOpen: true });
    try {
      const client = await connect('127.0.0.1', l.port, { halfOpen: true });
      await until(() => accepted !== '', 'the accept');
      assert.equal(channel(client).halfOpen, true);
      assert.equal(channel(accepted).halfOpen, true);
      channel(client).socket.end(); // the client finished sending
      assert.equal((await read(accepted, { timeoutMs: 5000 })).length, 0);
      await delay(50);
      assert.equal(exists(accepted), true);
      write(accepted, 'reply after EOF');
      assert.equal((await read(client, { timeoutMs: 5000 })).toString(), 'reply after EOF');
      close(accepted);
      assert.equal((await read(client, { timeoutMs: 5000 })).length, 0);
      await until(() => !exists(client), 'the client to leave once both sides finished');
    } finally {
      await l.close();
    }
  });

  test('open passes halfOpen to its channel', async () => {
    const server = net.createServer((s) => s.on('data', () => s.end('HTTP/1.0 200 OK\r\n\r\nhi')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const name = await open(`http://127.0.0.1:${port}/`, { halfOpen: true });
      assert.equal(channel(name).halfOpen, true);
      const got = await readBytes(name, 22);
      assert.match(got.toString(), /hi$/);
      close(name);
    } finally {
      server.close();
    }
  });
});

for (const secure of TRANSPORTS) {
  describe(`the socket handed over at a detach, over ${transportName(secure)}`, () => {
    test('reports to the channel alone: later bytes are its own (no request parsed, no answer), its drain is heard, and the peer going away closes it', async () => {
      let name = '';
      let requests = 0;
      await withTestServer(
        secure,
        (s) =>
          s.get('/d', (ctx) => {
            requests++;
            name = ctx.detach();
          }),
        async (t) => {
          const c = await t.connect();
          c.write('GET /d HTTP/1.1\r\nHost: x\r\n\r\n');
          await until(() => name !== '', 'the detach');
          // Sent after the detach: a request the server's connection would answer if it still heard.
          const later = 'GET /d HTTP/1.1\r\nHost: x\r\n\r\n';
          c.write(later);
          assert.equal((await readBytes(name, later.length)).toString(), later);
          // More than the socket's high-water mark: flush() resolves only on the socket's 'drain'.
          const big = Buffer.alloc(4 * MiB, 0x61);
          write(name, big);
          await channel(name).flush(10_000);
          await c.waitFor((text) => text.length >= big.length, 10_000);
          assert.equal(requests, 1, 'the bytes after the detach were not parsed as a request');
          assert.doesNotMatch(
            c.text(),
            /HTTP\/1\.1/,
            'the server answered nothing after the detach',
          );
          c.socket.destroy();
          await until(() => !exists(name), 'the channel to leave its table once the peer is gone');
        },
      );
    });
  });
}
