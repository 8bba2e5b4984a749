import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../../src/proto/ws/frame-decoder.js';
import {
  MessageAssembler,
  type MessageAssemblerOptions,
} from '../../../src/proto/ws/message-assembler.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';
import { isValidUtf8 } from '../../../src/proto/bytes/utf8.js';
import { assertProtocolError, assertUsageError, hex, plainEvent } from './helpers.js';

function frame(opcode: number, payload: Buffer | string, fin = true, rsv1 = false): Frame {
  return {
    fin,
    rsv1,
    opcode: opcode as Frame['opcode'],
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    masked: true,
  };
}

/** Pushes the frames and returns the events (plain), asserting `undefined` for the rest. */
function run(frames: Frame[], options?: MessageAssemblerOptions) {
  const a = new MessageAssembler(options);
  return frames
    .map((f) => a.push(f))
    .filter((ev) => ev !== undefined)
    .map(plainEvent);
}

/** Pushes frames and asserts that exactly the one at `index` throws. */
function assertFailsAt(
  frames: Frame[],
  index: number,
  closeCode: number,
  code?: string,
  options?: MessageAssemblerOptions,
) {
  const a = new MessageAssembler(options);
  for (let i = 0; i < index; i++) a.push(frames[i]);
  assertProtocolError(() => a.push(frames[index]), closeCode, code);
}

describe('MessageAssembler: messages', () => {
  test('single-frame text and binary', () => {
    assert.deepEqual(run([frame(Opcode.TEXT, 'Hello'), frame(Opcode.BINARY, hex('0102'))]), [
      { type: 'text', data: 'Hello' },
      { type: 'binary', data: '0102' },
    ]);
  });

  test('a single-frame binary message is the payload itself, no copy', () => {
    const payload = hex('010203');
    const ev = new MessageAssembler().push(frame(Opcode.BINARY, payload));
    assert.ok(ev?.type === 'binary');
    assert.equal(ev.data, payload);
  });

  test('fragmented "Hel" + "lo" (RFC 6455 §5.7)', () => {
    const a = new MessageAssembler();
    assert.equal(a.push(frame(Opcode.TEXT, 'Hel', false)), undefined);
    assert.equal(a.inMessage, true);
    assert.equal(a.bufferedBytes, 3);
    assert.deepEqual(a.push(frame(Opcode.CONTINUATION, 'lo')), { type: 'text', data: 'Hello' });
    assert.equal(a.inMessage, false);
    assert.equal(a.bufferedBytes, 0);
  });

  test('fragmented binary with empty fragments', () => {
    assert.deepEqual(
      run([
        frame(Opcode.BINARY, hex(''), false),
        frame(Opcode.CONTINUATION, hex('01'), false),
        frame(Opcode.CONTINUATION, hex(''), false),
        frame(Opcode.CONTINUATION, hex('0203')),
      ]),
      [{ type: 'binary', data: '010203' }],
    );
  });

  test('control frames inside a fragmented message come out at once and leave it intact', () => {
    assert.deepEqual(
      run([
        frame(Opcode.TEXT, 'Hel', false),
        frame(Opcode.PING, 'p1'),
        frame(Opcode.CONTINUATION, 'l', false),
        frame(Opcode.PONG, 'p2'),
        frame(Opcode.CONTINUATION, 'o'),
        frame(Opcode.TEXT, 'next'),
      ]),
      [
        { type: 'ping', data: Buffer.from('p1').toString('hex') },
        { type: 'pong', data: Buffer.from('p2').toString('hex') },
        { type: 'text', data: 'Hello' },
        { type: 'text', data: 'next' },
      ],
    );
  });

  test('close frames', () => {
    assert.deepEqual(run([frame(Opcode.CLOSE, hex(''))]), [
      { type: 'close', code: 1005, reason: '' },
    ]);
    assert.deepEqual(run([frame(Opcode.CLOSE, hex('03e8'))]), [
      { type: 'close', code: 1000, reason: '' },
    ]);
    assert.deepEqual(run([frame(Opcode.CLOSE, hex('0fa0 627965'))]), [
      { type: 'close', code: 4000, reason: 'bye' },
    ]);
    assertFailsAt([frame(Opcode.CLOSE, hex('03'))], 0, 1002);
    assertFailsAt([frame(Opcode.CLOSE, hex('03ed'))], 0, 1002, 'ERR_WS_INVALID_CLOSE_CODE');
    assertFailsAt([frame(Opcode.CLOSE, hex('03e8 ff'))], 0, 1007);
  });
});

