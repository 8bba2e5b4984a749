// The server's plain TCP connection on its bare libuv handle (io/handle-socket.ts), against real
// sockets, and the same suite on the fallback (a net.Socket reading into the lent buffer): every
// byte under backpressure, end after queued writes, destroy mid-write, a peer's reset, EOF,
// addresses, and net.Server's close waiting for the connections it accepted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import type { ConnSocket } from '../../src/io/conn-socket.js';
import { hookAccept } from '../../src/io/handle-accept.js';
import { HandleSocket } from '../../src/io/handle-socket.js';
import { lendReads, type LentReadCallback } from '../../src/io/lent-reads.js';
import { streamBinding, useHandleSockets } from '../../src/io/stream-binding.js';
import { until } from '../helpers/channel-pair.js';

type Kind = 'handle' | 'net.Socket';

interface Accepted {
  server: net.Server;
  socket: ConnSocket;
  client: net.Socket;
  /** Copies of every read the server side got. */
  reads: Buffer[];
  /** Replaces what the server does with each read (default: keep a copy in `reads`). */
  onRead: (socket: ConnSocket, bytes: Buffer) => void;
}

/** A listening server of `kind` and one connected client; resolves once the server accepted. */
async function acceptOne(kind: Kind): Promise<Accepted> {
  const reads: Buffer[] = [];
  const a = { reads, onRead: (_s: ConnSocket, b: Buffer) => reads.push(b) } as unknown as Accepted;
  const onRead: LentReadCallback = function (nread, buffer) {
    a.onRead(this, Buffer.from(buffer.subarray(0, nread)));
  };
  let got: (s: ConnSocket) => void;
  const accepted = new Promise<ConnSocket>((resolve) => (got = resolve));
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
    // The fallback: a net.Socket reading into the lent buffer (as the server does it).
    const lent = lendReads(s, true, onRead) ?? s;
    lent.resume();
    got(lent);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  if (kind === 'handle') assert.ok(hookAccept(server, true, onRead, (s) => got(s)));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  a.server = server;
  a.client = client;
  a.socket = await accepted;
  assert.equal(a.socket instanceof HandleSocket, kind === 'handle');
  return a;
}

async function finish(a: Accepted): Promise<void> {
  a.client.destroy();
  a.socket.destroy();
  await new Promise((r) => a.server.close(r));
}

function collect(client: net.Socket): { bytes: () => Buffer; ended: Promise<void> } {
  const parts: Buffer[] = [];
  client.on('data', (d: Buffer) => parts.push(d));
  const ended = new Promise<void>((r) => client.once('end', r));
  return { bytes: () => Buffer.concat(parts), ended };
}

const KINDS: Kind[] = streamBinding() ? ['handle', 'net.Socket'] : ['net.Socket'];
if (KINDS.length === 1) console.log('# this Node has no stream binding: only the fallback runs');

