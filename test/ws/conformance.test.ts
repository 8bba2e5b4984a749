// RFC 6455 / RFC 7692 conformance, organised like the Autobahn|Testsuite case groups: a raw
// client sends hand-made frames to our echo server and checks what comes back, above all the
// close code of a failed connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync, inflateRawSync, constants as zc } from 'node:zlib';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import { decodeClosePayload } from '../../src/proto/ws/close-codes.js';
import { echoServer, RawClient, rawFrame, type WsTestServer } from './ws-helpers.js';

let srv: WsTestServer;
let small: WsTestServer;
before(async () => {
  srv = await echoServer();
  small = await echoServer({ ws: { maxMessageBytes: 1000 } });
});
after(async () => {
  await srv.close();
  await small.close();
});

/** The raw client of the last {@link expectClose}, for tests that look further. */
let last: RawClient;

async function expectClose(
  send: (c: RawClient) => void,
  code: number,
  server = srv,
): Promise<void> {
  const c = await RawClient.connect(server.port);
  last = c;
  send(c);
  assert.equal(await c.closeCode(), code);
}

function concat(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

describe('1 framing', () => {
  test('text and binary echo, 0/125/126/65535/65536-byte payloads', async () => {
    const c = await RawClient.connect(srv.port);
    const sizes = [0, 125, 126, 65535, 65536];
    for (const n of sizes) c.frame({ opcode: Opcode.BINARY, payload: Buffer.alloc(n, 7) });
    c.frame({ opcode: Opcode.TEXT, payload: 'hi' });
    const frames = await c.waitFrames(sizes.length + 1);
    assert.deepEqual(
      frames.map((f) => f.payload.length),
      [...sizes, 2],
    );
    assert.ok(frames.every((f) => !f.masked && f.fin));
    assert.equal(frames[5].payload.toString(), 'hi');
    c.destroy();
  });
  test('frames split into single bytes are still understood', async () => {
    const c = await RawClient.connect(srv.port);
    const bytes = rawFrame(0x81, Buffer.from('split'));
    for (const b of bytes) {
      c.raw(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    const [f] = await c.waitFrames(1);
    assert.equal(f.payload.toString(), 'split');
    c.destroy();
  });
  test('an unmasked client frame fails with 1002', () =>
    expectClose((c) => c.frame({ opcode: Opcode.TEXT, payload: 'x', mask: false }), 1002));
});

describe('2 pings and pongs', () => {
  test('a ping is answered by a pong with the same payload (0 and 125 bytes)', async () => {
    const c = await RawClient.connect(srv.port);
    c.frame({ opcode: Opcode.PING, payload: '' });
    c.frame({ opcode: Opcode.PING, payload: Buffer.alloc(125, 0x61) });
    const frames = await c.waitFrames(2);
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.payload.length]),
      [
        [Opcode.PONG, 0],
        [Opcode.PONG, 125],
      ],
    );
    c.destroy();
  });
  test('an unsolicited pong is ignored', async () => {
    const c = await RawClient.connect(srv.port);
    c.frame({ opcode: Opcode.PONG, payload: 'unasked' });
    c.frame({ opcode: Opcode.TEXT, payload: 'after' });
    const [f] = await c.waitFrames(1);
    assert.equal(f.payload.toString(), 'after');
    c.destroy();
  });
  test('a ping over 125 bytes fails with 1002', () =>
    expectClose((c) => c.raw(rawFrame(0x89, Buffer.alloc(126))), 1002));
  test('a fragmented ping fails with 1002', () =>
    expectClose((c) => c.raw(rawFrame(0x09, Buffer.from('a'))), 1002));
});

describe('3 reserved bits', () => {
  for (const [bit, first] of [
    ['RSV1 (no extension agreed)', 0xc1],
    ['RSV2', 0xa1],
    ['RSV3', 0x91],
  ] as const) {
    test(`${bit} set fails with 1002`, () =>
      expectClose((c) => c.raw(rawFrame(first, Buffer.from('x'))), 1002));
  }
});

describe('4 opcodes', () => {
  for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    test(`reserved opcode ${op} fails with 1002`, () =>
      expectClose((c) => c.raw(rawFrame(0x80 | op)), 1002));
  }
});

