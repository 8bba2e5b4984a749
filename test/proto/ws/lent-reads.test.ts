// The receiver fed as a server socket feeds it (src/ws/connection.ts, lent reads): reads land in
// one shared "lent" buffer that the next read overwrites. Whatever the reads' sizes, the events must be those of feeding the
// stream whole, and no delivered payload may be a view of the lent buffer: after every read the
// simulated socket scribbles over it, so a payload still pointing there comes out wrong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError } from '../../../src/errors.js';
import { encodeFrame } from '../../../src/proto/ws/frame-encoder.js';
import type { WsEvent } from '../../../src/proto/ws/message-assembler.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';
import { WsReceiver, type WsReceiverOptions } from '../../../src/proto/ws/receiver.js';
import { wasmReadPage } from '../../../src/proto/ws/wasm-mask.js';
import { bytesOf, drainEvents, plainEvent } from './helpers.js';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 150);
const LENT_SIZE = 64 * 1024;

interface Spec {
  opcode: Opcode;
  fin: boolean;
  payload: Buffer;
  rsv1?: boolean;
}

function wireOf(specs: Spec[], key: Uint8Array): Buffer {
  return Buffer.concat(
    specs.flatMap((s) =>
      encodeFrame({ opcode: s.opcode, fin: s.fin, rsv1: s.rsv1, payload: s.payload, maskKey: key }),
    ),
  );
}

/** Streams fed so far (they alternate between the two kinds of lent buffer). */
let feeds = 0;

/**
 * Feeds `wire` as lent reads of the given sizes (cycled) and returns the events, or the error
 * that stopped them. Each read's bytes are valid only during its turn: the lent buffer is
 * scribbled over afterwards.
 */
function feedAsReads(
  options: WsReceiverOptions,
  wire: Buffer,
  sizes: number[],
): { events: WsEvent[]; error?: ProtocolError } {
  // Every other stream reads into the WebAssembly read page the server lends its sockets
  // (payloads unmasked where they lie), the others into a plain buffer (no WebAssembly).
  const lent =
    (feeds++ & 1) === 0 && wasmReadPage !== null ? wasmReadPage : Buffer.alloc(LENT_SIZE);
  const r = new WsReceiver(options);
  const events: WsEvent[] = [];
  for (let at = 0, i = 0; at < wire.length; i++) {
    const n = Math.min(sizes[i % sizes.length], LENT_SIZE, wire.length - at);
    wire.copy(lent, 0, at, at + n);
    at += n;
    try {
      r.feedLent(lent.subarray(0, n));
      events.push(...drainEvents(r));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return { events, error: err };
    } finally {
      r.releaseLent();
    }
    lent.fill(0xee);
  }
  return { events };
}

function wholeEvents(options: WsReceiverOptions, wire: Buffer): WsEvent[] {
  const r = new WsReceiver(options);
  r.feed(Buffer.from(wire));
  return drainEvents(r);
}

const readSize = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 16 }) },
  { weight: 3, arbitrary: fc.integer({ min: 17, max: 4096 }) },
  { weight: 2, arbitrary: fc.integer({ min: 4097, max: LENT_SIZE }) },
  { weight: 1, arbitrary: fc.constant(LENT_SIZE) },
);

const size = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 140 }) },
  { weight: 2, arbitrary: fc.constantFrom(125, 126, 127, 65535, 65536, 65537) },
  { weight: 2, arbitrary: fc.integer({ min: 141, max: 200_000 }) },
);

/** A message as one or more frames (a continuation per extra cut), maybe with a ping inside. */
const messageFrames = fc
  .record({
    text: fc.boolean(),
    size,
    seed: fc.integer(),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    ping: fc.option(fc.integer({ min: 0, max: 125 })),
    rsv1: fc.boolean(),
  })
  .map((m): Spec[] => {
    // Text: ASCII bytes, so that any cut stays valid UTF-8.
    const bytes = m.text
      ? Buffer.from(bytesOf(m.size, m.seed).map((b) => 0x20 + (b % 90)))
      : bytesOf(m.size, m.seed);
    const points = [...new Set(m.cuts.map((f) => Math.floor(f * bytes.length)))].sort(
      (a, b) => a - b,
    );
    const parts: Buffer[] = [];
    let from = 0;
    for (const p of points) {
      parts.push(bytes.subarray(from, p));
      from = p;
    }
    parts.push(bytes.subarray(from));
    const out: Spec[] = [];
    parts.forEach((payload, i) => {
      const opcode = i > 0 ? Opcode.CONTINUATION : m.text ? Opcode.TEXT : Opcode.BINARY;
      out.push({ opcode, fin: i === parts.length - 1, payload, rsv1: i === 0 && m.rsv1 });
      if (i === 0 && m.ping !== null && parts.length > 1) {
        out.push({ opcode: Opcode.PING, fin: true, payload: bytesOf(m.ping, m.seed + 1) });
      }
    });
    return out;
  });

const OPTIONS: WsReceiverOptions = { role: 'server', allowRsv1: true };

