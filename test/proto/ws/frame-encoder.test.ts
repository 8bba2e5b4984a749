import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeFrame,
  encodeFrameHeader,
  encodeFrameMerged,
} from '../../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';
import { assertUsageError, hex } from './helpers.js';

const KEY = hex('37fa213d');
const hello = () => Buffer.from('Hello');

describe('encodeFrame: RFC 6455 §5.7 examples', () => {
  test('single-frame unmasked text', () => {
    assert.deepEqual(
      encodeFrameMerged({ opcode: Opcode.TEXT, payload: hello() }),
      hex('8105 48656c6c6f'),
    );
  });

  test('single-frame masked text', () => {
    assert.deepEqual(
      encodeFrameMerged({ opcode: Opcode.TEXT, payload: hello(), maskKey: KEY }),
      hex('8185 37fa213d 7f9f4d5158'),
    );
  });

  test('fragmented unmasked text', () => {
    assert.deepEqual(
      encodeFrameMerged({ opcode: Opcode.TEXT, fin: false, payload: Buffer.from('Hel') }),
      hex('0103 48656c'),
    );
    assert.deepEqual(
      encodeFrameMerged({ opcode: Opcode.CONTINUATION, payload: Buffer.from('lo') }),
      hex('8002 6c6f'),
    );
  });

  test('unmasked ping and masked pong', () => {
    assert.deepEqual(
      encodeFrameMerged({ opcode: Opcode.PING, payload: hello() }),
      hex('8905 48656c6c6f'),
    );
    assert.deepEqual(
      encodeFrameMerged({ opcode: Opcode.PONG, payload: hello(), maskKey: KEY }),
      hex('8a85 37fa213d 7f9f4d5158'),
    );
  });

  test('256-byte and 64 KiB binary use 16- and 64-bit lengths', () => {
    const [h256, p256] = encodeFrame({ opcode: Opcode.BINARY, payload: Buffer.alloc(256, 1) });
    assert.deepEqual(h256, hex('827e 0100'));
    assert.equal(p256.length, 256);
    const [h64k] = encodeFrame({ opcode: Opcode.BINARY, payload: Buffer.alloc(65536) });
    assert.deepEqual(h64k, hex('827f 0000000000010000'));
  });
});

describe('encodeFrameHeader', () => {
  test('picks the shortest length encoding', () => {
    const header = (payloadLength: number) =>
      encodeFrameHeader({ opcode: Opcode.BINARY, payloadLength }).toString('hex');
    assert.equal(header(0), '8200');
    assert.equal(header(125), '827d');
    assert.equal(header(126), '827e007e');
    assert.equal(header(65535), '827effff');
    assert.equal(header(65536), '827f0000000000010000');
    assert.equal(header(2 ** 32 + 5), '827f0000000100000005');
    assert.equal(header(Number.MAX_SAFE_INTEGER), '827f001fffffffffffff');
  });

  test('sets FIN, RSV1 and MASK', () => {
    assert.equal(
      encodeFrameHeader({
        opcode: Opcode.TEXT,
        fin: false,
        rsv1: true,
        payloadLength: 3,
        maskKey: KEY,
      }).toString('hex'),
      '418337fa213d',
    );
  });

  test('refuses invalid lengths', () => {
    assertUsageError(() => encodeFrameHeader({ opcode: Opcode.BINARY, payloadLength: -1 }));
    assertUsageError(() => encodeFrameHeader({ opcode: Opcode.BINARY, payloadLength: 1.5 }));
    assertUsageError(() => encodeFrameHeader({ opcode: Opcode.BINARY, payloadLength: 2 ** 53 }));
  });
});

