import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NEED_DATA } from '../../../src/proto/need-data.js';
import { FrameDecoder, type FrameDecoderOptions } from '../../../src/proto/ws/frame-decoder.js';
import { encodeFrameMerged } from '../../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';
import { assertProtocolError, assertUsageError, drainFrames, hex, plainFrame } from './helpers.js';

const KEY = hex('37fa213d');

/** Decodes `bytes` fed whole and fed one byte at a time; both must agree. */
function decodeBoth(options: FrameDecoderOptions, bytes: Buffer) {
  const whole = new FrameDecoder(options);
  whole.feed(Buffer.from(bytes));
  const a = drainFrames(whole).map(plainFrame);
  const drip = new FrameDecoder(options);
  const b: ReturnType<typeof plainFrame>[] = [];
  for (const byte of bytes) {
    drip.feed(Buffer.from([byte]));
    b.push(...drainFrames(drip).map(plainFrame));
  }
  assert.deepEqual(b, a, 'byte-by-byte feeding gives the same frames');
  assert.equal(whole.bufferedBytes, 0);
  assert.equal(drip.bufferedBytes, 0);
  return a;
}

/** Asserts the error both when the bytes arrive whole and byte by byte. */
function assertRejects(
  options: FrameDecoderOptions,
  bytes: Buffer,
  closeCode: number,
  code?: string,
) {
  const whole = new FrameDecoder(options);
  whole.feed(Buffer.from(bytes));
  assertProtocolError(() => drainFrames(whole), closeCode, code);
  // The decoder stays broken: asking again throws again.
  assertProtocolError(() => whole.next(), closeCode, code);
  const drip = new FrameDecoder(options);
  assertProtocolError(
    () => {
      for (const byte of bytes) {
        drip.feed(Buffer.from([byte]));
        drainFrames(drip);
      }
    },
    closeCode,
    code,
  );
}

const server: FrameDecoderOptions = { role: 'server' };
const client: FrameDecoderOptions = { role: 'client' };

describe('FrameDecoder: RFC 6455 §5.7 examples', () => {
  test('single-frame unmasked text "Hello"', () => {
    assert.deepEqual(decodeBoth(client, hex('8105 48656c6c6f')), [
      {
        fin: true,
        rsv1: false,
        opcode: 1,
        payload: Buffer.from('Hello').toString('hex'),
        masked: false,
      },
    ]);
  });

  test('single-frame masked text "Hello"', () => {
    assert.deepEqual(decodeBoth(server, hex('8185 37fa213d 7f9f4d5158')), [
      {
        fin: true,
        rsv1: false,
        opcode: 1,
        payload: Buffer.from('Hello').toString('hex'),
        masked: true,
      },
    ]);
  });

  test('fragmented unmasked text "Hel" + "lo"', () => {
    const frames = decodeBoth(client, hex('0103 48656c 8002 6c6f'));
    assert.deepEqual(frames, [
      { fin: false, rsv1: false, opcode: 1, payload: '48656c', masked: false },
      { fin: true, rsv1: false, opcode: 0, payload: '6c6f', masked: false },
    ]);
  });

  test('unmasked ping and masked pong "Hello"', () => {
    assert.deepEqual(decodeBoth(client, hex('8905 48656c6c6f'))[0].opcode, Opcode.PING);
    const pong = decodeBoth(server, hex('8a85 37fa213d 7f9f4d5158'))[0];
    assert.equal(pong.opcode, Opcode.PONG);
    assert.equal(pong.payload, Buffer.from('Hello').toString('hex'));
  });

  test('256-byte binary with a 16-bit length', () => {
    const payload = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) payload[i] = i;
    const [f] = decodeBoth(client, Buffer.concat([hex('827e 0100'), payload]));
    assert.equal(f.payload, payload.toString('hex'));
  });

  test('64 KiB binary with a 64-bit length', () => {
    const payload = Buffer.alloc(65536);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const d = new FrameDecoder(client);
    d.feed(Buffer.concat([hex('827f 0000000000010000'), payload]));
    const [f] = drainFrames(d);
    assert.deepEqual(f.payload, payload);
  });
});

