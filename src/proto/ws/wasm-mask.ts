/**
 * Masking of large payloads with WebAssembly SIMD (internal, not exported from the package).
 *
 * A JS loop XORs at most 8 bytes per step (BigInt64Array, ~6–9 GB/s); a 16-byte `v128.xor` loop
 * runs at memory speed (~30 GB/s). WebAssembly can only touch its own memory, so payloads go
 * through a 64 KiB scratch page in blocks: copy in, XOR, copy out (two native memcpys of
 * cache-resident blocks). Measured on Node 20: 2–3× faster than the 64-bit JS loop from about
 * 1 KiB up, which is what brings encode+mask and unmasking of large frames near the native
 * `bufferutil`.
 *
 * Socket reads of the server land in the module's second page (src/io/lent-reads.ts), where a
 * WebSocket payload's part is unmasked in place and copied out once ({@link wasmUnmaskCopy}).
 *
 * The module is 120 bytes, assembled by hand (below) and compiled synchronously at load. Where
 * WebAssembly or SIMD is unavailable (`--jitless`, old engines), {@link wasmMaskCopy} is null
 * and callers keep their JS loops.
 */
import { Buffer } from 'node:buffer';

/** The slice of the WebAssembly API used here (not in the ES lib typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: object,
  ) => {
    exports: { x: (ptr: number, len: number, key: number) => void; m: { buffer: ArrayBuffer } };
  };
}

/**
 * `(module (memory (export "m") 2) (func (export "x") (param $p i32) (param $n i32) (param $k i32)
 *   (local $kv v128) (local $end i32)
 *   kv = i32x4.splat(k); end = p + n;
 *   loop: if p >= end break; 4 × { v128.store(p + 16i, v128.load(p + 16i) ^ kv) }; p += 64 }`
 * `$n` must be a multiple of 64 and `[p, p + n)` inside the page.
 */
// prettier-ignore
const MODULE_BYTES = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, // magic, version 1
  1, 7, 1, 96, 3, 127, 127, 127, 0, // type section: (i32 i32 i32) -> ()
  3, 2, 1, 0, // function section: one function of type 0
  5, 3, 1, 0, 2, // memory section: one memory, 2 pages (scratch, reads), no maximum
  7, 9, 2, 1, 120, 0, 0, 1, 109, 2, 0, // exports: "x" = func 0, "m" = memory 0
  10, 108, 1, 106, 2, 1, 123, 1, 127, // code: one body of 106 bytes; locals v128, i32
  32, 2, 253, 17, 33, 3, // kv = i32x4.splat(k)
  32, 0, 32, 1, 106, 33, 4, // end = p + n
  2, 64, 3, 64, // block, loop
  32, 0, 32, 4, 79, 13, 1, // br_if (p >= end) out of the block
  32, 0, 32, 0, 253, 0, 4, 0, 32, 3, 253, 81, 253, 11, 4, 0, // [p] ^= kv
  32, 0, 32, 0, 253, 0, 4, 16, 32, 3, 253, 81, 253, 11, 4, 16, // [p + 16] ^= kv
  32, 0, 32, 0, 253, 0, 4, 32, 32, 3, 253, 81, 253, 11, 4, 32, // [p + 32] ^= kv
  32, 0, 32, 0, 253, 0, 4, 48, 32, 3, 253, 81, 253, 11, 4, 48, // [p + 48] ^= kv
  32, 0, 65, 192, 0, 106, 33, 0, // p += 64
  12, 0, 11, 11, 11, // br loop; end loop, block, function
]);

/** Bytes per block: the whole scratch page. */
const BLOCK = 65536;

interface XorPage {
  /** XORs `[ptr, ptr + len)` of the page with the 32-bit key, 64 bytes per step. */
  x: (ptr: number, len: number, key: number) => void;
  /** The page; the memory never grows, so this view stays valid. */
  mem: Uint8Array;
}

function instantiate(): XorPage | null {
  try {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) return null;
    const { exports } = new api.Instance(new api.Module(MODULE_BYTES), {});
    const mem = new Uint8Array(exports.m.buffer, 0, BLOCK);
    if (exports.m.buffer.byteLength < 2 * BLOCK) return null;
    return { x: exports.x, mem };
  } catch {
    // No WebAssembly, or no SIMD: the callers' JS loops remain.
    return null;
  }
}

