// The WebAssembly SIMD masking loop, against a byte-by-byte reference.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  WASM_MASK_MIN,
  wasmMaskCopy,
  wasmReadPage,
  wasmUnmaskCopy,
} from '../../../src/proto/ws/wasm-mask.js';
import { filled, maskReference as reference } from './helpers.js';

describe('wasm-mask', () => {
  test('is available on Node 20 without flags (the hand-assembled module is valid)', () => {
    assert.equal(typeof wasmMaskCopy, 'function');
    assert.ok(WASM_MASK_MIN > 0);
  });

  test('copies and masks exactly the range, at any offsets, across 64 KiB blocks', () => {
    const mask = wasmMaskCopy;
    if (mask === null) return;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 300 }),
          fc.integer({ min: 65470, max: 65600 }),
          fc.integer({ min: 0, max: 200000 }),
        ),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer(),
        (n, srcAt, dstAt, key, seed) => {
          const src = filled(srcAt + n + 3, seed);
          const before = Buffer.from(src);
          const dst = filled(dstAt + n + 5, seed + 1);
          const dstBefore = Buffer.from(dst);
          mask(src, srcAt, dst, dstAt, n, key[0], key[1], key[2], key[3]);
          assert.deepEqual(src, before, 'the source is untouched');
          assert.deepEqual(
            dst.subarray(dstAt, dstAt + n),
            reference(src.subarray(srcAt, srcAt + n), key),
          );
          assert.deepEqual(dst.subarray(0, dstAt), dstBefore.subarray(0, dstAt), 'nothing before');
          assert.deepEqual(dst.subarray(dstAt + n), dstBefore.subarray(dstAt + n), 'nothing after');
        },
      ),
      { numRuns: 60 },
    );
  });

  test('masks in place', () => {
    const mask = wasmMaskCopy;
    if (mask === null) return;
    const key = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    for (const n of [WASM_MASK_MIN, 4097, 65536, 65537, 140001]) {
      const buf = filled(n + 9, n);
      const expected = Buffer.concat([
        buf.subarray(0, 7),
        reference(buf.subarray(7, 7 + n), key),
        buf.subarray(7 + n),
      ]);
      mask(buf, 7, buf, 7, n, key[0], key[1], key[2], key[3]);
      assert.deepEqual(buf, expected, `n = ${n}`);
    }
  });

  test('unmasks a range of the read page where it lies and copies out exactly it', () => {
    const unmask = wasmUnmaskCopy;
    const page = wasmReadPage;
    if (unmask === null || page === null) return;
    assert.equal(page.length, 65536);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65536 }),
        fc.integer({ min: 0, max: 65536 }),
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer(),
        (a, b, dstAt, key, seed) => {
          const start = Math.min(a, b);
          const n = Math.max(a, b) - start;
          filled(page.length, seed).copy(page);
          const before = Buffer.from(page);
          const dst = filled(dstAt + n + 5, seed + 1);
          const dstBefore = Buffer.from(dst);
          const expected = reference(before.subarray(start, start + n), key);
          unmask(page, start, dst, dstAt, n, key[0], key[1], key[2], key[3]);
          assert.deepEqual(dst.subarray(dstAt, dstAt + n), expected);
          assert.deepEqual(dst.subarray(0, dstAt), dstBefore.subarray(0, dstAt), 'nothing before');
          assert.deepEqual(dst.subarray(dstAt + n), dstBefore.subarray(dstAt + n), 'nothing after');
          // The read's other bytes (the next frame's header) are untouched.
          assert.deepEqual(page.subarray(0, start), before.subarray(0, start));
          assert.deepEqual(page.subarray(start + n), before.subarray(start + n));
          // In place on the page too.
          filled(page.length, seed).copy(page);
          unmask(page, start, page, start, n, key[0], key[1], key[2], key[3]);
          assert.deepEqual(page.subarray(start, start + n), expected);
          assert.deepEqual(page.subarray(start + n), before.subarray(start + n));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('elsewhere unmasks as the scratch-page copy does, leaving the source as it was', () => {
    const unmask = wasmUnmaskCopy;
    if (unmask === null) return;
    const key = Uint8Array.of(1, 2, 3, 4);
    const src = filled(70001, 3);
    const before = Buffer.from(src);
    const dst = Buffer.alloc(70000);
    unmask(src, 1, dst, 0, 70000, key[0], key[1], key[2], key[3]);
    assert.deepEqual(dst, reference(before.subarray(1, 70001), key));
    assert.deepEqual(src, before);
  });
});
