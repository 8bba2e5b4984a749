import bu from 'bufferutil';
const size = +(process.argv[2] ?? 16384);
const ab = new ArrayBuffer(size + 64);
const u8 = new Uint8Array(ab), w32 = new Int32Array(ab), b64 = new BigInt64Array(ab);
const buf = Buffer.from(ab, 8, size);
const key = Buffer.from([1,2,3,4]);
function simple(w0, w1, k) { for (let w = w0; w < w1; w++) w32[w] ^= k; }
function unroll4(w0, w1, k) { let w = w0; const e = w1 - 3; for (; w < e; w += 4) { w32[w] ^= k; w32[w+1] ^= k; w32[w+2] ^= k; w32[w+3] ^= k; } for (; w < w1; w++) w32[w] ^= k; }
function unroll8(w0, w1, k) { let w = w0; const e = w1 - 7; for (; w < e; w += 8) { w32[w] ^= k; w32[w+1] ^= k; w32[w+2] ^= k; w32[w+3] ^= k; w32[w+4] ^= k; w32[w+5] ^= k; w32[w+6] ^= k; w32[w+7] ^= k; } for (; w < w1; w++) w32[w] ^= k; }
function big(d0, d1, k) { for (let d = d0; d < d1; d++) b64[d] ^= k; }
function big4(d0, d1, k) { let d = d0; const e = d1 - 3; for (; d < e; d += 4) { b64[d] ^= k; b64[d+1] ^= k; b64[d+2] ^= k; b64[d+3] ^= k; } for (; d < d1; d++) b64[d] ^= k; }
const R = Math.max(20, Math.floor(2e9 / size / 20));
function t(name, fn) { for (let i = 0; i < R/10; i++) fn(); const t0 = process.hrtime.bigint(); for (let i = 0; i < R; i++) fn(); const dt = Number(process.hrtime.bigint() - t0)/1e9; console.log(size, name.padEnd(10), (size*R/dt/1e9).toFixed(2), 'GB/s'); }
const K = 0x04030201, KB = 0x0403020104030201n;
for (let r = 0; r < 2; r++) {
  t('simple', () => simple(2, 2 + size/4, K));
  t('unroll4', () => unroll4(2, 2 + size/4, K));
  t('unroll8', () => unroll8(2, 2 + size/4, K));
  t('bigint', () => big(1, 1 + size/8, KB));
  t('bigint4', () => big4(1, 1 + size/8, KB));
  t('bufferutil', () => bu.unmask(buf, key));
}
