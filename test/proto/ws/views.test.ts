// The internal masking loops, against a byte-by-byte reference.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeFrame, encodeFrameMerged } from '../../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';
import { FastBuffer, LONG_MASK_MIN, maskCopyLong, maskRange } from '../../../src/proto/ws/views.js';
import { filled, maskReference as reference } from './helpers.js';

const key = fc.uint8Array({ minLength: 4, maxLength: 4 });
const size = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: LONG_MASK_MIN - 9, max: LONG_MASK_MIN + 70 }),
  fc.integer({ min: 0, max: 5000 }),
);

describe('views: masking loops', () => {
  test('FastBuffer makes a Buffer view', () => {
    const ab = new ArrayBuffer(16);
    const b = new FastBuffer(ab, 3, 5);
    assert.ok(Buffer.isBuffer(b));
    assert.equal(b.buffer, ab);
    assert.equal(b.byteOffset, 3);
    assert.equal(b.length, 5);
  });

  test('maskRange masks exactly the range, at any alignment, with or without 64-bit views', () => {
    fc.assert(
      fc.property(
        size,
        fc.nat(15),
        fc.nat(9),
        key,
        fc.boolean(),
        (n, base, start, k, withLongs) => {
          const ab = new ArrayBuffer(base + start + n + 11);
          const buf = new Uint8Array(ab, base);
          const original = filled(buf.length, n);
          buf.set(original);
          const words = new Int32Array(ab, 0, ab.byteLength >>> 2);
          const longs = withLongs ? new BigInt64Array(ab, 0, ab.byteLength >>> 3) : null;
          maskRange(buf, base, words, longs, start, start + n, k[0], k[1], k[2], k[3]);
          const expected = Buffer.from(original);
          reference(original.subarray(start, start + n), k).copy(expected, start);
          assert.deepEqual(Buffer.from(buf), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('maskCopyLong copies and masks in one pass, touching nothing else', () => {
    fc.assert(
      fc.property(size, fc.nat(15), fc.nat(7), key, (n, srcOffset, extra, k) => {
        const srcBacking = filled(srcOffset + n + 5, n + 1);
        const src = new Uint8Array(srcBacking.buffer, srcBacking.byteOffset + srcOffset, n);
        const before = Buffer.from(src);
        // The destination offset must be congruent to the source's modulo 8.
        const at = ((src.byteOffset & 7) + 8 * extra) | 0;
        const dstAb = new ArrayBuffer(at + n + 9);
        const dst = new Uint8Array(dstAb);
        dst.fill(0xee);
        maskCopyLong(src, dstAb, dst, at, k[0], k[1], k[2], k[3]);
        assert.deepEqual(Buffer.from(src), before, 'the source is untouched');
        assert.deepEqual(Buffer.from(dst.subarray(at, at + n)), reference(before, k));
        assert.ok(dst.subarray(0, at).every((b) => b === 0xee));
        assert.ok(dst.subarray(at + n).every((b) => b === 0xee));
      }),
      { numRuns: 300 },
    );
  });

  test('large masked frames from payloads at every offset', () => {
    const k = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    for (const n of [LONG_MASK_MIN, 600, 2100, 5000, 70000]) {
      const backing = filled(n + 8, n);
      for (let off = 0; off < 8; off++) {
        const payload = backing.subarray(off, off + n);
        const before = Buffer.from(payload);
        const expected = reference(before, k);
        const [header, masked] = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: k });
        assert.deepEqual(masked, expected, `pair, ${n} bytes at offset ${off}`);
        const merged = encodeFrameMerged({ opcode: Opcode.BINARY, payload, maskKey: k });
        assert.deepEqual(
          merged,
          Buffer.concat([header, expected]),
          `merged, ${n} bytes at offset ${off}`,
        );
        assert.deepEqual(payload, before);
      }
    }
  });
});