describe('5 fragmentation', () => {
  test('fragments with a ping in between: pong first, then the whole message', async () => {
    const c = await RawClient.connect(srv.port);
    c.frame({ opcode: Opcode.TEXT, payload: 'frag', fin: false });
    c.frame({ opcode: Opcode.PING, payload: 'p' });
    c.frame({ opcode: Opcode.CONTINUATION, payload: 'men', fin: false });
    c.frame({ opcode: Opcode.CONTINUATION, payload: 'ted' });
    const frames = await c.waitFrames(2);
    assert.equal(frames[0].opcode, Opcode.PONG);
    assert.equal(frames[1].payload.toString(), 'fragmented');
    c.destroy();
  });
  test('a continuation with nothing to continue fails with 1002', () =>
    expectClose((c) => c.frame({ opcode: Opcode.CONTINUATION, payload: 'x' }), 1002));
  test('a new message inside a fragmented one fails with 1002', () =>
    expectClose((c) => {
      c.frame({ opcode: Opcode.TEXT, payload: 'a', fin: false });
      c.frame({ opcode: Opcode.TEXT, payload: 'b' });
    }, 1002));
});

describe('6 UTF-8', () => {
  test('valid multi-byte text split inside a character across fragments is echoed', async () => {
    const c = await RawClient.connect(srv.port);
    const bytes = Buffer.from('κόσμε €𝄞');
    c.frame({ opcode: Opcode.TEXT, payload: bytes.subarray(0, 3), fin: false });
    c.frame({ opcode: Opcode.CONTINUATION, payload: bytes.subarray(3) });
    const [f] = await c.waitFrames(1);
    assert.equal(f.payload.toString(), 'κόσμε €𝄞');
    c.destroy();
  });
  for (const [name, bytes] of [
    ['a stray continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence at the end', [0x61, 0xe2, 0x82]],
  ] as const) {
    test(`text with ${name} fails with 1007`, () =>
      expectClose((c) => c.frame({ opcode: Opcode.TEXT, payload: Buffer.from(bytes) }), 1007));
  }
  test('invalid UTF-8 in a middle fragment fails with 1007 (fail fast)', () =>
    expectClose((c) => {
      c.frame({ opcode: Opcode.TEXT, payload: 'ok', fin: false });
      c.frame({ opcode: Opcode.CONTINUATION, payload: Buffer.from([0xff]), fin: false });
    }, 1007));
  test('invalid UTF-8 inside one frame sent in pieces fails before the frame ends', async () => {
    // A 64 KiB text frame whose 11th byte is invalid: only its first 200 bytes are ever sent.
    const payload = Buffer.alloc(65536, 0x61);
    payload[10] = 0xff;
    const frame = rawFrame(0x81, payload);
    await expectClose((c) => {
      c.raw(frame.subarray(0, 100));
      setTimeout(() => c.raw(frame.subarray(100, 200)), 20);
    }, 1007);
  });
  test('inside a continuation frame sent in pieces, too', async () => {
    const payload = Buffer.alloc(10_000, 0x62);
    payload[5000] = 0xc0; // can never start a valid sequence
    const first = rawFrame(0x01, Buffer.from('start '));
    const cont = rawFrame(0x80, payload);
    await expectClose((c) => {
      c.raw(first);
      c.raw(cont.subarray(0, 3000)); // valid so far
      setTimeout(() => c.raw(cont.subarray(3000, 6000)), 20); // brings the bad byte
    }, 1007);
  });
});

describe('accepted means sent', () => {
  test('the echo of a valid message is written before the close frame of a violation in the same read', async () => {
    const c = await RawClient.connect(srv.port);
    // One write: a valid text, then a reserved opcode (1002).
    c.raw(Buffer.concat([rawFrame(0x81, Buffer.from('valid first')), rawFrame(0x83)]));
    assert.equal(await c.closeCode(), 1002);
    assert.deepEqual(
      c.frames.map((f) => f.opcode),
      [Opcode.TEXT, Opcode.CLOSE],
    );
    assert.equal(c.frames[0].payload.toString(), 'valid first');
  });
  const PMD = 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n';
  test('… also when the echo waits for compression', async () => {
    const c = await RawClient.connect(srv.port, '/echo', PMD);
    const text = Buffer.from('compress me '.repeat(300)); // over the threshold: compressed echo
    c.raw(Buffer.concat([rawFrame(0x81, text), rawFrame(0x81, Buffer.from([0xff]))]));
    assert.equal(await c.closeCode(), 1007);
    assert.deepEqual(
      c.frames.map((f) => [f.opcode, f.rsv1]),
      [
        [Opcode.TEXT, true],
        [Opcode.CLOSE, false],
      ],
    );
    assert.deepEqual(
      inflateRawSync(Buffer.concat([c.frames[0].payload, Buffer.from([0, 0, 0xff, 0xff])]), {
        finishFlush: zc.Z_SYNC_FLUSH,
      }),
      text,
    );
  });
  test('… and when the valid message was compressed and still inflating', async () => {
    const c = await RawClient.connect(srv.port, '/echo', PMD);
    const text = Buffer.from('inflate me '.repeat(300));
    c.raw(Buffer.concat([rawFrame(0xc1, deflateMessage(text)), rawFrame(0x83)]));
    assert.equal(await c.closeCode(), 1002);
    assert.deepEqual(
      c.frames.map((f) => f.opcode),
      [Opcode.TEXT, Opcode.CLOSE],
    );
    assert.deepEqual(
      inflateRawSync(Buffer.concat([c.frames[0].payload, Buffer.from([0, 0, 0xff, 0xff])]), {
        finishFlush: zc.Z_SYNC_FLUSH,
      }),
      text,
    );
  });
});

