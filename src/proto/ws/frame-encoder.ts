/**
 * RFC 6455 §5.2 frame encoding: pure functions from a payload to the bytes of one frame.
 *
 * Encoders return bytes once: the result of {@link encodeFrame} or {@link encodeFrameMerged}
 * for an unmasked frame (what a server sends) depends on nothing but its arguments and is never
 * mutated afterwards, so a broadcast encodes (and compresses) a message once and writes the same
 * buffers to every socket. Client frames are masked with a fresh key each, so they are encoded
 * per connection. Mask keys are passed in: randomness lives in `io/`, not here.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../../errors.js';
import { isZeroKey } from '../bytes/mask.js';
import { FastBuffer, maskCopyLong, maskRange } from './views.js';
import { WASM_MASK_MIN, wasmMaskCopy } from './wasm-mask.js';
import { isKnownOpcode, type Opcode } from './opcodes.js';

/** Largest payload a control frame may carry (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD_BYTES = 125;

/** What {@link encodeFrameHeader} needs: everything about a frame but its payload bytes. */
export interface FrameHeaderOptions {
  opcode: Opcode;
  /** Last frame of its message. Default true; control frames must keep it. */
  fin?: boolean;
  /** RSV1: set on the first frame of a permessage-deflate compressed message only. */
  rsv1?: boolean;
  payloadLength: number;
  /** 4-byte masking key: required on client frames, absent on server frames. */
  maskKey?: Uint8Array;
}

/** What {@link encodeFrame} needs. */
export interface EncodeFrameOptions {
  opcode: Opcode;
  /** Last frame of its message. Default true; control frames must keep it. */
  fin?: boolean;
  /** RSV1: set on the first frame of a permessage-deflate compressed message only. */
  rsv1?: boolean;
  payload: Uint8Array;
  /**
   * 4-byte masking key: required on client frames, absent on server frames. It is read during
   * the call only, so one 4-byte buffer refilled from a random pool before each frame will do
   * (cheaper than a fresh view per frame).
   */
  maskKey?: Uint8Array;
}

function usage(message: string, code: string): never {
  throw new UsageError(message, { code });
}

/**
 * Checks the options that do not depend on the payload's bytes and returns the header's length.
 * `length` is trusted to be a safe non-negative integer (callers check it when it is not a
 * `.length`).
 */
function checkAndMeasure(
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  length: number,
  maskKey: Uint8Array | undefined,
): number {
  // Data frames (0–2) pass with two comparisons; everything else takes the long way.
  if (opcode > 2 || opcode < 0 || (rsv1 && opcode === 0)) checkUnusual(opcode, fin, rsv1, length);
  if (maskKey !== undefined && maskKey.length !== 4) {
    usage(`A masking key has 4 bytes, not ${maskKey.length}`, 'ERR_WS_INVALID_MASK_KEY');
  }
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (maskKey === undefined ? 0 : 4);
}

function checkUnusual(opcode: number, fin: boolean, rsv1: boolean, length: number): void {
  if (!isKnownOpcode(opcode)) {
    usage(`Opcode ${opcode} is not defined by RFC 6455`, 'ERR_WS_INVALID_OPCODE');
  }
  if (opcode >= 0x8) {
    if (!fin) usage('Control frames cannot be fragmented', 'ERR_WS_FRAGMENTED_CONTROL_FRAME');
    if (length > MAX_CONTROL_PAYLOAD_BYTES) {
      usage(
        `Control frame payload of ${length} bytes exceeds ${MAX_CONTROL_PAYLOAD_BYTES}`,
        'ERR_WS_CONTROL_FRAME_TOO_LONG',
      );
    }
  }
  if (rsv1 && (opcode === 0x0 || opcode >= 0x8)) {
    usage('RSV1 may only be set on the first frame of a data message', 'ERR_WS_UNEXPECTED_RSV_1');
  }
}