for (const kind of KINDS) {
  describe(`server connection on ${kind}`, () => {
    test('echoes every byte in order under backpressure: pauses when refused, drains, resumes', async () => {
      const a = await acceptOne(kind);
      const input = randomBytes(8 * 1024 * 1024);
      let refused = 0;
      let drains = 0;
      a.socket.on('drain', () => {
        drains++;
        a.socket.resume();
      });
      a.onRead = (s, bytes) => {
        if (!s.write(bytes)) {
          refused++;
          assert.equal(s.writableNeedDrain, true);
          s.pause();
        }
      };
      a.client.pause(); // reads nothing at first: the server's queue fills and it stops reading
      a.client.write(input);
      await until(() => refused > 0, 'a refused write', 10_000);
      await new Promise((r) => setTimeout(r, 100));
      // Bounded: the server stopped reading, so what it queued stays near one read past the mark.
      assert.ok(a.socket.writableLength < 512 * 1024, `queued ${a.socket.writableLength}`);
      const out = collect(a.client);
      a.client.resume();
      await until(() => out.bytes().length >= input.length, 'the whole echo', 30_000);
      assert.ok(drains > 0);
      assert.ok(out.bytes().equals(input), 'every byte, in order');
      assert.equal(a.socket.bytesWritten, input.length);
      await finish(a);
    });

    test('end() after queued writes delivers them all, then the FIN; finish comes', async () => {
      const a = await acceptOne(kind);
      const data = randomBytes(4 * 1024 * 1024);
      a.client.pause();
      let finished = 0;
      a.socket.on('finish', () => finished++);
      a.socket.write(data.subarray(0, 1000));
      a.socket.write(data.subarray(1000));
      a.socket.end();
      assert.equal(a.socket.writable, false);
      const out = collect(a.client);
      a.client.resume();
      await out.ended;
      assert.ok(out.bytes().equals(data));
      await until(() => finished === 1, "'finish'");
      // A write after end is refused, with the stream error's code (net.Socket also emits it).
      a.socket.on('error', () => {});
      const err = await new Promise<Error | null | undefined>((r) => a.socket.write('x', r));
      assert.equal((err as NodeJS.ErrnoException).code, 'ERR_STREAM_WRITE_AFTER_END');
      await finish(a);
    });

    test('destroy() mid-write closes once; later writes fail; the peer sees the end', async () => {
      const a = await acceptOne(kind);
      a.client.pause();
      let closes = 0;
      a.socket.on('close', () => closes++);
      a.socket.write(Buffer.alloc(8 * 1024 * 1024));
      assert.ok(a.socket.writableLength > 0);
      const gone = new Promise((r) => a.client.once('close', r));
      a.socket.destroy();
      a.socket.destroy();
      assert.equal(a.socket.destroyed, true);
      assert.equal(a.socket.write('late'), false);
      a.client.resume();
      await gone;
      await until(() => closes === 1, "'close'");
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(closes, 1);
      await new Promise((r) => a.server.close(r));
    });

    test("a peer's reset: 'error' (ECONNRESET) then 'close', each once", async () => {
      const a = await acceptOne(kind);
      const errors: string[] = [];
      let closes = 0;
      a.socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? ''));
      a.socket.on('close', () => closes++);
      a.client.resetAndDestroy();
      await until(() => closes === 1, "'close'");
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(errors, ['ECONNRESET']);
      assert.equal(closes, 1);
      await new Promise((r) => a.server.close(r));
    });

    test("the peer's EOF is 'end'; half-open, our answer still goes, then both ends close", async () => {
      const a = await acceptOne(kind);
      let ends = 0;
      a.socket.on('end', () => ends++);
      const closed = new Promise((r) => a.socket.once('close', r));
      const out = collect(a.client);
      a.client.end('last words');
      await until(() => ends === 1, "'end'");
      assert.equal(a.socket.readableEnded, true);
      assert.equal(Buffer.concat(a.reads).toString(), 'last words');
      a.socket.end('answer');
      await out.ended;
      assert.equal(out.bytes().toString(), 'answer');
      await closed; // both sides done: the socket closes by itself
      assert.equal(ends, 1);
      await new Promise((r) => a.server.close(r));
    });

    test('cork batches writes that leave in order at uncork; addresses are the peer and ours', async () => {
      const a = await acceptOne(kind);
      const out = collect(a.client);
      a.socket.cork();
      a.socket.write('one ');
      a.socket.write(Buffer.from('two '));
      a.socket.write('três', 'utf8');
      assert.equal(a.socket.writableCorked, 1);
      // (net.Socket counts a string's characters, we count its bytes)
      assert.ok(a.socket.writableLength >= 'one two três'.length);
      a.socket.uncork();
      await until(() => out.bytes().length === 13, 'the batch');
      assert.equal(out.bytes().toString(), 'one two três');
      assert.equal(a.socket.writableLength, 0, 'nothing counted as queued once written');
      // A batch of one chunk refused by the mark: counted once, and 'drain' once it is written.
      let drains = 0;
      a.socket.on('drain', () => drains++);
      a.socket.cork();
      assert.equal(a.socket.write(Buffer.alloc(32 * 1024, 0x61)), false);
      a.socket.uncork();
      await until(() => drains === 1 && out.bytes().length === 13 + 32 * 1024, "'drain'");
      assert.equal(a.socket.writableLength, 0);
      assert.equal(a.socket.remoteAddress, '127.0.0.1');
      assert.equal(a.socket.remotePort, a.client.localPort);
      assert.equal(a.socket.localPort, (a.server.address() as AddressInfo).port);
      assert.equal(a.socket.localAddress, '127.0.0.1');
      await finish(a);
    });

    test("net.Server's close waits for the connection, and counts it", async () => {
      const a = await acceptOne(kind);
      const count = () =>
        new Promise<number>((r, j) => a.server.getConnections((e, n) => (e ? j(e) : r(n))));
      assert.equal(await count(), 1);
      let closed = false;
      const done = new Promise<void>((r) =>
        a.server.close(() => {
          closed = true;
          r();
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(closed, false, 'an open connection holds the close');
      a.socket.destroy();
      await done;
      assert.equal(await count(), 0);
      a.client.destroy();
    });
  });
}

/**
 * A server whose every read is answered by `answer` with the read's lent bytes (valid only during
 * the call), and `n` connected clients.
 */
async function lentServer(
  n: number,
  answer: (s: HandleSocket, lent: Buffer) => void,
): Promise<{ server: net.Server; sockets: HandleSocket[]; clients: net.Socket[] }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets: HandleSocket[] = [];
  assert.ok(
    hookAccept(
      server,
      false,
      function (this: ConnSocket, nread, buffer) {
        answer(this as HandleSocket, buffer.subarray(0, nread));
      },
      (s) => sockets.push(s),
    ),
  );
  const port = (server.address() as AddressInfo).port;
  const clients = Array.from({ length: n }, () => net.connect(port, '127.0.0.1'));
  for (const c of clients) c.on('error', () => {});
  await until(() => sockets.length === n, 'the connections');
  return { server, sockets, clients };
}