describe('7 close handling', () => {
  test('a close with a code is echoed with that code, then the server ends TCP', async () => {
    await expectClose(
      (c) =>
        c.frame({
          opcode: Opcode.CLOSE,
          payload: concat(Buffer.from([0x0f, 0xa0]), Buffer.from('bye')),
        }),
      4000,
    );
    assert.equal(last.frames.filter((f) => f.opcode === Opcode.CLOSE).length, 1);
  });
  test('an empty close is answered with an empty close', async () => {
    await expectClose((c) => c.frame({ opcode: Opcode.CLOSE }), 1005);
    assert.equal(last.frames.at(-1)?.payload.length, 0);
  });
  test('nothing is processed after a close frame', async () => {
    const c = await RawClient.connect(srv.port);
    c.frame({ opcode: Opcode.CLOSE, payload: Buffer.from([0x03, 0xe8]) });
    c.frame({ opcode: Opcode.TEXT, payload: 'too late' });
    assert.equal(await c.closeCode(), 1000);
    assert.ok(!c.frames.some((f) => f.opcode === Opcode.TEXT));
  });
  test('a 1-byte close payload fails with 1002', () =>
    expectClose((c) => c.frame({ opcode: Opcode.CLOSE, payload: Buffer.from([3]) }), 1002));
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
    test(`close code ${code} on the wire fails with 1002`, () =>
      expectClose(
        (c) => c.frame({ opcode: Opcode.CLOSE, payload: Buffer.from([code >> 8, code & 255]) }),
        1002,
      ));
  }
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999]) {
    test(`valid close code ${code} is echoed`, () =>
      expectClose(
        (c) => c.frame({ opcode: Opcode.CLOSE, payload: Buffer.from([code >> 8, code & 255]) }),
        code,
      ));
  }
  test('a close reason with invalid UTF-8 fails with 1007', () =>
    expectClose(
      (c) => c.frame({ opcode: Opcode.CLOSE, payload: Buffer.from([0x03, 0xe8, 0xff]) }),
      1007,
    ));
  test('a peer that vanishes without a close frame is cleaned up', async () => {
    const c = await RawClient.connect(srv.port);
    c.frame({ opcode: Opcode.TEXT, payload: 'x' });
    await c.waitFrames(1);
    c.destroy();
  });
});

describe('9 limits', () => {
  test('a frame over maxMessageBytes fails with 1009 before its payload arrives', () =>
    expectClose((c) => c.raw(rawFrame(0x82, Buffer.alloc(1001)).subarray(0, 10)), 1009, small));
  test('fragments adding up past maxMessageBytes fail with 1009', () =>
    expectClose(
      (c) => {
        c.frame({ opcode: Opcode.BINARY, payload: Buffer.alloc(600), fin: false });
        c.frame({ opcode: Opcode.CONTINUATION, payload: Buffer.alloc(600) });
      },
      1009,
      small,
    ));
  test('a message at the limit passes', async () => {
    const c = await RawClient.connect(small.port);
    c.frame({ opcode: Opcode.BINARY, payload: Buffer.alloc(1000) });
    const [f] = await c.waitFrames(1);
    assert.equal(f.payload.length, 1000);
    c.destroy();
  });
});

function deflateMessage(data: Buffer): Buffer {
  const out = deflateRawSync(data, { finishFlush: zc.Z_SYNC_FLUSH });
  assert.deepEqual([...out.subarray(-4)], [0, 0, 0xff, 0xff]);
  return out.subarray(0, out.length - 4);
}

