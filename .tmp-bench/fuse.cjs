const FastBuffer = Buffer[Symbol.species];
const SLAB = 16384;
let ab = new ArrayBuffer(SLAB), u8 = new Uint8Array(ab), w32 = new Int32Array(ab), used = 0;
function take(n) { if (used + n > SLAB) { ab = new ArrayBuffer(SLAB); u8 = new Uint8Array(ab); w32 = new Int32Array(ab); used = 0; } const o = used; used = (used + n + 7) & ~7; return o; }
function encA(src, key) { // fused byte loop
  const n = src.length; const o = take(n + 8); const p = o + 8; // payload at aligned p; header at p-6
  const h = p - 6;
  u8[h] = 0x82; u8[h+1] = 0x80 | n; u8[h+2] = key[0]; u8[h+3] = key[1]; u8[h+4] = key[2]; u8[h+5] = key[3];
  const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
  let i = 0; const e4 = n & ~3;
  for (; i < e4; i += 4) { u8[p+i] = src[i] ^ k0; u8[p+i+1] = src[i+1] ^ k1; u8[p+i+2] = src[i+2] ^ k2; u8[p+i+3] = src[i+3] ^ k3; }
  for (; i < n; i++) u8[p+i] = src[i] ^ key[i & 3];
  return new FastBuffer(ab, h, n + 6);
}
const LE = true;
function encB(src, key) { // set + words
  const n = src.length; const o = take(n + 8); const p = o + 8; const h = p - 6;
  u8[h] = 0x82; u8[h+1] = 0x80 | n; u8[h+2] = key[0]; u8[h+3] = key[1]; u8[h+4] = key[2]; u8[h+5] = key[3];
  u8.set(src, p);
  const k32 = key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24);
  const w0 = p >>> 2, w1 = w0 + (n >>> 2);
  for (let w = w0; w < w1; w++) w32[w] ^= k32;
  for (let i = (n & ~3); i < n; i++) u8[p+i] ^= key[i & 3];
  return new FastBuffer(ab, h, n + 6);
}
const size = +(process.argv[2] ?? 64);
const data = Buffer.alloc(size, 0x61);
const keys = Buffer.alloc(4096); require('crypto').randomFillSync(keys);
const N = 3e6;
function t(name, fn) { let s = 0; for (let i = 0; i < N/10; i++) s += fn(data, keys.subarray(0,4)).length; const t0 = process.hrtime.bigint(); for (let i = 0; i < N; i++) { s += fn(data, keys).length; } const dt = Number(process.hrtime.bigint() - t0) / 1e9; console.log(size, name, (N/dt/1e6).toFixed(2), 'M/s'); }
for (let r = 0; r < 2; r++) { t('fused', encA); t('set+words', encB); }