const page = instantiate();

/**
 * The module's second page, lent to socket reads (src/io/lent-reads.ts): a read that lands here
 * is unmasked where it lies ({@link wasmUnmaskCopy}), one copy fewer than through the scratch
 * page. Null without WebAssembly SIMD.
 */
export const wasmReadPage: Buffer | null =
  page === null ? null : Buffer.from(page.mem.buffer, BLOCK, BLOCK);

/**
 * Writes `src[srcStart, srcStart + n)` XOR the key `k0 k1 k2 k3` (key phase 0 at `srcStart`) to
 * `dst` at `dstStart`. `src` and `dst` may be the same memory at the same place (unmasking in
 * place); other overlaps are not allowed.
 */
function maskCopySimd(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  n: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  const { x, mem } = page as XorPage;
  // WebAssembly memory is little-endian whatever the host: byte k0 first.
  const key = k0 | (k1 << 8) | (k2 << 16) | (k3 << 24);
  // Blocks are multiples of 4 bytes long, so every block starts at key phase 0.
  for (let done = 0; done < n; done += BLOCK) {
    const take = n - done < BLOCK ? n - done : BLOCK;
    // Plain Uint8Array views: cheaper to make than Buffer#subarray (which goes through species).
    mem.set(new Uint8Array(src.buffer, src.byteOffset + srcStart + done, take), 0);
    // The bytes past `take` up to the next multiple of 64 are scratch garbage, never copied out.
    x(0, (take + 63) & ~63, key);
    dst.set(take === BLOCK ? mem : new Uint8Array(mem.buffer, 0, take), dstStart + done);
  }
}

/**
 * {@link maskCopySimd} for a decoder whose source bytes are consumed by the call: when they lie
 * in {@link wasmReadPage} they are unmasked there (whole 64-byte steps by WebAssembly, the tail
 * in JS) and copied out once. Elsewhere as {@link maskCopySimd}.
 */
function unmaskCopySimd(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  n: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  const { x, mem } = page as XorPage;
  if (src.buffer !== mem.buffer) {
    maskCopySimd(src, srcStart, dst, dstStart, n, k0, k1, k2, k3);
    return;
  }
  const at = src.byteOffset + srcStart;
  const whole = n & ~63;
  x(at, whole, k0 | (k1 << 8) | (k2 << 16) | (k3 << 24));
  const all = new Uint8Array(mem.buffer);
  for (let i = whole; i < n; i += 4) {
    all[at + i] ^= k0;
    if (i + 1 < n) all[at + i + 1] ^= k1;
    if (i + 2 < n) all[at + i + 2] ^= k2;
    if (i + 3 < n) all[at + i + 3] ^= k3;
  }
  if (dst.buffer !== mem.buffer || dst.byteOffset + dstStart !== at) {
    dst.set(new Uint8Array(mem.buffer, at, n), dstStart);
  }
}

/**
 * {@link unmaskCopySimd} when WebAssembly SIMD is available, else null (same sizes as
 * {@link wasmMaskCopy}).
 */
export const wasmUnmaskCopy: typeof unmaskCopySimd | null = page === null ? null : unmaskCopySimd;

/**
 * {@link maskCopySimd} when WebAssembly SIMD is available, else null. For payloads of at least
 * {@link WASM_MASK_MIN} bytes ({@link WASM_INPLACE_MASK_MIN} in place).
 */
export const wasmMaskCopy: typeof maskCopySimd | null = page === null ? null : maskCopySimd;

/** From this many bytes on, {@link wasmMaskCopy} beats copying and then masking in JS. */
export const WASM_MASK_MIN = 1024;

/**
 * From this many bytes on, {@link wasmMaskCopy} in place (two copies and the XOR) beats the
 * 64-bit JS loop in place (measured: 0.9× at 4 KiB, 1.1× at 8 KiB and above).
 */
export const WASM_INPLACE_MASK_MIN = 8192;
