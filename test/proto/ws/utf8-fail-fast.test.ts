// Fail-fast UTF-8 inside a frame: a text frame whose invalid byte arrives early fails (1007) in
// the feed that brings that byte, however much of the frame is still to come, within one frame
// and across the fragments of a message; valid text cut anywhere still decodes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NEED_DATA } from '../../../src/proto/need-data.js';
import { ProtocolError } from '../../../src/errors.js';
import { WsReceiver } from '../../../src/proto/ws/receiver.js';
import { encodeFrameMerged } from '../../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../../src/proto/ws/opcodes.js';

const KEY = Buffer.from([0x11, 0x22, 0x33, 0x44]);

function frame(opcode: Opcode, payload: Buffer, fin = true, rsv1 = false): Buffer {
  return Buffer.from(encodeFrameMerged({ opcode, payload, fin, rsv1, maskKey: KEY }));
}

/** Feeds `bytes` cut at `cuts`; returns the index of the piece whose feed raised 1007, or -1. */
function failingPiece(
  r: WsReceiver,
  bytes: Buffer,
  cuts: number[],
): { piece: number; ends: number[] } {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))]
    .filter((c) => c > 0 && c < bytes.length)
    .sort((a, b) => a - b);
  const ends = [...points, bytes.length];
  let from = 0;
  for (let i = 0; i < ends.length; i++) {
    // A copy per piece: the receiver unmasks in place, as it owns what it is fed.
    r.feed(Buffer.from(bytes.subarray(from, ends[i])));
    from = ends[i];
    try {
      while (r.next() !== NEED_DATA);
    } catch (err) {
      assert.ok(err instanceof ProtocolError, String(err));
      assert.equal(err.closeCode, 1007);
      assert.equal(err.code, 'ERR_WS_INVALID_UTF8');
      return { piece: i, ends };
    }
  }
  return { piece: -1, ends };
}

describe('fail-fast UTF-8 inside a frame', () => {
  test('an invalid byte early in a large text frame fails before the frame is whole', () => {
    const r = new WsReceiver({ role: 'server' });
    const payload = Buffer.alloc(100_000, 0x61);
    payload[10] = 0xff;
    const bytes = frame(Opcode.TEXT, payload);
    r.feed(Buffer.from(bytes.subarray(0, 40))); // header + 32 payload bytes, the 0xFF among them
    assert.throws(
      () => r.next(),
      (e: unknown) => e instanceof ProtocolError && e.closeCode === 1007,
    );
  });

  test('a sequence cut by the read boundary waits; its impossible second byte fails at once', () => {
    const r = new WsReceiver({ role: 'server' });
    // "é" is C3 A9; the frame holds "aé" then E0 80 (an overlong, impossible from its 2nd byte).
    const payload = Buffer.concat([
      Buffer.from('aé'),
      Buffer.from([0xe0, 0x80]),
      Buffer.alloc(5000, 0x62),
    ]);
    const bytes = frame(Opcode.TEXT, payload);
    const head = bytes.length - payload.length;
    r.feed(Buffer.from(bytes.subarray(0, head + 2))); // "a" and C3
    assert.equal(r.next(), NEED_DATA);
    r.feed(Buffer.from(bytes.subarray(head + 2, head + 4))); // A9 E0: still possibly valid
    assert.equal(r.next(), NEED_DATA);
    r.feed(Buffer.from(bytes.subarray(head + 4, head + 5))); // 80: E0 80 can never be valid
    assert.throws(
      () => r.next(),
      (e: unknown) => e instanceof ProtocolError && e.closeCode === 1007,
    );
  });

  test('a continuation frame of a text message fails as its bad bytes arrive', () => {
    const r = new WsReceiver({ role: 'server' });
    r.feed(frame(Opcode.TEXT, Buffer.from('hello '), false));
    assert.equal(r.next(), NEED_DATA);
    const cont = Buffer.alloc(3000, 0x63);
    cont[100] = 0xc0; // never valid
    const bytes = frame(Opcode.CONTINUATION, cont);
    r.feed(Buffer.from(bytes.subarray(0, 200)));
    assert.throws(
      () => r.next(),
      (e: unknown) => e instanceof ProtocolError && e.closeCode === 1007,
    );
  });

  test('binary and compressed frames are not judged as text while they arrive', () => {
    const bin = new WsReceiver({ role: 'server' });
    const payload = Buffer.alloc(3000, 0xff);
    const b = frame(Opcode.BINARY, payload);
    bin.feed(Buffer.from(b.subarray(0, 500)));
    assert.equal(bin.next(), NEED_DATA);
    bin.feed(Buffer.from(b.subarray(500)));
    const ev = bin.next();
    assert.ok(ev !== NEED_DATA && ev.type === 'binary' && ev.data.length === 3000);
    const deflated = new WsReceiver({ role: 'server', allowRsv1: true });
    const c = frame(Opcode.TEXT, payload, true, true);
    deflated.feed(Buffer.from(c.subarray(0, 500)));
    assert.equal(deflated.next(), NEED_DATA);
    deflated.feed(Buffer.from(c.subarray(500)));
    const cev = deflated.next();
    assert.ok(cev !== NEED_DATA && cev.type === 'compressed');
  });

  test('property: the error comes from the feed that brings the first invalid byte, never earlier or later', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 400 }),
        fc.nat(),
        fc.constantFrom(0xff, 0xc0, 0xc1, 0xf5, 0x80),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (text, at, bad, cuts, fragmented) => {
          // Insert a byte that can start no valid sequence at a character boundary.
          const chars = [...text];
          const i = at % (chars.length + 1);
          const before = Buffer.from(chars.slice(0, i).join(''));
          const payload = Buffer.concat([
            before,
            Buffer.from([bad]),
            Buffer.from(chars.slice(i).join('')),
          ]);
          let bytes: Buffer;
          let badAt: number;
          if (fragmented) {
            const first = frame(Opcode.TEXT, Buffer.from('start:'), false);
            const cont = frame(Opcode.CONTINUATION, payload);
            bytes = Buffer.concat([first, cont]);
            badAt = first.length + (cont.length - payload.length) + before.length;
          } else {
            bytes = frame(Opcode.TEXT, payload);
            badAt = bytes.length - payload.length + before.length;
          }
          const r = new WsReceiver({ role: 'server' });
          const { piece, ends } = failingPiece(r, bytes, cuts);
          const expected = ends.findIndex((end) => end > badAt);
          assert.equal(piece, expected, `bad byte at ${badAt}, pieces end at ${ends.join(',')}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: valid text cut anywhere decodes to the same string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (text, cuts) => {
          const bytes = frame(Opcode.TEXT, Buffer.from(text));
          const r = new WsReceiver({ role: 'server' });
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          let from = 0;
          const events = [];
          for (const p of [...points, bytes.length]) {
            if (p <= from) continue;
            r.feed(Buffer.from(bytes.subarray(from, p)));
            from = p;
            for (let ev = r.next(); ev !== NEED_DATA; ev = r.next()) events.push(ev);
          }
          assert.deepEqual(events, [{ type: 'text', data: text }]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