/** Writes the header at `out[at..]`; `out` has room for it. */
function writeHeader(
  out: Uint8Array,
  at: number,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  length: number,
  maskKey: Uint8Array | undefined,
): void {
  out[at] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = maskKey === undefined ? 0 : 0x80;
  if (length < 126) {
    out[at + 1] = maskBit | length;
    at += 2;
  } else if (length < 0x10000) {
    out[at + 1] = maskBit | 126;
    out[at + 2] = length >>> 8;
    out[at + 3] = length & 0xff;
    at += 4;
  } else {
    out[at + 1] = maskBit | 127;
    const hi = Math.floor(length / 0x100000000);
    const lo = length >>> 0;
    out[at + 2] = hi >>> 24;
    out[at + 3] = (hi >>> 16) & 0xff;
    out[at + 4] = (hi >>> 8) & 0xff;
    out[at + 5] = hi & 0xff;
    out[at + 6] = lo >>> 24;
    out[at + 7] = (lo >>> 16) & 0xff;
    out[at + 8] = (lo >>> 8) & 0xff;
    out[at + 9] = lo & 0xff;
    at += 10;
  }
  if (maskKey !== undefined) {
    out[at] = maskKey[0];
    out[at + 1] = maskKey[1];
    out[at + 2] = maskKey[2];
    out[at + 3] = maskKey[3];
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

//
// Small frames are cut from a slab of our own, as Node cuts small Buffers from its pool, but
// with two things Node's pool cannot give: the payload placed at a 4-aligned offset, and a
// persistent Int32Array over the slab, so masking runs a word at a time with no view made per
// frame. A slab is only ever handed out forward, never reused, so frames never share bytes; a
// frame kept alive keeps its (16 KiB) slab alive, as a pooled Buffer keeps Node's pool.
//

const SLAB_BYTES = 16 * 1024;
/** Frames (header + payload) up to this size come from the slab; larger ones get their own memory. */
const SLAB_MAX_FRAME = 2048;
/** Below this many payload bytes one fused copy-and-mask loop beats `set` plus the word loop. */
const FUSED_MASK_MAX = 32;

let slab: ArrayBufferLike = new ArrayBuffer(0);
let slabBytes = new Uint8Array(slab);
let slabWords = new Int32Array(slab);
let slabUsed = 0;

/**
 * Reserves `frameSize` bytes of the slab, placed so that the payload (after `headerSize` header
 * bytes) starts 4-aligned, and returns where the frame starts.
 */
function slabTake(frameSize: number, headerSize: number): number {
  let start = slabUsed + ((4 - ((slabUsed + headerSize) & 3)) & 3);
  if (start + frameSize > slab.byteLength) {
    newSlab();
    start = (4 - (headerSize & 3)) & 3;
  }
  slabUsed = start + frameSize;
  return start;
}

/**
 * Reserves `frameSize` bytes of the slab right after the last frame, unaligned (nothing to
 * unmask): frames encoded one after the other are then adjacent, and a writer may send them as
 * one view.
 */
function slabTakeUnaligned(frameSize: number): number {
  let start = slabUsed;
  if (start + frameSize > slab.byteLength) {
    newSlab();
    start = 0;
  }
  slabUsed = start + frameSize;
  return start;
}

function newSlab(): void {
  slab = Buffer.allocUnsafeSlow(SLAB_BYTES).buffer;
  slabBytes = new Uint8Array(slab);
  slabWords = new Int32Array(slab);
}

// Masked frames of medium size are cut, the same way, from a larger pool: making an ArrayBuffer
// of its own costs a masked 16 KiB frame more than masking it. A frame kept alive keeps its
// pool (256 KiB) alive; client frames are written and dropped, so pools are short-lived.
const MEDIUM_POOL_BYTES = 256 * 1024;
const MEDIUM_MAX_FRAME = 32 * 1024;
let medium: ArrayBufferLike = new ArrayBuffer(0);
let mediumUsed = 0;

/** `size` bytes of the medium pool, 8-aligned. */
function mediumTake(size: number): Buffer {
  if (mediumUsed + size > medium.byteLength) {
    medium = Buffer.allocUnsafeSlow(MEDIUM_POOL_BYTES).buffer;
    mediumUsed = 0;
  }
  const out = new FastBuffer(medium, mediumUsed, size);
  mediumUsed += (size + 7) & ~7;
  return out;
}

/** Writes `src` masked with `key` into the slab at the 4-aligned offset `at`. */
function maskIntoSlab(src: Uint8Array, key: Uint8Array, at: number): void {
  const n = src.length;
  const k0 = key[0];
  const k1 = key[1];
  const k2 = key[2];
  const k3 = key[3];
  const out = slabBytes;
  if (n < FUSED_MASK_MAX) {
    let i = 0;
    const end4 = n & ~3;
    for (; i < end4; i += 4) {
      out[at + i] = src[i] ^ k0;
      out[at + i + 1] = src[i + 1] ^ k1;
      out[at + i + 2] = src[i + 2] ^ k2;
      out[at + i + 3] = src[i + 3] ^ k3;
    }
    if (i < n) out[at + i] = src[i++] ^ k0;
    if (i < n) out[at + i] = src[i++] ^ k1;
    if (i < n) out[at + i] = src[i] ^ k2;
    return;
  }
  out.set(src, at);
  maskRange(out, 0, slabWords, null, at, at + n, k0, k1, k2, k3);
}

/**
 * Masks a large payload into fresh memory of its own: with WebAssembly SIMD when available,
 * else placed at an offset congruent to the payload's own offset modulo 8 so that one 64-bit
 * pass both copies and masks. `headerSize`
 * bytes are left before the payload for a header. Returns the memory and where the frame (the
 * header, then the payload) starts in it.
 */
function maskedCopy(payload: Uint8Array, key: Uint8Array, headerSize: number): [Buffer, number] {
  const n = payload.length;
  if (wasmMaskCopy !== null && n >= WASM_MASK_MIN) {
    // SIMD through a scratch page: no alignment to arrange, ~2–3× the 64-bit JS loop.
    const size = headerSize + n;
    const out = size <= MEDIUM_MAX_FRAME ? mediumTake(size) : Buffer.allocUnsafeSlow(size);
    wasmMaskCopy(payload, 0, out, headerSize, n, key[0], key[1], key[2], key[3]);
    return [out, 0];
  }
  const lead = (payload.byteOffset - headerSize) & 7;
  const at = lead + headerSize;
  const out = Buffer.allocUnsafeSlow(at + n);
  maskCopyLong(payload, out.buffer, out, at, key[0], key[1], key[2], key[3]);
  return [out, lead];
}

/**
 * Encodes a frame header alone (2–14 bytes), for callers that write the payload themselves.
 * Throws {@link UsageError} for an unknown opcode, a fragmented or >125-byte control frame,
 * RSV1 on a continuation or control frame, or a mask key that is not 4 bytes.
 *
 * @example
 * ```ts
 * encodeFrameHeader({ opcode: Opcode.BINARY, payloadLength: 256 }); // <82 7e 01 00>
 * ```
 */
export function encodeFrameHeader(opts: FrameHeaderOptions): Buffer {
  const fin = opts.fin ?? true;
  const rsv1 = opts.rsv1 ?? false;
  const length = opts.payloadLength;
  if (!Number.isSafeInteger(length) || length < 0) {
    usage(`Invalid payload length ${length}`, 'ERR_WS_INVALID_PAYLOAD_LENGTH');
  }
  const size = checkAndMeasure(opts.opcode, fin, rsv1, length, opts.maskKey);
  const start = slabTake(size, 0);
  writeHeader(slabBytes, start, opts.opcode, fin, rsv1, length, opts.maskKey);
  return new FastBuffer(slab, start, size);
}

/**
 * Encodes one frame as `[header, payload]`, two buffers to write back to back (with `cork`, or
 * as one `writev`). Without a mask key the payload is returned as it was given (a `Buffer` view
 * of it, no copy): the pair can then be written to any number of sockets, which is how a
 * broadcast is encoded once. With a mask key the payload is masked into a fresh buffer; the
 * caller's bytes are never changed.
 *
 * @example
 * ```ts
 * const [header, payload] = encodeFrame({ opcode: Opcode.TEXT, payload: Buffer.from('Hello') });
 * for (const socket of subscribers) { socket.cork(); socket.write(header); socket.write(payload); socket.uncork(); }
 * ```
 */
export function encodeFrame(opts: EncodeFrameOptions): [header: Buffer, payload: Buffer] {
  const fin = opts.fin ?? true;
  const rsv1 = opts.rsv1 ?? false;
  const opcode = opts.opcode;
  const payload = opts.payload;
  const maskKey = opts.maskKey;
  const n = payload.length;
  const size = checkAndMeasure(opcode, fin, rsv1, n, maskKey);
  if (maskKey === undefined || n === 0 || isZeroKey(maskKey)) {
    const start = slabTake(size, 0);
    writeHeader(slabBytes, start, opcode, fin, rsv1, n, maskKey);
    return [new FastBuffer(slab, start, size), asBuffer(payload)];
  }
  if (size + n <= SLAB_MAX_FRAME) {
    // Header and masked payload side by side in the slab: two views, one reservation.
    const start = slabTake(size + n, size);
    writeHeader(slabBytes, start, opcode, fin, rsv1, n, maskKey);
    maskIntoSlab(payload, maskKey, start + size);
    return [new FastBuffer(slab, start, size), new FastBuffer(slab, start + size, n)];
  }
  const start = slabTake(size, 0);
  writeHeader(slabBytes, start, opcode, fin, rsv1, n, maskKey);
  const [out, lead] = maskedCopy(payload, maskKey, 0);
  return [new FastBuffer(slab, start, size), lead === 0 ? out : out.subarray(lead)];
}

/**
 * Encodes one frame into a single buffer, header then payload (masked when a key is given).
 * Copies the payload, so use it for small frames, where one write beats two; large frames go
 * through {@link encodeFrame}. Like {@link encodeFrame}, an unmasked result can be written to
 * many sockets.
 *
 * @example
 * ```ts
 * encodeFrameMerged({ opcode: Opcode.PING, payload: Buffer.from('Hello') }); // <89 05 48 65 6c 6c 6f>
 * ```
 */
export function encodeFrameMerged(opts: EncodeFrameOptions): Buffer {
  const fin = opts.fin ?? true;
  const rsv1 = opts.rsv1 ?? false;
  const opcode = opts.opcode;
  const payload = opts.payload;
  const maskKey = opts.maskKey;
  const n = payload.length;
  const size = checkAndMeasure(opcode, fin, rsv1, n, maskKey);
  if (size + n <= SLAB_MAX_FRAME) {
    if (maskKey === undefined) {
      // Unmasked frames follow each other in the slab (see slabTakeUnaligned).
      const start = slabTakeUnaligned(size + n);
      writeHeader(slabBytes, start, opcode, fin, rsv1, n, maskKey);
      slabBytes.set(payload, start + size);
      return new FastBuffer(slab, start, size + n);
    }
    const start = slabTake(size + n, size);
    writeHeader(slabBytes, start, opcode, fin, rsv1, n, maskKey);
    maskIntoSlab(payload, maskKey, start + size);
    return new FastBuffer(slab, start, size + n);
  }
  if (maskKey === undefined) {
    const out = Buffer.allocUnsafe(size + n);
    writeHeader(out, 0, opcode, fin, rsv1, n, maskKey);
    out.set(payload, size);
    return out;
  }
  const [out, lead] = maskedCopy(payload, maskKey, size);
  writeHeader(out, lead, opcode, fin, rsv1, n, maskKey);
  return lead === 0 ? out : out.subarray(lead);
}