describe('FrameDecoder: protocol errors', () => {
  test('a server receiving an unmasked frame: 1002', () => {
    assertRejects(server, hex('8105 48656c6c6f'), 1002, 'ERR_WS_EXPECTED_MASK');
    assertRejects(server, hex('8900'), 1002, 'ERR_WS_EXPECTED_MASK');
  });

  test('a client receiving a masked frame: 1002', () => {
    assertRejects(client, hex('8185 37fa213d 7f9f4d5158'), 1002, 'ERR_WS_UNEXPECTED_MASK');
  });

  test('RSV1 without permessage-deflate: 1002', () => {
    assertRejects(server, hex('c180 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_1');
    assertRejects(server, hex('c280 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_1');
  });

  test('RSV1 allowed on the first data frame only', () => {
    const opts = { role: 'server', allowRsv1: true } as const;
    assert.equal(decodeBoth(opts, hex('c180 00000000'))[0].rsv1, true);
    assert.equal(decodeBoth(opts, hex('4180 00000000'))[0].rsv1, true);
    assertRejects(opts, hex('4180 00000000 c080 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_1');
    assertRejects(opts, hex('c980 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_1');
  });

  test('RSV2 and RSV3, whatever was negotiated: 1002', () => {
    for (const allowRsv1 of [false, true]) {
      const opts = { role: 'server', allowRsv1 } as const;
      assertRejects(opts, hex('a180 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_2_3');
      assertRejects(opts, hex('9180 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_2_3');
      assertRejects(opts, hex('f180 00000000'), 1002, 'ERR_WS_UNEXPECTED_RSV_2_3');
    }
  });

  for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    test(`reserved opcode 0x${op.toString(16)}: 1002`, () => {
      assertRejects(server, hex(`8${op.toString(16)}80 00000000`), 1002, 'ERR_WS_INVALID_OPCODE');
      assertRejects(client, hex(`8${op.toString(16)}00`), 1002, 'ERR_WS_INVALID_OPCODE');
    });
  }

  test('control frame longer than 125 bytes: 1002, from the header alone', () => {
    assertRejects(server, hex('89fe 007e 00000000'), 1002, 'ERR_WS_INVALID_CONTROL_PAYLOAD_LENGTH');
    assertRejects(client, hex('8a7e 007e'), 1002);
    assertRejects(client, hex('887f 000000000000007e'), 1002);
    // 125 is fine.
    const ok = Buffer.concat([hex('897d'), Buffer.alloc(125)]);
    assert.equal(decodeBoth(client, ok)[0].payload.length, 250);
  });

  test('fragmented control frame (FIN=0): 1002', () => {
    assertRejects(server, hex('0980 00000000'), 1002, 'ERR_WS_FRAGMENTED_CONTROL_FRAME');
    assertRejects(client, hex('0800'), 1002, 'ERR_WS_FRAGMENTED_CONTROL_FRAME');
    assertRejects(client, hex('0a00'), 1002, 'ERR_WS_FRAGMENTED_CONTROL_FRAME');
  });

  test('64-bit length with the most significant bit set: 1002', () => {
    assertRejects(client, hex('827f 8000000000000000'), 1002, 'ERR_WS_INVALID_PAYLOAD_LENGTH');
    assertRejects(
      server,
      hex('82ff ffffffffffffffff 00000000'),
      1002,
      'ERR_WS_INVALID_PAYLOAD_LENGTH',
    );
  });

  test('payload above maxPayloadBytes: 1009 from the header, before the payload', () => {
    const small = { role: 'server', maxPayloadBytes: 10 } as const;
    // Only the header is fed: the decoder must not wait for 11 bytes of payload.
    assertRejects(small, hex('828b 00000000'), 1009, 'ERR_WS_PAYLOAD_TOO_BIG');
    assert.equal(
      decodeBoth(small, Buffer.concat([hex('828a 00000000'), Buffer.alloc(10)])).length,
      1,
    );
    // The 100 MiB default, with 16- and 64-bit lengths.
    assertRejects(server, hex('82ff 0000000006400001 00000000'), 1009, 'ERR_WS_PAYLOAD_TOO_BIG');
    assertRejects(server, hex('82ff 7fffffffffffffff 00000000'), 1009);
    assertRejects({ role: 'client', maxPayloadBytes: 1000 }, hex('827e 03e9'), 1009);
  });

  test('the 1009 check happens with the payload nowhere in sight', () => {
    const d = new FrameDecoder({ role: 'client', maxPayloadBytes: 1024 });
    d.feed(hex('827f 0000000100000000'));
    assertProtocolError(() => d.next(), 1009);
  });

  test('invalid maxPayloadBytes is a usage error', () => {
    assertUsageError(() => new FrameDecoder({ role: 'server', maxPayloadBytes: -1 }));
    assertUsageError(() => new FrameDecoder({ role: 'server', maxPayloadBytes: NaN }));
  });
});

describe('FrameDecoder: buffers and progress', () => {
  test('unmasks in place and returns a view of the fed chunk', () => {
    const chunk = hex('8185 37fa213d 7f9f4d5158 8182 37fa213d 7f9f');
    const d = new FrameDecoder(server);
    d.feed(chunk);
    const [a, b] = drainFrames(d);
    assert.equal(a.payload.toString(), 'Hello');
    assert.equal(b.payload.toString(), 'He');
    assert.equal(a.payload.buffer, chunk.buffer);
    assert.equal(a.payload.byteOffset, chunk.byteOffset + 6);
    assert.equal(chunk.subarray(6, 11).toString(), 'Hello', 'the chunk itself was unmasked');
  });

  test('accepts plain Uint8Arrays at any offset', () => {
    const bytes = hex('00 8185 37fa213d 7f9f4d5158');
    const view = new Uint8Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      1,
    );
    const d = new FrameDecoder(server);
    d.feed(view);
    const [f] = drainFrames(d);
    assert.ok(Buffer.isBuffer(f.payload));
    assert.equal(f.payload.toString(), 'Hello');
  });

  test('frames are fresh objects the caller may keep', () => {
    const d = new FrameDecoder(client);
    d.feed(hex('8101 61 8101 62'));
    const a = d.next();
    const b = d.next();
    assert.notEqual(a, b);
    assert.ok(a !== NEED_DATA && b !== NEED_DATA);
    assert.equal(a.payload.toString(), 'a');
    assert.equal(b.payload.toString(), 'b');
  });

  test('an empty decoder needs data; empty chunks change nothing', () => {
    const d = new FrameDecoder(server);
    assert.equal(d.next(), NEED_DATA);
    d.feed(Buffer.alloc(0));
    assert.equal(d.next(), NEED_DATA);
    assert.equal(d.bufferedBytes, 0);
    assert.equal(d.pendingHeader(), undefined);
  });

  test('pendingHeader and bufferedBytes report a frame in progress', () => {
    const payload = Buffer.alloc(65536, 0x5a);
    const wire = encodeFrameMerged({ opcode: Opcode.BINARY, payload, maskKey: KEY });
    const d = new FrameDecoder(server);
    d.feed(wire.subarray(0, 1));
    assert.equal(d.next(), NEED_DATA);
    assert.equal(d.pendingHeader(), undefined, 'no header yet');
    assert.equal(d.bufferedBytes, 1);
    d.feed(wire.subarray(1, 14 + 1000));
    assert.equal(d.next(), NEED_DATA);
    assert.deepEqual(d.pendingHeader(), {
      opcode: Opcode.BINARY,
      fin: true,
      length: 65536,
      received: 1000,
    });
    assert.equal(d.bufferedBytes, 14 + 1000);
    d.feed(wire.subarray(14 + 1000, wire.length - 1));
    assert.equal(d.next(), NEED_DATA);
    assert.deepEqual(d.pendingHeader(), {
      opcode: Opcode.BINARY,
      fin: true,
      length: 65536,
      received: 65535,
    });
    d.feed(wire.subarray(wire.length - 1));
    const f = d.next();
    assert.ok(f !== NEED_DATA);
    assert.deepEqual(f.payload, payload);
    assert.equal(d.pendingHeader(), undefined);
    assert.equal(d.bufferedBytes, 0);
  });

  test('feeding before the previous chunk is drained still decodes everything', () => {
    const frames = [1, 2, 3, 4].map((n) =>
      encodeFrameMerged({ opcode: Opcode.BINARY, payload: Buffer.alloc(n * 10, n), maskKey: KEY }),
    );
    const d = new FrameDecoder(server);
    d.feed(Buffer.concat(frames.slice(0, 2)));
    const first = d.next();
    assert.ok(first !== NEED_DATA);
    d.feed(Buffer.concat(frames.slice(2)).subarray(0, 15));
    d.feed(Buffer.concat(frames.slice(2)).subarray(15));
    const rest = drainFrames(d);
    assert.deepEqual(
      [first, ...rest].map((f) => [f.payload.length, f.payload[0]]),
      [
        [10, 1],
        [20, 2],
        [30, 3],
        [40, 4],
      ],
    );
    assert.equal(d.bufferedBytes, 0);
  });

  test('a straddling frame is copied into place as it arrives; the fed chunks stay intact', () => {
    const payload = Buffer.alloc(300000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >>> 9)) & 0xff;
    const next = encodeFrameMerged({
      opcode: Opcode.TEXT,
      payload: Buffer.from('ok'),
      maskKey: KEY,
    });
    const wire = Buffer.concat([
      encodeFrameMerged({ opcode: Opcode.BINARY, payload, maskKey: KEY }),
      next,
    ]);
    // Odd cut points, so that every chunk starts at a different key phase.
    const cuts = [0, 5, 12, 1001, 65547, 65548, 131083, 250001, wire.length];
    const chunks = cuts.slice(1).map((end, i) => Buffer.from(wire.subarray(cuts[i], end)));
    const copies = chunks.map((c) => Buffer.from(c));
    const d = new FrameDecoder(server);
    const out = [];
    for (const c of chunks) {
      d.feed(c);
      out.push(...drainFrames(d));
      const p = d.pendingHeader();
      if (p !== undefined) assert.ok(p.received < p.length && p.received > 0);
    }
    assert.equal(out.length, 2);
    assert.deepEqual(out[0].payload, payload);
    assert.equal(out[1].payload.toString(), 'ok');
    // Only the last chunk was read in place (the small frame after the large one).
    assert.deepEqual(chunks.slice(0, -1), copies.slice(0, -1));
    assert.equal(d.bufferedBytes, 0);
  });

  test('a frame declared larger than the preallocation grows as its bytes arrive', () => {
    const size = 9 * 1024 * 1024 + 3;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) payload[i] = (i >>> 12) & 0xff;
    const wire = encodeFrameMerged({ opcode: Opcode.BINARY, payload, maskKey: KEY });
    const d = new FrameDecoder(server);
    let frame;
    for (let at = 0; at < wire.length; at += 1000003) {
      d.feed(wire.subarray(at, Math.min(wire.length, at + 1000003)));
      const f = d.next();
      if (f !== NEED_DATA) frame = f;
      else assert.equal(d.pendingHeader()?.received, Math.min(at + 1000003, wire.length) - 14);
    }
    assert.ok(frame !== undefined);
    assert.equal(frame.payload.length, size);
    assert.ok(frame.payload.equals(payload));
    assert.equal(d.bufferedBytes, 0);
  });

  test('returns to the fast path after a frame that straddled chunks', () => {
    const frames = Array.from({ length: 6 }, (_, i) =>
      encodeFrameMerged({ opcode: Opcode.BINARY, payload: Buffer.alloc(64, i), maskKey: KEY }),
    );
    const wire = Buffer.concat(frames);
    const d = new FrameDecoder(server);
    d.feed(Buffer.from(wire.subarray(0, 100)));
    assert.equal(drainFrames(d).length, 1);
    // The rest of frame 2 and frames 3–6 arrive in one chunk; frame 3 onwards must be views of it.
    const second = Buffer.from(wire.subarray(100));
    d.feed(second);
    const rest = drainFrames(d);
    assert.equal(rest.length, 5);
    for (const [i, f] of rest.entries()) assert.deepEqual(f.payload, Buffer.alloc(64, i + 1));
    for (const f of rest.slice(1)) assert.equal(f.payload.buffer, second.buffer);
  });

  test('unmasks correctly whatever the alignment of payload and chunk', () => {
    for (let lead = 0; lead < 8; lead++) {
      for (const size of [0, 1, 3, 15, 16, 17, 31, 64, 127, 128, 1000]) {
        const payload = Buffer.alloc(size);
        for (let i = 0; i < size; i++) payload[i] = (i * 31 + lead) & 0xff;
        const frame = encodeFrameMerged({
          opcode: Opcode.BINARY,
          payload,
          maskKey: hex('a1b2c3d4'),
        });
        const backing = Buffer.alloc(lead + frame.length + 3, 0xee);
        frame.copy(backing, lead);
        const d = new FrameDecoder(server);
        d.feed(backing.subarray(lead, lead + frame.length));
        const [f] = drainFrames(d);
        assert.deepEqual(f.payload, payload, `lead ${lead}, size ${size}`);
        assert.equal(backing[lead + frame.length], 0xee, 'nothing past the frame was touched');
        assert.equal(backing[lead - 1] ?? 0xee, 0xee);
      }
    }
  });
});
