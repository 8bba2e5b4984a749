/**
 * WebSocket frame benchmarks: parse+unmask of masked client frames arriving in 64 KiB socket
 * reads, and encode+mask of client frames, for 64 B, 16 KiB and 1 MiB payloads. Ours is the
 * full receiver (frames and messages) against ws's Receiver, and encodeFrame against
 * Sender.frame.
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type { BenchCaseFactory } from '../harness.js';
import { WsReceiver } from '../../src/proto/ws/receiver.js';
import { encodeFrame } from '../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import { NEED_DATA } from '../../src/proto/need-data.js';
import { nextMaskKey } from '../../src/io/mask-keys.js';

const require = createRequire(import.meta.url);

/** The parts of ws's internals we benchmark against (not in @types/ws). */
interface WsInternals {
  Receiver: new (options: object) => {
    on(event: 'message', fn: () => void): void;
    write(chunk: Buffer): void;
  };
  Sender: { frame(data: Buffer, options: object): Buffer[] };
}

const SIZES = { '64': 64, '16k': 16 * 1024, '1m': 1024 * 1024 } as const;
type SizeKey = keyof typeof SIZES;
/** Bytes per batch: enough frames that per-batch overhead vanishes. */
const BATCH_BYTES = 4 * 1024 * 1024;
const READ_BYTES = 64 * 1024;

/** A stream of masked binary frames, cut into socket-sized reads. */
function maskedStream(size: number): { chunks: Buffer[]; frames: number } {
  const frames = Math.max(2, Math.floor(BATCH_BYTES / size));
  const payload = randomFillSync(Buffer.alloc(size));
  const parts: Buffer[] = [];
  for (let i = 0; i < frames; i++) {
    const [h, p] = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: nextMaskKey() });
    parts.push(Buffer.from(h), Buffer.from(p));
  }
  const all = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  for (let off = 0; off < all.length; off += READ_BYTES)
    chunks.push(all.subarray(off, off + READ_BYTES));
  return { chunks, frames };
}

function parseOurs(size: number): BenchCaseFactory {
  return () => {
    const { chunks, frames } = maskedStream(size);
    const rx = new WsReceiver({ role: 'server' });
    return () => {
      let n = 0;
      for (const c of chunks) {
        rx.feed(c);
        for (let ev = rx.next(); ev !== NEED_DATA; ev = rx.next()) n++;
      }
      if (n !== frames) throw new Error(`parsed ${n} of ${frames}`);
      return { ops: n, bytes: n * size };
    };
  };
}

function parseWs(size: number): BenchCaseFactory {
  return () => {
    const { Receiver } = require('ws') as WsInternals;
    const { chunks, frames } = maskedStream(size);
    let n = 0;
    const rx = new Receiver({ isServer: true, maxPayload: 0, binaryType: 'nodebuffer' });
    rx.on('message', () => n++);
    return () => {
      n = 0;
      for (const c of chunks) rx.write(c);
      if (n !== frames) throw new Error(`parsed ${n} of ${frames}`);
      return { ops: n, bytes: n * size };
    };
  };
}

function encodeOurs(size: number): BenchCaseFactory {
  return () => {
    const payload = randomFillSync(Buffer.alloc(size));
    const frames = Math.max(2, Math.floor(BATCH_BYTES / size / 4));
    return () => {
      for (let i = 0; i < frames; i++)
        encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: nextMaskKey() });
      return { ops: frames, bytes: frames * size };
    };
  };
}

function encodeWs(size: number): BenchCaseFactory {
  return () => {
    const { Sender } = require('ws') as WsInternals;
    const frame = Sender.frame.bind(Sender);
    const payload = randomFillSync(Buffer.alloc(size));
    const frames = Math.max(2, Math.floor(BATCH_BYTES / size / 4));
    const opts = { fin: true, rsv1: false, opcode: 2, mask: true, readOnly: true };
    return () => {
      for (let i = 0; i < frames; i++) frame(payload, opts);
      return { ops: frames, bytes: frames * size };
    };
  };
}

export const frameCases: Record<string, BenchCaseFactory> = {};
for (const key of Object.keys(SIZES) as SizeKey[]) {
  frameCases[`parse-ours-${key}`] = parseOurs(SIZES[key]);
  frameCases[`parse-ws-${key}`] = parseWs(SIZES[key]);
  frameCases[`encode-ours-${key}`] = encodeOurs(SIZES[key]);
  frameCases[`encode-ws-${key}`] = encodeWs(SIZES[key]);
}