describe('encodeFrame: usage errors', () => {
  test('control frames above 125 bytes', () => {
    for (const opcode of [Opcode.PING, Opcode.PONG, Opcode.CLOSE]) {
      assert.doesNotThrow(() => encodeFrame({ opcode, payload: Buffer.alloc(125) }));
      assertUsageError(
        () => encodeFrame({ opcode, payload: Buffer.alloc(126) }),
        'ERR_WS_CONTROL_FRAME_TOO_LONG',
      );
      assertUsageError(() => encodeFrameMerged({ opcode, payload: Buffer.alloc(126) }));
      assertUsageError(() => encodeFrameHeader({ opcode, payloadLength: 126 }));
    }
  });

  test('fragmented control frames', () => {
    assertUsageError(
      () => encodeFrame({ opcode: Opcode.PING, fin: false, payload: Buffer.alloc(0) }),
      'ERR_WS_FRAGMENTED_CONTROL_FRAME',
    );
  });

  test('unknown opcodes', () => {
    for (const opcode of [3, 7, 11, 15, 16]) {
      assertUsageError(
        () => encodeFrame({ opcode: opcode as Opcode, payload: Buffer.alloc(0) }),
        'ERR_WS_INVALID_OPCODE',
      );
    }
  });

  test('RSV1 on continuation and control frames', () => {
    for (const opcode of [Opcode.CONTINUATION, Opcode.PING, Opcode.CLOSE]) {
      assertUsageError(
        () => encodeFrame({ opcode, rsv1: true, payload: Buffer.alloc(1) }),
        'ERR_WS_UNEXPECTED_RSV_1',
      );
    }
  });

  test('a mask key that is not 4 bytes', () => {
    assertUsageError(
      () => encodeFrame({ opcode: Opcode.TEXT, payload: hello(), maskKey: Buffer.alloc(3) }),
      'ERR_WS_INVALID_MASK_KEY',
    );
  });
});

describe('encodeFrame: buffers', () => {
  test('an unmasked payload is returned as-is, no copy', () => {
    const payload = Buffer.from('shared by every subscriber');
    const [, out] = encodeFrame({ opcode: Opcode.TEXT, payload });
    assert.equal(out, payload);
  });

  test('a Uint8Array payload comes back as a Buffer over the same memory', () => {
    const payload = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4);
    const [, out] = encodeFrame({ opcode: Opcode.BINARY, payload });
    assert.ok(Buffer.isBuffer(out));
    assert.equal(out.buffer, payload.buffer);
    assert.equal(out.byteOffset, 1);
    assert.equal(out.length, 3);
  });

  test("masking never changes the caller's payload", () => {
    for (const size of [5, 31, 32, 33, 200, 70000]) {
      const payload = Buffer.alloc(size, 0x61);
      const copy = Buffer.from(payload);
      const [, masked] = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: KEY });
      assert.deepEqual(payload, copy);
      assert.notEqual(masked.buffer, payload.buffer);
      for (let i = 0; i < size; i++) assert.equal(masked[i], 0x61 ^ KEY[i & 3]);
      const merged = encodeFrameMerged({ opcode: Opcode.BINARY, payload, maskKey: KEY });
      assert.deepEqual(payload, copy);
      assert.deepEqual(merged.subarray(merged.length - size), masked);
    }
  });

  test('an all-zero key masks to the same bytes without copying', () => {
    const payload = Buffer.from('abc');
    const [header, out] = encodeFrame({ opcode: Opcode.TEXT, payload, maskKey: Buffer.alloc(4) });
    assert.deepEqual(header, hex('8183 00000000'));
    assert.equal(out, payload);
  });

  test('merged is the header and the payload in one buffer', () => {
    for (const size of [0, 125, 126, 65535, 65536]) {
      for (const maskKey of [undefined, KEY]) {
        const payload = Buffer.alloc(size, 7);
        const [h, p] = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey });
        assert.deepEqual(
          encodeFrameMerged({ opcode: Opcode.BINARY, payload, maskKey }),
          Buffer.concat([h, p]),
        );
      }
    }
  });

  test('an unmasked frame is the same bytes each time it is written', () => {
    const payload = Buffer.from('broadcast');
    const pair = encodeFrame({ opcode: Opcode.TEXT, payload });
    const before = Buffer.concat(pair).toString('hex');
    // Writing does not consume it: encode once, write to many sockets.
    for (let i = 0; i < 3; i++) assert.equal(Buffer.concat(pair).toString('hex'), before);
  });
});
