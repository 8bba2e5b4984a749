import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidUtf8 } from '../../../src/proto/bytes/utf8.js';
import {
  CloseCode,
  MAX_CLOSE_REASON_BYTES,
  decodeClosePayload,
  defaultCloseReason,
  encodeClosePayload,
  isValidWireCloseCode,
} from '../../../src/proto/ws/close-codes.js';
import { assertProtocolError, assertUsageError, hex } from './helpers.js';

function payload(code: number, reason: Uint8Array = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(2 + reason.length);
  b.writeUInt16BE(code, 0);
  b.set(reason, 2);
  return b;
}

describe('isValidWireCloseCode', () => {
  test('follows RFC 6455 §7.4 and the IANA registry', () => {
    const valid = (c: number) =>
      (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
    for (let c = 0; c <= 6000; c++) assert.equal(isValidWireCloseCode(c), valid(c), `code ${c}`);
    assert.equal(isValidWireCloseCode(65535), false);
    assert.equal(isValidWireCloseCode(1000.5), false);
    assert.equal(isValidWireCloseCode(NaN), false);
  });
});

describe('decodeClosePayload', () => {
  for (const code of [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 0, 65535]) {
    test(`rejects code ${code} with 1002`, () => {
      assertProtocolError(
        () => decodeClosePayload(payload(code)),
        1002,
        'ERR_WS_INVALID_CLOSE_CODE',
      );
    });
  }

  for (const code of [1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999]) {
    test(`accepts code ${code}`, () => {
      assert.deepEqual(decodeClosePayload(payload(code, Buffer.from('why'))), {
        code,
        reason: 'why',
      });
    });
  }

  test('an empty payload has no code (1005)', () => {
    assert.deepEqual(decodeClosePayload(Buffer.alloc(0)), { reason: '' });
  });

  test('a 1-byte payload is 1002', () => {
    assertProtocolError(() => decodeClosePayload(hex('03')), 1002, 'ERR_WS_INVALID_CLOSE_PAYLOAD');
  });

  test('a reason that is not UTF-8 is 1007', () => {
    assertProtocolError(() => decodeClosePayload(hex('03e8 ff')), 1007, 'ERR_WS_INVALID_UTF8');
    assertProtocolError(() => decodeClosePayload(hex('03e8 48 c3')), 1007); // cut sequence
    assertProtocolError(() => decodeClosePayload(hex('03e8 eda080')), 1007); // surrogate
    assertProtocolError(() => decodeClosePayload(hex('03e8 c0af')), 1007); // overlong
  });

  test('decodes a multi-byte reason', () => {
    assert.deepEqual(decodeClosePayload(payload(1001, Buffer.from('Wörld €😀'))), {
      code: 1001,
      reason: 'Wörld €😀',
    });
  });

  test('works on a Uint8Array view at an offset', () => {
    const backing = new Uint8Array([0, 0, 0x03, 0xe8, 0x6f, 0x6b, 9]);
    assert.deepEqual(decodeClosePayload(backing.subarray(2, 6)), { code: 1000, reason: 'ok' });
  });
});

describe('encodeClosePayload', () => {
  test('writes the code then the reason', () => {
    assert.deepEqual(encodeClosePayload(1000, 'bye'), hex('03e8 627965'));
    assert.deepEqual(encodeClosePayload(4999), hex('1387'));
  });

  test('without a code the payload is empty', () => {
    assert.equal(encodeClosePayload().length, 0);
  });

  test('a reason without a code is refused', () => {
    assertUsageError(() => encodeClosePayload(undefined, 'why'), 'ERR_WS_INVALID_CLOSE_CODE');
  });

  for (const code of [1005, 1006, 1015, 999, 1004, 1016, 2999, 5000, 1000.5]) {
    test(`refuses to send code ${code}`, () => {
      assertUsageError(() => encodeClosePayload(code), 'ERR_WS_INVALID_CLOSE_CODE');
    });
  }

  for (const [name, ch] of [
    ['2-byte', 'é'],
    ['3-byte', '€'],
    ['4-byte', '😀'],
  ] as const) {
    test(`cuts a 200-byte reason of ${name} characters to ≤123 bytes of valid UTF-8`, () => {
      const bytesPer = Buffer.byteLength(ch);
      const reason = ch.repeat(Math.ceil(200 / bytesPer));
      assert.ok(Buffer.byteLength(reason) >= 200);
      const out = encodeClosePayload(1000, reason);
      const text = out.subarray(2);
      assert.ok(text.length <= MAX_CLOSE_REASON_BYTES);
      assert.ok(text.length > MAX_CLOSE_REASON_BYTES - bytesPer, 'cut no more than one character');
      assert.ok(isValidUtf8(text));
      assert.equal(text.toString(), ch.repeat(Math.floor(MAX_CLOSE_REASON_BYTES / bytesPer)));
      // And it survives the trip back.
      assert.equal(decodeClosePayload(out).reason, text.toString());
    });
  }

  test('a mixed reason is cut at a character boundary', () => {
    const reason = 'a' + '😀'.repeat(40); // 1 + 160 bytes
    const text = encodeClosePayload(1000, reason).subarray(2);
    assert.equal(text.length, 121); // 'a' + 30 emoji
    assert.ok(isValidUtf8(text));
  });

  test('a reason of exactly 123 bytes is kept whole', () => {
    const reason = 'x'.repeat(123);
    assert.equal(encodeClosePayload(1000, reason).subarray(2).toString(), reason);
  });
});

describe('defaultCloseReason', () => {
  test('has the texts of the tcllib websocket manual', () => {
    assert.deepEqual(
      [1000, 1001, 1002, 1003, 1006, 1007, 1008, 1009, 1010, 1011, 1015].map(defaultCloseReason),
      [
        'Normal closure',
        'Endpoint going away',
        'Protocol Error',
        'Received incompatible data type',
        'Abnormal closure',
        'Received data not consistent with type',
        'Policy violation',
        'Received message too big',
        'Missing extension',
        'Unexpected condition',
        'TLS handshake error',
      ],
    );
  });

  test('is empty for codes the manual does not list', () => {
    for (const code of [1005, 1012, 1013, 1014, 3000, 4999])
      assert.equal(defaultCloseReason(code), '');
  });

  test('CloseCode names the registered codes', () => {
    assert.equal(CloseCode.NORMAL, 1000);
    assert.equal(CloseCode.NO_STATUS, 1005);
    assert.equal(CloseCode.MESSAGE_TOO_BIG, 1009);
    assert.equal(CloseCode.TLS_HANDSHAKE, 1015);
  });
});
