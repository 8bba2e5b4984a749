// Property-based tests (fast-check) for the framing core: round trips, reassembly, and that
// splitting the byte stream anywhere never changes what comes out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError } from '../../../src/errors.js';
import { NEED_DATA } from '../../../src/proto/need-data.js';
import { FrameDecoder, type Frame } from '../../../src/proto/ws/frame-decoder.js';
import { encodeFrame, encodeFrameMerged } from '../../../src/proto/ws/frame-encoder.js';
import { MessageAssembler } from '../../../src/proto/ws/message-assembler.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';
import { WsReceiver } from '../../../src/proto/ws/receiver.js';
import { bytesOf, drainEvents, plainEvent, plainFrame } from './helpers.js';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 150);

const payloadSize = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 140 }) },
  { weight: 2, arbitrary: fc.constantFrom(125, 126, 127, 65535, 65536, 65537) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70000 }) },
);
const controlSize = fc.integer({ min: 0, max: 125 });
const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 });

interface FrameSpec {
  opcode: Opcode;
  fin: boolean;
  rsv1: boolean;
  payload: Buffer;
  maskKey?: Uint8Array;
  merged: boolean;
}

const dataFrame = fc
  .record({
    opcode: fc.constantFrom(Opcode.CONTINUATION, Opcode.TEXT, Opcode.BINARY),
    fin: fc.boolean(),
    rsv1: fc.boolean(),
    size: payloadSize,
    seed: fc.integer(),
    key: maskKey,
    merged: fc.boolean(),
  })
  .map((r) => ({ ...r, rsv1: r.rsv1 && r.opcode !== Opcode.CONTINUATION }));
const controlFrame = fc.record({
  opcode: fc.constantFrom(Opcode.CLOSE, Opcode.PING, Opcode.PONG),
  fin: fc.constant(true),
  rsv1: fc.constant(false),
  size: controlSize,
  seed: fc.integer(),
  key: maskKey,
  merged: fc.boolean(),
});

/** Cut points for splitting a buffer of any length into chunks. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

function split(buf: Buffer, fractions: number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * buf.length)))].sort(
    (a, b) => a - b,
  );
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

/** Copies each chunk into fresh memory at an offset, so that alignment varies. */
function detach(chunks: Buffer[], lead: number): Buffer[] {
  return chunks.map((c) => {
    const backing = Buffer.alloc(c.length + lead);
    c.copy(backing, lead);
    return backing.subarray(lead);
  });
}

function encodeAll(specs: FrameSpec[]): Buffer {
  return Buffer.concat(
    specs.flatMap((s) => {
      const opts = {
        opcode: s.opcode,
        fin: s.fin,
        rsv1: s.rsv1,
        payload: s.payload,
        maskKey: s.maskKey,
      };
      return s.merged ? [encodeFrameMerged(opts)] : encodeFrame(opts);
    }),
  );
}

