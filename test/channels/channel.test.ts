import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, connect as netConnect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import {
  CANCEL,
  KEEP,
  SUSPEND,
  ChannelNotFoundError,
  ChannelStateError,
  ChannelIoError,
  callback,
  close,
  connect,
  exists,
  list,
  listen,
  read,
  status,
  write,
  channel as channelByName,
  connectChannel,
  listenChannel,
  type CallbackReason,
} from '../../src/channels/index.js';
import { ConnectError, TimeoutError } from '../../src/io/errors.js';
import { channelPair, delay, readExactly, until } from '../helpers/channel-pair.js';
import { testCert } from '../helpers/tls.js';
import { listenLocal } from '../helpers/listen.js';

for (const tls of [false, true]) {
  describe(`channels over ${tls ? 'TLS' : 'plain TCP'}`, () => {
    test('connect and listen make channels that carry bytes both ways', async () => {
      const pair = await channelPair({ tls });
      try {
        assert.equal(pair.client.write('hello from client'), 17);
        assert.equal((await readExactly(pair.server, 17)).toString(), 'hello from client');
        pair.server.write(Buffer.from('and back'));
        assert.equal((await readExactly(pair.client, 8)).toString(), 'and back');
        assert.equal(pair.client.driver, tls ? 'https' : 'http');
        assert.equal(pair.server.driver, tls ? 'https' : 'http');
      } finally {
        await pair.close();
      }
    });

    test('list and status report every field, with real peers and counters', async () => {
      const pair = await channelPair({ tls });
      try {
        pair.client.write('12345');
        await readExactly(pair.server, 5);
        await until(() => pair.client.sent === 5, 'client sent counter');
        const rows = list();
        const row = rows.find((r) => r.name === pair.client.name);
        assert.ok(row, 'client channel listed');
        assert.deepEqual(Object.keys(row).sort(), [
          'callback',
          'clientData',
          'condition',
          'driver',
          'name',
          'peer',
          'received',
          'sent',
          'start',
          'worker',
        ]);
        assert.equal(row.peer, '127.0.0.1');
        assert.equal(row.sent, 5);
        assert.equal(row.callback, '');
        assert.ok(Math.abs(row.start - Date.now()) < 5000);
        const st = status(pair.server.name);
        assert.equal(st.received, 5);
        assert.equal(st.peer, '127.0.0.1');
        assert.equal(st.kind, 'accepted');
        assert.equal(st.sendbuffer, 0);
        assert.equal(st.senderror, '');
        assert.equal(st.callback, undefined);
        callback(
          pair.server.name,
          function echoer() {
            return KEEP;
          },
          'r',
        );
        const st2 = status(pair.server.name);
        assert.equal(st2.callback, 'echoer');
        assert.equal(st2.condition, 'rx');
        assert.equal(list().find((r) => r.name === pair.server.name)?.condition, 'rx');
      } finally {
        await pair.close();
      }
    });
  });
}