describe('12/13 compression (RFC 7692)', () => {
  const PMD = 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n';
  test('the server agrees to permessage-deflate and inflates compressed text and binary', async () => {
    const c = await RawClient.connect(srv.port, '/echo', PMD);
    assert.match(c.head, /sec-websocket-extensions: permessage-deflate/i);
    const text = Buffer.from('compressed '.repeat(200));
    c.frame({ opcode: Opcode.TEXT, payload: deflateMessage(text), rsv1: true });
    c.frame({ opcode: Opcode.TEXT, payload: 'plain after' });
    const frames = await c.waitFrames(2);
    // The echo of a 2200-byte message is compressed (above the threshold), the short one not.
    assert.equal(frames[0].rsv1, true);
    assert.ok(frames[0].payload.length < text.length);
    assert.equal(frames[1].payload.toString(), 'plain after');
    c.destroy();
  });
  test('RSV1 on a continuation frame fails with 1002', () =>
    expectClose((c) => {
      c.frame({
        opcode: Opcode.TEXT,
        payload: deflateMessage(Buffer.from('ab')),
        rsv1: true,
        fin: false,
      });
      c.raw(rawFrame(0xc0, Buffer.from('x')));
    }, 1002));
  test('RSV1 on a control frame fails with 1002', () =>
    expectClose((c) => c.raw(rawFrame(0xc9)), 1002));
  test('corrupt compressed data fails with 1007', async () => {
    const c = await RawClient.connect(srv.port, '/echo', PMD);
    c.frame({ opcode: Opcode.BINARY, payload: Buffer.from([0xff, 0xff, 0xff, 0xff]), rsv1: true });
    assert.equal(await c.closeCode(), 1007);
  });
  test('compressed text that inflates to invalid UTF-8 fails with 1007', async () => {
    const c = await RawClient.connect(srv.port, '/echo', PMD);
    c.frame({
      opcode: Opcode.TEXT,
      payload: deflateMessage(Buffer.from([0x61, 0xff, 0x62])),
      rsv1: true,
    });
    assert.equal(await c.closeCode(), 1007);
  });
  test('a compressed message inflating past maxMessageBytes fails with 1009 (bomb)', async () => {
    const c = await RawClient.connect(small.port, '/echo', PMD);
    c.frame({ opcode: Opcode.BINARY, payload: deflateMessage(Buffer.alloc(100_000)), rsv1: true });
    assert.equal(await c.closeCode(), 1009);
  });
  test('order is kept: events after a compressed message wait for it to inflate', async () => {
    const c = await RawClient.connect(srv.port, '/echo', PMD);
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0)
        c.frame({ opcode: Opcode.TEXT, payload: deflateMessage(Buffer.from(`m${i}`)), rsv1: true });
      else c.frame({ opcode: Opcode.TEXT, payload: `m${i}` });
    }
    const frames = await c.waitFrames(20);
    assert.deepEqual(
      frames.map((f) => f.payload.toString()),
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    c.destroy();
  });
});

describe('close frames the server sends', () => {
  test('a failed connection carries a reason that says what was wrong', async () => {
    await expectClose((c) => c.frame({ opcode: Opcode.TEXT, payload: Buffer.from([0xff]) }), 1007);
    const close = last.frames.find((f) => f.opcode === Opcode.CLOSE);
    assert.match(decodeClosePayload(close!.payload).reason, /UTF-8/);
  });
});

describe('frames that arrive with the opening request', () => {
  test('a close frame sent with the request, then FIN: 101, the close echoed, TCP closed', async () => {
    const { connect } = await import('node:net');
    const s = connect({ host: '127.0.0.1', port: srv.port });
    await new Promise((r) => s.once('connect', r));
    const head =
      `GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const hello = rawFrame(0x81, Buffer.from('early'));
    const close = rawFrame(0x88, Buffer.from([0x03, 0xe8]));
    s.end(Buffer.concat([Buffer.from(head), hello, close]));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => s.once('close', r));
    const all = Buffer.concat(chunks);
    const body = all.subarray(all.indexOf('\r\n\r\n') + 4);
    assert.match(all.toString('latin1'), /^HTTP\/1.1 101 /);
    // The echo of 'early' (81 05 …), then the close frame echoing 1000 (88 02 03 e8).
    assert.deepEqual([...body], [0x81, 5, ...Buffer.from('early'), 0x88, 2, 0x03, 0xe8]);
  });
});