describe('properties: frames', () => {
  test('random frames round-trip through encodeFrame and FrameDecoder, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(dataFrame, controlFrame), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        cuts,
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (raw, masked, fractions, lead, feedAhead) => {
          const specs: FrameSpec[] = raw.map((r) => ({
            opcode: r.opcode,
            fin: r.fin,
            rsv1: r.rsv1,
            payload: bytesOf(r.size, r.seed),
            maskKey: masked ? r.key : undefined,
            merged: r.merged,
          }));
          const originals = specs.map((s) => Buffer.from(s.payload));
          const wire = encodeAll(specs);
          specs.forEach((s, i) =>
            assert.deepEqual(s.payload, originals[i], 'encoding left the payload alone'),
          );

          const decoder = new FrameDecoder({ role: masked ? 'server' : 'client', allowRsv1: true });
          const frames: Frame[] = [];
          for (const [i, chunk] of detach(split(wire, fractions), lead).entries()) {
            decoder.feed(chunk);
            // Sometimes feed several chunks before draining.
            if (feedAhead && i % 3 !== 2) continue;
            for (let f = decoder.next(); f !== NEED_DATA; f = decoder.next()) frames.push(f);
          }
          for (let f = decoder.next(); f !== NEED_DATA; f = decoder.next()) frames.push(f);
          assert.equal(decoder.bufferedBytes, 0);
          assert.equal(decoder.pendingHeader(), undefined);
          assert.deepEqual(
            frames.map(plainFrame),
            specs.map((s, i) => ({
              fin: s.fin,
              rsv1: s.rsv1,
              opcode: s.opcode,
              payload: originals[i].toString('hex'),
              masked,
            })),
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

type Message = { type: 'text'; data: string } | { type: 'binary'; data: Buffer };

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }).map((data) => ({ type: 'text' as const, data })),
  fc
    .string({ unit: 'grapheme-ascii', maxLength: 300 })
    .map((data) => ({ type: 'text' as const, data })),
  fc
    .tuple(payloadSize, fc.integer())
    .map(([size, seed]) => ({ type: 'binary' as const, data: bytesOf(size, seed) })),
);

/** A message cut into fragments at random byte positions, with pings between fragments. */
const fragmented = fc.record({
  message,
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
  pings: fc.array(fc.tuple(fc.nat(6), fc.string({ maxLength: 10 })), { maxLength: 3 }),
});

describe('properties: messages', () => {
  test('randomly fragmented messages with pings interleaved reassemble, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fragmented, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        cuts,
        maskKey,
        (messages, masked, fractions, key) => {
          const specs: FrameSpec[] = [];
          const expected: Record<string, unknown>[] = [];
          const frame = (opcode: Opcode, payload: Buffer, fin: boolean): FrameSpec => ({
            opcode,
            fin,
            rsv1: false,
            payload,
            maskKey: masked ? key : undefined,
            merged: payload.length < 200,
          });
          for (const m of messages) {
            const bytes = m.message.type === 'text' ? Buffer.from(m.message.data) : m.message.data;
            const parts = split(bytes, m.cuts);
            parts.forEach((part, i) => {
              const last = i === parts.length - 1;
              const opcode =
                i > 0
                  ? Opcode.CONTINUATION
                  : m.message.type === 'text'
                    ? Opcode.TEXT
                    : Opcode.BINARY;
              specs.push(frame(opcode, part, last));
              for (const [at, text] of m.pings) {
                if (at === i && !last) {
                  specs.push(frame(Opcode.PING, Buffer.from(text), true));
                  expected.push({ type: 'ping', data: Buffer.from(text).toString('hex') });
                }
              }
            });
            expected.push(
              m.message.type === 'text'
                ? { type: 'text', data: m.message.data }
                : { type: 'binary', data: m.message.data.toString('hex') },
            );
          }
          specs.push(frame(Opcode.CLOSE, Buffer.from([0x03, 0xe8, 0x6f, 0x6b]), true));
          expected.push({ type: 'close', code: 1000, reason: 'ok' });
          const wire = encodeAll(specs);
          const role = masked ? 'server' : 'client';

          const whole = new WsReceiver({ role });
          whole.feed(Buffer.from(wire));
          const wholeEvents = drainEvents(whole).map(plainEvent);
          assert.deepEqual(wholeEvents, expected);

          const pieces = new WsReceiver({ role });
          const pieceEvents: Record<string, unknown>[] = [];
          for (const chunk of detach(split(wire, fractions), 1)) {
            pieces.feed(chunk);
            pieceEvents.push(...drainEvents(pieces).map(plainEvent));
          }
          assert.deepEqual(pieceEvents, wholeEvents, 'any split gives the same events');
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  test('byte-by-byte feeding gives the same events as feeding whole', () => {
    fc.assert(
      fc.property(fc.array(fragmented, { minLength: 1, maxLength: 3 }), (messages) => {
        const specs: FrameSpec[] = [];
        for (const m of messages) {
          const bytes =
            m.message.type === 'text'
              ? Buffer.from(m.message.data)
              : m.message.data.subarray(0, 300);
          const parts = split(bytes, m.cuts);
          parts.forEach((part, i) => {
            const opcode =
              i > 0 ? Opcode.CONTINUATION : m.message.type === 'text' ? Opcode.TEXT : Opcode.BINARY;
            specs.push({
              opcode,
              fin: i === parts.length - 1,
              rsv1: false,
              payload: part,
              merged: true,
            });
            if (i === 0 && parts.length > 1) {
              specs.push({
                opcode: Opcode.PONG,
                fin: true,
                rsv1: false,
                payload: Buffer.from('p'),
                merged: false,
              });
            }
          });
        }
        const wire = encodeAll(specs);
        const whole = new WsReceiver({ role: 'client' });
        whole.feed(Buffer.from(wire));
        const expected = drainEvents(whole).map(plainEvent);
        const drip = new WsReceiver({ role: 'client' });
        const got: Record<string, unknown>[] = [];
        for (const byte of wire) {
          drip.feed(Buffer.from([byte]));
          got.push(...drainEvents(drip).map(plainEvent));
        }
        assert.deepEqual(got, expected);
      }),
      { numRuns: Math.ceil(NUM_RUNS / 3) },
    );
  });
});

/** Byte sequences that are invalid, with the index of their first invalid byte. */
const invalidInserts: [number[], number][] = [
  [[0xff], 0],
  [[0xfe], 0],
  [[0xc0, 0x80], 0], // C0 can never lead
  [[0xc1, 0xbf], 0],
  [[0xf5, 0x80, 0x80, 0x80], 0],
  [[0x80], 0], // a continuation byte without a lead
  [[0xbf], 0],
  [[0xe2, 0x41], 1], // a sequence broken by ASCII
  [[0xf0, 0x9f, 0x98, 0x41], 3],
  [[0xe0, 0x80, 0x80], 1], // overlong
  [[0xf0, 0x80, 0x80, 0x80], 1], // overlong
  [[0xed, 0xa0, 0x80], 1], // surrogate
  [[0xf4, 0x90, 0x80, 0x80], 1], // above U+10FFFF
  [[0xc3, 0xc3], 1],
];

/** Pushes a text message fragmented at `parts`; returns the index of the frame that threw, or -1. */
function failingFragment(parts: Buffer[]): number {
  const a = new MessageAssembler();
  for (let i = 0; i < parts.length; i++) {
    const frame: Frame = {
      fin: i === parts.length - 1,
      rsv1: false,
      opcode: i === 0 ? Opcode.TEXT : Opcode.CONTINUATION,
      payload: parts[i],
      masked: false,
    };
    try {
      a.push(frame);
    } catch (err) {
      assert.ok(err instanceof ProtocolError);
      assert.equal(err.closeCode, 1007);
      return i;
    }
  }
  return -1;
}

describe('properties: UTF-8 across fragments', () => {
  test('valid strings split at random byte positions validate and decode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), cuts, (text, fractions) => {
        const parts = split(Buffer.from(text), fractions);
        assert.equal(failingFragment(parts), -1);
        const a = new MessageAssembler();
        let ev;
        parts.forEach((p, i) => {
          ev = a.push({
            fin: i === parts.length - 1,
            rsv1: false,
            opcode: i === 0 ? 1 : 0,
            payload: p,
            masked: false,
          });
        });
        assert.deepEqual(ev, { type: 'text', data: text });
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  test('invalid sequences are rejected at the fragment holding the first invalid byte', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom(...invalidInserts),
        fc.string({ unit: 'binary', maxLength: 30 }),
        cuts,
        (before, [insert, badIndex], after, fractions) => {
          const head = Buffer.from(before);
          const bytes = Buffer.concat([head, Buffer.from(insert), Buffer.from(after)]);
          const bad = head.length + badIndex;
          const parts = split(bytes, fractions);
          // The fragment that holds byte `bad` (empty fragments hold nothing).
          let expected = -1;
          let offset = 0;
          for (let i = 0; i < parts.length; i++) {
            if (bad >= offset && bad < offset + parts[i].length) {
              expected = i;
              break;
            }
            offset += parts[i].length;
          }
          assert.equal(failingFragment(parts), expected);
        },
      ),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  test('a message that stops inside a sequence fails at its last fragment', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom([0xc3], [0xe2], [0xe2, 0x82], [0xf0, 0x9f], [0xf0, 0x9f, 0x98]),
        cuts,
        (before, tail, fractions) => {
          const parts = split(Buffer.concat([Buffer.from(before), Buffer.from(tail)]), fractions);
          assert.equal(failingFragment(parts), parts.length - 1);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
