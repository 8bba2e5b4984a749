import bu from 'bufferutil';
const N = 200000; const n = 16384; const src = Buffer.alloc(n, 1); const key = Buffer.from([1,2,3,4]);
const s64 = new BigInt64Array(src.buffer, 0, src.buffer.byteLength >>> 3);
function fused() {
  const ab = Buffer.allocUnsafeSlow(n).buffer;
  const d64 = new BigInt64Array(ab, 0, n >>> 3);
  const k64 = BigInt.asIntN(64, BigInt(0x04030201) * 0x100000001n);
  const s0 = src.byteOffset >>> 3;
  const m = n >>> 3;
  let j = 0;
  for (; j < m - 7; j += 8) { d64[j] = s64[s0+j] ^ k64; d64[j+1] = s64[s0+j+1] ^ k64; d64[j+2] = s64[s0+j+2] ^ k64; d64[j+3] = s64[s0+j+3] ^ k64; d64[j+4] = s64[s0+j+4] ^ k64; d64[j+5] = s64[s0+j+5] ^ k64; d64[j+6] = s64[s0+j+6] ^ k64; d64[j+7] = s64[s0+j+7] ^ k64; }
  for (; j < m; j++) d64[j] = s64[s0+j] ^ k64;
  return ab;
}
function twoPass() {
  const ab = Buffer.allocUnsafeSlow(n).buffer; new Uint8Array(ab).set(src);
  const d64 = new BigInt64Array(ab, 0, n >>> 3);
  const k64 = BigInt.asIntN(64, BigInt(0x04030201) * 0x100000001n);
  const m = n >>> 3; let j = 0;
  for (; j < m - 7; j += 8) { d64[j] ^= k64; d64[j+1] ^= k64; d64[j+2] ^= k64; d64[j+3] ^= k64; d64[j+4] ^= k64; d64[j+5] ^= k64; d64[j+6] ^= k64; d64[j+7] ^= k64; }
  for (; j < m; j++) d64[j] ^= k64;
  return ab;
}
function wsLike() { const out = Buffer.allocUnsafe(n); bu.mask(src, key, out, 0, n); return out; }
function t(name, fn) { for (let i = 0; i < N/10; i++) fn(); const t0 = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(); console.log(name.padEnd(30), (Number(process.hrtime.bigint() - t0) / N).toFixed(0), 'ns'); }
for (let r = 0; r < 3; r++) { t('fused', fused); t('twoPass', twoPass); t('ws bufferutil', wsLike); }