/** Blocks this thread (and its event loop) while the peers' bytes arrive. */
function blockLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe(
  'writes made while reads are handled wait for the turn',
  { skip: !streamBinding() },
  () => {
    test('held until every read of the turn is handled, then written in order; nothing stays counted', async () => {
      let held = -1;
      const t = await lentServer(1, (s, lent) => {
        s.write('re: ');
        s.write(Buffer.from(lent));
        held = s.writableLength;
      });
      const out = collect(t.clients[0]!);
      t.clients[0]!.write('ping');
      await until(() => out.bytes().length === 8, 'the answer');
      assert.equal(out.bytes().toString(), 're: ping');
      assert.equal(held, 8, 'both writes still held when the read returned');
      assert.equal(t.sockets[0]!.writableLength, 0);
      for (const c of t.clients) c.destroy();
      await new Promise((r) => t.server.close(r));
    });

    test('a lent read written back as is keeps its bytes, though later reads of the turn reuse the buffer', async () => {
      let inTurn = 0;
      let most = 0;
      const t = await lentServer(4, (s, lent) => {
        if (inTurn++ === 0) setImmediate(() => (inTurn = 0));
        most = Math.max(most, inTurn);
        s.write(lent); // the lent view itself: the write must own its bytes
      });
      const outs = t.clients.map((c) => collect(c));
      const payloads = t.clients.map((_, i) => Buffer.alloc(1000, 0x41 + i));
      t.clients.forEach((c, i) => c.write(payloads[i]));
      blockLoop(100); // all four reads are ready at the next poll: one turn
      await until(() => outs.every((o) => o.bytes().length === 1000), 'four echoes');
      assert.ok(most >= 2, `reads in one turn: ${most}`);
      outs.forEach((o, i) => assert.ok(o.bytes().equals(payloads[i]!), `client ${i}'s own bytes`));
      for (const c of t.clients) c.destroy();
      await new Promise((r) => t.server.close(r));
    });

    test('an answer written before a destroy still leaves; what a cork holds is dropped, as ever', async () => {
      const t = await lentServer(2, (s, lent) => {
        if (lent.toString() === 'plain') {
          s.write('last words');
          s.destroy();
        } else {
          s.write('kept');
          s.cork();
          s.write(', corked');
          s.destroy();
        }
      });
      const outs = t.clients.map((c) => collect(c));
      const closed = t.clients.map((c) => new Promise((r) => c.once('close', r)));
      t.clients[0]!.write('plain');
      t.clients[1]!.write('cork');
      await Promise.all(closed);
      assert.equal(outs[0]!.bytes().toString(), 'last words');
      assert.equal(outs[1]!.bytes().toString(), 'kept');
      await new Promise((r) => t.server.close(r));
    });
  },
);

describe('the bare handle socket hands over to a net.Socket', { skip: !streamBinding() }, () => {
  test('toNetSocket: listeners and reads move to a real net.Socket over the same connection', async () => {
    const a = await acceptOne('handle');
    const hs = a.socket as HandleSocket;
    let ends = 0;
    hs.on('end', () => ends++);
    hs.write('before ');
    const socket = hs.toNetSocket();
    assert.ok(socket instanceof net.Socket);
    assert.equal(hs.toNetSocket(), socket, 'made once');
    socket.write('after');
    const out = collect(a.client);
    await until(() => out.bytes().length === 12, 'both writes');
    assert.equal(out.bytes().toString(), 'before after');
    a.client.end('to the new socket');
    await until(() => ends === 1, "'end' through the moved listener");
    assert.equal(Buffer.concat(a.reads).toString(), 'to the new socket');
    socket.destroy();
    await new Promise((r) => a.server.close(r)); // the net.Socket's close released the server
  });

  test('useHandleSockets(false) makes hookAccept decline: the net.Server keeps its sockets', async () => {
    useHandleSockets(false);
    try {
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      assert.equal(
        hookAccept(
          server,
          true,
          () => {},
          () => {},
        ),
        false,
      );
      await new Promise((r) => server.close(r));
    } finally {
      useHandleSockets(true);
    }
  });
});