describe('MessageAssembler: protocol errors', () => {
  test('a continuation without a started message: 1002', () => {
    assertFailsAt([frame(Opcode.CONTINUATION, 'x')], 0, 1002, 'ERR_WS_UNEXPECTED_CONTINUATION');
    assertFailsAt([frame(Opcode.TEXT, 'done'), frame(Opcode.CONTINUATION, 'x')], 1, 1002);
  });

  test('a new data frame while a fragmented message is open: 1002', () => {
    assertFailsAt(
      [frame(Opcode.TEXT, 'a', false), frame(Opcode.TEXT, 'b')],
      1,
      1002,
      'ERR_WS_EXPECTED_CONTINUATION',
    );
    assertFailsAt([frame(Opcode.BINARY, 'a', false), frame(Opcode.BINARY, 'b', false)], 1, 1002);
    assertFailsAt(
      [frame(Opcode.TEXT, 'a', false), frame(Opcode.PING, ''), frame(Opcode.BINARY, 'b')],
      2,
      1002,
    );
  });

  test('invalid UTF-8 fails at the fragment holding the first invalid byte: 1007', () => {
    // "Hel" | "l\xff" | "o": the second fragment.
    assertFailsAt(
      [
        frame(Opcode.TEXT, 'Hel', false),
        frame(Opcode.CONTINUATION, hex('6cff'), false),
        frame(Opcode.CONTINUATION, 'o'),
      ],
      1,
      1007,
      'ERR_WS_INVALID_UTF8',
    );
    // E2 82 | 41: the sequence is broken by the 'A' in the second fragment.
    assertFailsAt(
      [frame(Opcode.TEXT, hex('e282'), false), frame(Opcode.CONTINUATION, 'A')],
      1,
      1007,
    );
    // ED A0 (a surrogate) is already wrong in the first fragment.
    assertFailsAt(
      [frame(Opcode.TEXT, hex('eda0'), false), frame(Opcode.CONTINUATION, hex('80'))],
      0,
      1007,
    );
    // Single frame.
    assertFailsAt([frame(Opcode.TEXT, hex('c0af'))], 0, 1007);
  });

  test('U+FFFD sent as such is valid text', () => {
    assert.deepEqual(run([frame(Opcode.TEXT, hex('61 efbfbd 62'))]), [
      { type: 'text', data: 'a\ufffdb' },
    ]);
    assert.deepEqual(
      run([frame(Opcode.TEXT, hex('61 ef'), false), frame(Opcode.CONTINUATION, hex('bfbd'))]),
      [{ type: 'text', data: 'a\ufffd' }],
    );
    assertFailsAt([frame(Opcode.TEXT, hex('efbfbd ff'))], 0, 1007);
  });

  test('single-frame text is accepted exactly when it is valid UTF-8 (all 1–2 byte inputs, 3–4 byte edges)', () => {
    const accepts = (bytes: Buffer) => {
      try {
        new MessageAssembler().push(frame(Opcode.TEXT, bytes));
        return true;
      } catch {
        return false;
      }
    };
    const check = (bytes: Buffer) => {
      if (accepts(bytes) !== isValidUtf8(bytes))
        assert.fail(`disagree on ${bytes.toString('hex')}`);
    };
    for (let a = 0; a < 256; a++) {
      check(Buffer.from([a]));
      for (let b = 0; b < 256; b++) check(Buffer.from([a, b]));
    }
    // Every lead of 3- and 4-byte sequences with the boundary values of the bytes after it.
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xff];
    for (let lead = 0xe0; lead <= 0xff; lead++) {
      for (const b of edges) {
        for (const c of edges) {
          check(Buffer.from([lead, b, c]));
          for (const d of edges) check(Buffer.from([0x41, lead, b, c, d, 0x41]));
        }
      }
    }
  });

  test('a character split between fragments is fine', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    assert.deepEqual(
      run([
        frame(Opcode.TEXT, euro.subarray(0, 1), false),
        frame(Opcode.CONTINUATION, euro.subarray(1, 2), false),
        frame(Opcode.PING, ''),
        frame(Opcode.CONTINUATION, euro.subarray(2)),
      ]).at(-1),
      { type: 'text', data: '€' },
    );
  });

  test('a message that ends inside a sequence: 1007', () => {
    assertFailsAt(
      [frame(Opcode.TEXT, 'ab', false), frame(Opcode.CONTINUATION, hex('c3'))],
      1,
      1007,
    );
    assertFailsAt([frame(Opcode.TEXT, hex('61 f09f98'))], 0, 1007);
  });

  test('maxMessageBytes is checked before a fragment is buffered: 1009', () => {
    const a = new MessageAssembler({ maxMessageBytes: 10 });
    a.push(frame(Opcode.BINARY, Buffer.alloc(6), false));
    assertProtocolError(
      () => a.push(frame(Opcode.CONTINUATION, Buffer.alloc(5))),
      1009,
      'ERR_WS_MESSAGE_TOO_BIG',
    );
    assert.equal(a.bufferedBytes, 6, 'the refused fragment was not buffered');
    assertFailsAt([frame(Opcode.TEXT, 'x'.repeat(11))], 0, 1009, undefined, {
      maxMessageBytes: 10,
    });
    assert.deepEqual(run([frame(Opcode.TEXT, 'x'.repeat(10))], { maxMessageBytes: 10 }).length, 1);
    assert.deepEqual(
      run([frame(Opcode.TEXT, 'x'.repeat(5), false), frame(Opcode.CONTINUATION, 'y'.repeat(5))], {
        maxMessageBytes: 10,
      }),
      [{ type: 'text', data: 'xxxxxyyyyy' }],
    );
  });

  test('maxFragments bounds the frames of one message: 1008', () => {
    const frames = [
      frame(Opcode.BINARY, 'a', false),
      frame(Opcode.CONTINUATION, 'b', false),
      frame(Opcode.CONTINUATION, 'c', false),
      frame(Opcode.CONTINUATION, 'd'),
    ];
    assertFailsAt(frames, 3, 1008, 'ERR_WS_TOO_MANY_FRAGMENTS', { maxFragments: 3 });
    assert.deepEqual(run(frames, { maxFragments: 4 }), [{ type: 'binary', data: '61626364' }]);
  });

  test('control frames that the decoder would have refused', () => {
    assertFailsAt([frame(Opcode.PING, Buffer.alloc(126))], 0, 1002);
    assertFailsAt([frame(Opcode.PING, '', false)], 0, 1002);
    assertFailsAt([frame(0xb, '')], 0, 1002, 'ERR_WS_INVALID_OPCODE');
  });

  test('invalid limits are usage errors', () => {
    assertUsageError(() => new MessageAssembler({ maxMessageBytes: -5 }));
    assertUsageError(() => new MessageAssembler({ maxFragments: NaN }));
  });
});

