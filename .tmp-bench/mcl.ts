import bu from 'bufferutil';
import { maskCopyLong } from '../src/proto/ws/mask-words.ts';
import { encodeFrame } from '../src/proto/ws/frame-encoder.ts';
const N = 200000; const n = 16384; const src = Buffer.alloc(n, 1); const key = Buffer.from([1,2,3,4]);
function t(name: string, fn: () => unknown) { for (let i = 0; i < N/10; i++) fn(); const t0 = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(); console.log(name.padEnd(30), (Number(process.hrtime.bigint() - t0) / N).toFixed(0), 'ns'); }
for (let r = 0; r < 3; r++) {
  t('maskCopyLong', () => { const out = Buffer.allocUnsafeSlow(n); maskCopyLong(src, out.buffer, out, 0, 1, 2, 3, 4); return out; });
  t('encodeFrame', () => encodeFrame({ opcode: 2, payload: src, maskKey: key }));
  t('ws bufferutil', () => { const out = Buffer.allocUnsafe(n); bu.mask(src, key, out, 0, n); return out; });
}