describe('lent reads: any reads give the events of the whole stream', () => {
  test('random messages (fragmented, compressed, pings inside), random read sizes', () => {
    fc.assert(
      fc.property(
        fc.array(messageFrames, { minLength: 1, maxLength: 6 }),
        fc.array(readSize, { minLength: 1, maxLength: 12 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (messages, sizes, key) => {
          const specs = [
            ...messages.flat(),
            { opcode: Opcode.CLOSE, fin: true, payload: Buffer.from([0x03, 0xe8, 0x6f, 0x6b]) },
          ];
          const wire = wireOf(specs, key);
          const expected = wholeEvents(OPTIONS, wire).map(plainEvent);
          const got = feedAsReads(OPTIONS, wire, sizes);
          assert.equal(got.error, undefined);
          assert.deepEqual(got.events.map(plainEvent), expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('every two-read split of a mixed stream, and byte by byte', () => {
    const key = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
    // Frames of 5,000 bytes at both ends: a cut among the small frames leaves both reads larger
    // than the decoder copies whole, so each frame is parsed in the lent bytes.
    const wire = wireOf(
      [
        { opcode: Opcode.BINARY, fin: true, payload: bytesOf(5000, 4) },
        { opcode: Opcode.BINARY, fin: true, payload: bytesOf(70, 1) },
        { opcode: Opcode.TEXT, fin: false, payload: Buffer.from('héllo ') },
        { opcode: Opcode.PING, fin: true, payload: Buffer.from('p') },
        { opcode: Opcode.CONTINUATION, fin: true, payload: Buffer.from('wörld') },
        { opcode: Opcode.BINARY, fin: true, payload: bytesOf(300, 2) },
        { opcode: Opcode.TEXT, fin: true, payload: Buffer.from('ok') },
        { opcode: Opcode.BINARY, fin: true, payload: Buffer.alloc(0) },
        { opcode: Opcode.BINARY, fin: true, payload: bytesOf(5000, 5) },
        { opcode: Opcode.CLOSE, fin: true, payload: Buffer.from([0x03, 0xe8]) },
      ],
      key,
    );
    const expected = wholeEvents(OPTIONS, wire).map(plainEvent);
    for (let cut = 1; cut < wire.length; cut++) {
      const got = feedAsReads(OPTIONS, wire, [cut, wire.length]);
      assert.deepEqual(got.events.map(plainEvent), expected, `split at ${cut}`);
    }
    assert.deepEqual(feedAsReads(OPTIONS, wire, [1]).events.map(plainEvent), expected);
  });

  test('1 MiB messages, whole and fragmented, in reads of any size', () => {
    const key = Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4);
    const big = bytesOf(1024 * 1024, 7);
    const wire = wireOf(
      [
        { opcode: Opcode.BINARY, fin: true, payload: big },
        { opcode: Opcode.BINARY, fin: false, payload: big.subarray(0, 300_001) },
        { opcode: Opcode.CONTINUATION, fin: true, payload: big.subarray(300_001) },
        { opcode: Opcode.TEXT, fin: true, payload: Buffer.from('after') },
      ],
      key,
    );
    for (const sizes of [[LENT_SIZE], [3, 65_533, 1000], [7, 11, 100_000], [2, 1, 5]]) {
      const got = feedAsReads(OPTIONS, wire, sizes);
      assert.equal(got.events.length, 3);
      assert.deepEqual(got.events[0], { type: 'binary', data: big });
      assert.deepEqual(got.events[1], { type: 'binary', data: big });
      assert.deepEqual(got.events[2], { type: 'text', data: 'after' });
    }
  });
});

describe('lent reads: malformed input fails as fed whole, in the read that brings it', () => {
  const key = Uint8Array.of(1, 2, 3, 4);
  const cases: [string, Buffer, number, WsReceiverOptions][] = [
    ['reserved opcode', Buffer.from([0x83, 0x80, 1, 2, 3, 4]), 1002, OPTIONS],
    [
      'payload over the limit',
      wireOf([{ opcode: Opcode.BINARY, fin: true, payload: bytesOf(2000, 3) }], key),
      1009,
      { role: 'server', maxPayloadBytes: 1000 },
    ],
    [
      'invalid UTF-8 in a large text frame',
      wireOf(
        [
          {
            opcode: Opcode.TEXT,
            fin: true,
            payload: Buffer.concat([Buffer.from([0xff]), Buffer.alloc(100_000, 0x41)]),
          },
        ],
        key,
      ),
      1007,
      OPTIONS,
    ],
    ['control frame over 125 bytes', Buffer.from([0x89, 0xfe, 0, 200, 1, 2, 3, 4]), 1002, OPTIONS],
    ['unmasked client frame', Buffer.from([0x82, 0x01, 0x00]), 1002, OPTIONS],
  ];
  for (const [name, wire, closeCode, options] of cases) {
    test(name, () => {
      assert.throws(
        () => wholeEvents(options, wire),
        (e: unknown) => e instanceof ProtocolError && e.closeCode === closeCode,
      );
      for (const sizes of [[LENT_SIZE], [1], [3, 50]]) {
        const got = feedAsReads(options, wire, sizes);
        assert.equal(got.error?.closeCode, closeCode, `${name}, reads of ${sizes.join(',')}`);
      }
      // At once: the first read that holds the offending header byte (or the first bad text byte).
      const first = feedAsReads(options, wire, [LENT_SIZE]);
      assert.equal(first.error?.closeCode, closeCode);
      assert.equal(first.events.length, 0);
    });
  }
});