for (const tls of [false, true])
  describe(`callbacks over ${tls ? 'TLS' : 'plain TCP'}`, () => {
    test('r fires on data; reading EOF and returning 0 removes the channel', async () => {
      const pair = await channelPair({ tls });
      try {
        const name = pair.server.name;
        const reasons: CallbackReason[] = [];
        callback(
          name,
          async (why) => {
            reasons.push(why);
            const data = await read(name);
            if (data.length === 0) return CANCEL;
            write(name, data);
            return KEEP;
          },
          'r',
        );
        pair.client.write('ping');
        assert.equal((await readExactly(pair.client, 4)).toString(), 'ping');
        pair.client.socket.end();
        await until(() => !exists(name), 'server channel to be removed after EOF');
        assert.ok(reasons.every((r) => r === 'r'));
        assert.ok(reasons.length >= 2);
      } finally {
        await pair.close();
      }
    });

    test('2 suspends: no events until a callback is registered again', async () => {
      const pair = await channelPair({ tls });
      try {
        const name = pair.server.name;
        let calls = 0;
        callback(
          name,
          () => {
            calls++;
            return SUSPEND;
          },
          'r',
        );
        pair.client.write('a');
        await until(() => calls === 1, 'first call');
        pair.client.write('b');
        await delay(50);
        assert.equal(calls, 1, 'suspended callback must not fire');
        assert.equal(status(name).suspended, true);
        assert.ok(exists(name), 'suspended channel is kept');
        let data = '';
        callback(
          name,
          async () => {
            data += (await read(name)).toString();
            return KEEP;
          },
          'r',
        );
        await until(() => data === 'ab', 're-registered callback reads both bytes');
      } finally {
        await pair.close();
      }
    });

    test('t fires after the timeout and, kept, fires again (no silent unregistering)', async () => {
      const pair = await channelPair({ tls });
      try {
        const times: number[] = [];
        const t0 = Date.now();
        callback(
          pair.server.name,
          (why) => {
            if (why === 't') times.push(Date.now() - t0);
            return KEEP;
          },
          'r',
          { timeout: '40ms' },
        );
        await until(() => times.length >= 3, 'three timeouts', 2000);
        assert.ok(times[0] >= 35, `first timeout after ${times[0]} ms`);
        assert.ok(exists(pair.server.name));
        callback(pair.server.name, (why) => (why === 't' ? CANCEL : KEEP), 'r', {
          timeout: 0.03 * 1000,
        });
        await until(() => !exists(pair.server.name), 'channel closed by returning 0 on timeout');
      } finally {
        await pair.close();
      }
    });

    test('a replaced callback takes its timer with it: the successor hears no t it did not ask for, and its own timeout counts', async () => {
      const pair = await channelPair({ tls });
      try {
        const heard: string[] = [];
        callback(pair.server.name, () => KEEP, 'r', { timeout: '30ms' });
        callback(pair.server.name, (why) => (heard.push(why), KEEP), 'r');
        await delay(150);
        assert.deepEqual(heard, [], 'no timeout reached the callback without one');
        const t0 = Date.now();
        let firstT = -1;
        callback(pair.server.name, () => KEEP, 'r', { timeout: '30ms' });
        callback(
          pair.server.name,
          (why) => {
            if (why === 't' && firstT < 0) firstT = Date.now() - t0;
            return KEEP;
          },
          'r',
          { timeout: '300ms' },
        );
        await until(() => firstT >= 0, 'the successor’s own timeout', 5000);
        assert.ok(firstT >= 250, `the successor's timeout, not its predecessor's (${firstT} ms)`);
      } finally {
        await pair.close();
      }
    });

    test('a thrown error counts as 0 and closes the channel', async () => {
      const pair = await channelPair({ tls });
      const warn = console.warn;
      const warnings: string[] = [];
      console.warn = (m: string) => warnings.push(m);
      try {
        callback(
          pair.server.name,
          () => {
            throw new Error('boom');
          },
          'r',
        );
        pair.client.write('x');
        await until(() => !exists(pair.server.name), 'channel closed after exception');
        assert.match(warnings.join('\n'), /boom/);
        const eof = await pair.client.read({ timeoutMs: 2000 });
        assert.equal(eof.length, 0, 'peer sees the connection close');
      } finally {
        console.warn = warn;
        await pair.close();
      }
    });

    test('w fires while writable: a detached streaming delivery', async () => {
      const pair = await channelPair({ tls });
      try {
        let chunks = 0;
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        callback(
          pair.server.name,
          () => {
            if (chunks === 50) return CANCEL;
            chunks++;
            write(pair.server.name, chunk, { buffered: true });
            return KEEP;
          },
          'w',
        );
        const got = await readExactly(pair.client, 50 * chunk.length + 1);
        assert.equal(got.length, 50 * chunk.length, 'all chunks arrive, then EOF');
        assert.equal(chunks, 50);
      } finally {
        await pair.close();
      }
    });

    test('x fires on shutdown notification', async () => {
      const pair = await channelPair({ tls });
      try {
        const reasons: string[] = [];
        callback(
          pair.server.name,
          (why) => {
            reasons.push(why);
            return KEEP;
          },
          'r',
        );
        await pair.server.notifyShutdown();
        assert.deepEqual(reasons, ['x']);
      } finally {
        await pair.close();
      }
    });

    test('invalid when specifications are refused with the reference message', () => {
      assert.throws(() => callback('nope', () => KEEP, 'r'), ChannelNotFoundError);
      return channelPair({ tls }).then(async (pair) => {
        try {
          for (const bad of ['', 'rq', 'rwexr']) {
            assert.throws(
              () => callback(pair.server.name, () => KEEP, bad),
              /invalid when specification: ".*": should be one\/more of r, w, e, or x/,
            );
          }
        } finally {
          await pair.close();
        }
      });
    });
  });

