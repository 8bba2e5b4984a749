import bu from 'bufferutil';
import { maskRange } from '../src/proto/ws/mask-words.ts';
const size = Number(process.argv[2] ?? 16384);
const ab = new ArrayBuffer(size + 64);
const buf = Buffer.from(ab, 8, size);
const w = new Int32Array(ab), l = new BigInt64Array(ab);
const key = Buffer.from([1, 2, 3, 4]);
const R = Math.max(20, Math.floor(4e9 / size / 20));
function t(name: string, fn: () => void) { for (let i = 0; i < R / 10; i++) fn(); const t0 = process.hrtime.bigint(); for (let i = 0; i < R; i++) fn(); const dt = Number(process.hrtime.bigint() - t0) / 1e9; console.log(size, name.padEnd(10), ((size * R) / dt / 1e9).toFixed(2), 'GB/s'); }
for (let r = 0; r < 2; r++) {
  t('maskRange', () => maskRange(buf, 8, w, l, 0, size, 1, 2, 3, 4));
  t('words only', () => maskRange(buf, 8, w, null, 0, size, 1, 2, 3, 4));
  t('bufferutil', () => bu.unmask(buf, key));
}
