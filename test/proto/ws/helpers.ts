// Shared helpers for the WebSocket framing tests.
import assert from 'node:assert/strict';
import { ProtocolError, UsageError } from '../../../src/errors.js';
import { NEED_DATA } from '../../../src/proto/need-data.js';
import type { Frame, FrameDecoder } from '../../../src/proto/ws/frame-decoder.js';
import type { WsEvent, WsReceiver } from '../../../src/proto/ws/index.js';

/** Bytes from a hex string; spaces are ignored. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** Asserts that `fn` throws a ProtocolError with this close code (and error code, if given). */
export function assertProtocolError(fn: () => unknown, closeCode: number, code?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.closeCode, closeCode, `close code of "${err.message}"`);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}

/** Asserts that `fn` throws a UsageError (with this error code, if given). */
export function assertUsageError(fn: () => unknown, code?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}

/** Every frame the decoder has ready. */
export function drainFrames(decoder: FrameDecoder): Frame[] {
  const out: Frame[] = [];
  for (let f = decoder.next(); f !== NEED_DATA; f = decoder.next()) out.push(f);
  return out;
}

/** Every event the receiver has ready. */
export function drainEvents(receiver: WsReceiver): WsEvent[] {
  const out: WsEvent[] = [];
  for (let ev = receiver.next(); ev !== NEED_DATA; ev = receiver.next()) out.push(ev);
  return out;
}

/** A frame as plain data, for deepEqual (Buffers compared as hex). */
export function plainFrame(f: Frame): {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: string;
  masked: boolean;
} {
  return {
    fin: f.fin,
    rsv1: f.rsv1,
    opcode: f.opcode,
    payload: f.payload.toString('hex'),
    masked: f.masked,
  };
}

/** An event as plain data, for deepEqual (Buffers compared as hex). */
export function plainEvent(ev: WsEvent): Record<string, unknown> {
  switch (ev.type) {
    case 'binary':
    case 'ping':
    case 'pong':
      return { type: ev.type, data: ev.data.toString('hex') };
    case 'compressed':
      return { type: ev.type, opcode: ev.opcode, data: Buffer.concat(ev.data).toString('hex') };
    default:
      return { ...ev };
  }
}

/** Deterministic bytes of a given size (fast-check would be slow building 64 KiB arrays). */
export function bytesOf(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Masks `src` with `key` the slow, obvious way: what every fast masking loop must equal. */
export function maskReference(src: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] ^ key[i & 3];
  return out;
}

/** `size` bytes of a simple pattern that differs with `seed` (cheap for large sizes). */
export function filled(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + seed * 7) & 0xff;
  return b;
}