describe('MessageAssembler: compressed messages', () => {
  test('RSV1 without permessage-deflate: 1002', () => {
    assertFailsAt([frame(Opcode.TEXT, 'x', true, true)], 0, 1002, 'ERR_WS_UNEXPECTED_RSV_1');
  });

  test('come out whole, still compressed, without UTF-8 checks', () => {
    const opts = { allowRsv1: true };
    assert.deepEqual(run([frame(Opcode.TEXT, hex('ff'), true, true)], opts), [
      { type: 'compressed', opcode: Opcode.TEXT, data: 'ff' },
    ]);
    const a = new MessageAssembler(opts);
    assert.equal(a.push(frame(Opcode.BINARY, hex('f2c0'), false, true)), undefined);
    assert.equal(a.push(frame(Opcode.PING, 'x'))?.type, 'ping');
    assert.equal(a.push(frame(Opcode.CONTINUATION, hex('ff'), false)), undefined);
    const ev = a.push(frame(Opcode.CONTINUATION, hex('00')));
    assert.ok(ev?.type === 'compressed');
    assert.equal(ev.opcode, Opcode.BINARY);
    assert.deepEqual(ev.data, [hex('f2c0'), hex('ff'), hex('00')]);
    // The next message is an ordinary one again.
    assert.deepEqual(a.push(frame(Opcode.TEXT, 'plain')), { type: 'text', data: 'plain' });
  });

  test('RSV1 on a continuation frame: 1002', () => {
    assertFailsAt(
      [frame(Opcode.TEXT, 'a', false, true), frame(Opcode.CONTINUATION, 'b', true, true)],
      1,
      1002,
      'ERR_WS_UNEXPECTED_RSV_1',
      { allowRsv1: true },
    );
  });

  test('maxMessageBytes applies to the compressed size', () => {
    assertFailsAt([frame(Opcode.BINARY, Buffer.alloc(11), true, true)], 0, 1009, undefined, {
      allowRsv1: true,
      maxMessageBytes: 10,
    });
  });
});