describe('reading and writing', () => {
  test('read waits for data, and times out with a typed error; a second concurrent read is refused', async () => {
    const pair = await channelPair();
    try {
      const pending = pair.server.read({ timeoutMs: 2000 });
      await assert.rejects(
        pair.server.read(),
        (e: unknown) => e instanceof ChannelStateError && e.code === 'ERR_CHAN_READ_PENDING',
      );
      setTimeout(() => pair.client.write('late'), 20);
      assert.equal((await pending).toString(), 'late');
      await assert.rejects(
        pair.server.read({ timeoutMs: 30 }),
        (err: unknown) => err instanceof TimeoutError && err.code === 'ERR_CHAN_RECV_TIMEOUT',
      );
    } finally {
      await pair.close();
    }
  });

  test('bytes read past the request stay readable: initial data comes first', async () => {
    const { ChannelTable } = await import('../../src/channels/channel-table.js');
    const srv = createNetServer((s) => s.end('tail'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const sock = netConnect((srv.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const chan = ChannelTable.of().create({
      socket: sock,
      kind: 'adopted',
      driver: 'http',
      role: 'client',
      initialData: [Buffer.from('head-')],
    });
    try {
      assert.equal((await readExactly(chan, 9)).toString(), 'head-tail');
    } finally {
      chan.destroy();
      srv.close();
    }
  });

  test('send buffer is bounded: buffered writes throw when full, unbuffered return partial counts, and it drains', async () => {
    // A raw peer that does not read, so the server channel's send buffer fills up.
    const limit = 256 * 1024;
    let accepted!: import('../../src/channels/channel.js').Channel;
    const l = await listenChannel(
      '127.0.0.1',
      0,
      (c) => {
        accepted = c;
      },
      { limits: { maxSendBufferBytes: limit } },
    );
    const peer = netConnect(l.port, '127.0.0.1');
    peer.pause();
    try {
      await until(() => accepted !== undefined, 'accept');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      let full: unknown;
      for (let i = 0; i < 1000 && !full; i++) {
        try {
          written += accepted.write(chunk, { buffered: true });
        } catch (err) {
          full = err;
        }
      }
      assert.ok(
        full instanceof ChannelStateError && full.code === 'ERR_CHAN_SEND_BUFFER_FULL',
        'buffered write refused at the bound',
      );
      assert.ok(
        accepted.sendBuffer > 0 && accepted.sendBuffer <= limit,
        `sendbuffer ${accepted.sendBuffer} within bound`,
      );
      const partial = accepted.write(chunk);
      assert.ok(partial < chunk.length, `unbuffered write accepted ${partial} < ${chunk.length}`);
      written += partial;
      let received = 0;
      peer.on('data', (d: Buffer) => {
        received += d.length;
      });
      peer.resume();
      await accepted.flush(5000);
      assert.equal(accepted.sendBuffer, 0);
      await until(() => received === written, `peer to receive all ${written} bytes`);
    } finally {
      peer.destroy();
      accepted?.destroy();
      await l.close();
    }
  });

  test('close flushes queued bytes before closing; destroy discards', async () => {
    const pair = await channelPair();
    try {
      const big = Buffer.alloc(4 * 1024 * 1024, 7);
      pair.server.write(big, { buffered: true });
      const name = pair.server.name;
      close(name);
      assert.equal(exists(name), false, 'closed channel leaves the table at once');
      const got = await readExactly(pair.client, big.length + 1);
      assert.equal(got.length, big.length, 'every byte arrives, then EOF');
      // Writing to a closed channel is no error of the peer's to crash on: -1 says "gone".
      assert.equal(pair.server.write('x'), -1);
      assert.equal(write(name, 'x'), -1);
      assert.throws(() => write('conn-never-made', 'x'), ChannelNotFoundError);
    } finally {
      await pair.close();
    }
  });

  test('a peer that vanishes leaves no dead entry', async () => {
    const pair = await channelPair();
    const name = pair.server.name;
    pair.client.destroy();
    await until(() => !exists(name), 'entry removed after the peer closed');
    await pair.close();
  });
});

test('a read after the connection was reset reports the error, not EOF', async () => {
  const pair = await channelPair();
  try {
    const pending = pair.server.read({ timeoutMs: 2000 });
    pair.server.write(Buffer.alloc(1024));
    pair.client.socket.resetAndDestroy();
    await assert.rejects(
      pending,
      (e: unknown) => e instanceof ChannelIoError && e.errno === 'ECONNRESET',
    );
  } finally {
    await pair.close();
  }
});

describe('connect, listen and errors', () => {
  test('connect refused, TLS handshake failure and connect timeout are typed errors, with no entry left', async () => {
    const before = list().length;
    const srv = createNetServer();
    const port = await listenLocal(srv);
    await new Promise<void>((r) => srv.close(() => r()));
    await assert.rejects(
      connect('127.0.0.1', port),
      (e: unknown) => e instanceof ConnectError && e.code === 'ERR_CONNECT_REFUSED',
    );

    const cert = await testCert();
    const tlsSrv = createTlsServer({ cert: cert.cert, key: cert.key });
    const tlsPort = await listenLocal(tlsSrv);
    await assert.rejects(
      connect('127.0.0.1', tlsPort, { tls: true }),
      (e: unknown) => e instanceof ConnectError && e.code === 'ERR_TLS_HANDSHAKE',
    );
    const ok = await connect('127.0.0.1', tlsPort, { tls: { insecure: true } });
    close(ok);
    tlsSrv.close();

    // A TCP server that never speaks TLS: the handshake cannot finish, so the timeout fires.
    const mute = createNetServer(() => {});
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const t0 = Date.now();
    await assert.rejects(
      connect('127.0.0.1', (mute.address() as AddressInfo).port, { tls: true, timeout: '150ms' }),
      (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_CONNECT_TIMEOUT',
    );
    assert.ok(Date.now() - t0 >= 140);
    mute.close();
    assert.equal(list().length, before, 'no entries left behind');
  });

  test('listen returns the reference dict; an accept function returning false closes only that connection', async () => {
    let n = 0;
    const l = await listen('127.0.0.1', 0, () => ++n !== 1);
    try {
      assert.equal(typeof l.channel, 'string');
      assert.equal(l.address, '127.0.0.1');
      assert.ok(l.port > 0);
      assert.equal(typeof l.sock, 'number');
      assert.ok(exists(l.channel));
      assert.equal(status(l.channel).kind, 'listen');
      const first = await connectChannel('127.0.0.1', l.port);
      assert.equal((await first.read({ timeoutMs: 2000 })).length, 0, 'first connection closed');
      const second = await connectChannel('127.0.0.1', l.port);
      await delay(50);
      assert.equal(n, 2, 'listener still accepts');
      second.write('still here');
      first.destroy();
      second.destroy();
      assert.throws(
        () => channelByName(l.channel),
        (e: unknown) => e instanceof ChannelStateError && e.code === 'ERR_CHAN_IS_LISTENER',
      );
    } finally {
      close(l.channel);
    }
    assert.equal(exists(l.channel), false);
  });

  test("tables are per server; {server} narrows look-ups and can close another server's channels", async () => {
    const a = await channelPair({ server: 'srv-a' });
    try {
      assert.ok(list({ server: 'srv-a' }).some((r) => r.name === a.server.name));
      assert.ok(!list({ server: 'srv-b' }).some((r) => r.name === a.server.name));
      assert.ok(exists(a.server.name, { server: 'srv-a' }));
      assert.equal(exists(a.server.name, { server: 'srv-b' }), false);
      assert.throws(() => status(a.server.name, { server: 'srv-b' }), ChannelNotFoundError);
      close(a.server.name, { server: 'srv-a' });
      assert.equal(exists(a.server.name), false);
    } finally {
      await a.close();
    }
  });
});

describe('timeouts, errors and debug', () => {
  test('receiveTimeout set with a callback applies to later reads; sendTimeout bounds flush', async () => {
    const pair = await channelPair();
    try {
      callback(pair.server.name, () => KEEP, 'r', { receiveTimeout: '40ms', sendTimeout: '60ms' });
      const t0 = Date.now();
      await assert.rejects(
        read(pair.server.name),
        (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_CHAN_RECV_TIMEOUT',
      );
      assert.ok(Date.now() - t0 >= 35 && Date.now() - t0 < 1500);
      // The client stops reading: fill the send buffer, then flush must time out.
      pair.client.socket.pause();
      const big = Buffer.alloc(8 * 1024 * 1024);
      pair.server.write(big, { buffered: true });
      await assert.rejects(
        pair.server.flush(),
        (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_CHAN_SEND_TIMEOUT',
      );
    } finally {
      await pair.close();
    }
  });

  test('e fires when the connection fails, and the error is in status', async () => {
    const pair = await channelPair();
    try {
      const reasons: string[] = [];
      callback(
        pair.server.name,
        (why) => {
          reasons.push(why);
          return why === 'e' ? CANCEL : KEEP;
        },
        'e',
      );
      // A reset from the peer: destroy with unread data pending makes the kernel send RST.
      pair.server.write(Buffer.alloc(1024));
      pair.client.socket.resetAndDestroy();
      await until(() => reasons.includes('e'), 'e callback');
      assert.equal(exists(pair.server.name), false);
      assert.equal(pair.server.lastReceiveError, 'ECONNRESET');
    } finally {
      await pair.close();
    }
  });

  test('debug level 2 copies every byte sent to a file and returns the previous level', async () => {
    const { debug, debugFile } = await import('../../src/channels/index.js');
    const { readFileSync, rmSync } = await import('node:fs');
    const pair = await channelPair();
    const log = console.debug;
    const lines: string[] = [];
    console.debug = (m: string) => lines.push(m);
    let file: string | undefined;
    try {
      assert.equal(debug(pair.server.name), 0);
      assert.equal(debug(pair.server.name, 2), 0);
      pair.server.write('first ');
      pair.server.write('second');
      assert.equal(debug(pair.server.name), 2);
      file = debugFile(pair.server);
      assert.ok(file);
      assert.equal(readFileSync(file, 'utf8'), 'first second');
      assert.equal(lines.length, 2);
      assert.match(lines[0], /send 6 bytes/);
      assert.throws(() => debug(pair.server.name, 3), /debug level must be 0, 1 or 2/);
    } finally {
      console.debug = log;
      await pair.close();
      if (file !== undefined) rmSync(file, { force: true });
    }
  });
});

describe('channel tables over the process-wide index', () => {
  test('each table counts, finds and lists only its own, and forgets a channel once', async () => {
    const { ChannelTable, channelExists } = await import('../../src/channels/channel-table.js');
    const a = await channelPair({ server: 'table-a' });
    const b = await channelPair({ server: 'table-b' });
    try {
      const ta = ChannelTable.of('table-a');
      const tb = ChannelTable.of('table-b');
      // A listener, a client and an accepted channel each.
      assert.equal(ta.size, 3);
      assert.equal(tb.size, 3);
      assert.ok(ta.has(a.client.name) && !ta.has(b.client.name));
      assert.equal(ta.get(a.server.name), a.server);
      assert.throws(() => ta.get(b.server.name), { code: 'ERR_CHAN_NOT_FOUND' });
      const names = ta.list().map((e) => e.name);
      assert.equal(names.length, 3);
      assert.ok(names.includes(a.client.name) && names.includes(a.server.name));
      assert.deepEqual(
        [...tb.channels()].map((c) => c.name).sort(),
        [b.client.name, b.server.name].sort(),
      );
      a.client.destroy();
      a.client.destroy();
      assert.equal(ta.size, 2);
      assert.equal(tb.size, 3);
      assert.equal(channelExists(a.client.name), false);
      assert.equal(channelExists(a.client.name, 'table-a'), false);
      assert.equal(channelExists(b.client.name, 'table-a'), false);
      assert.equal(channelExists(b.client.name, 'table-b'), true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
