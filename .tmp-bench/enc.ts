import { Sender } from 'ws';
import { randomFillSync } from 'node:crypto';
import { encodeFrame, encodeFrameMerged } from '/work/main/src/proto/ws/frame-encoder.ts';
const size = Number(process.argv[2] ?? 64);
const data = Buffer.alloc(size, 0x61);
const pool = Buffer.alloc(8192); let pp = 8192;
const K = Buffer.from([1,2,3,4]); function key() { return K; }
const N = size > 100000 ? 2000 : size > 10000 ? 50000 : 2_000_000;
function t(name: string, fn: () => unknown) {
  for (let i = 0; i < N / 10; i++) fn();
  const c0 = process.cpuUsage();
  let s = 0;
  for (let i = 0; i < N; i++) { const r = fn() as Buffer[] | Buffer; s += (r as Buffer).length; }
  const c = process.cpuUsage(c0); const dt = (c.user + c.system) / 1e6;
  console.log(size, name.padEnd(24), (N / dt / 1e6).toFixed(3), 'M ops/s', ((N * size) / dt / 1e9).toFixed(2), 'GB/s');
}
for (let r = 0; r < 2; r++) {
  t('ours encodeFrame', () => encodeFrame({ opcode: 2, payload: data, maskKey: key() }));
  t('ours encodeFrameMerged', () => encodeFrameMerged({ opcode: 2, payload: data, maskKey: key() }));
  t('ws frame readOnly', () => Sender.frame(data, { fin: true, mask: true, opcode: 2, readOnly: true, rsv1: false }));
  t('ws frame in place', () => Sender.frame(data, { fin: true, mask: true, opcode: 2, readOnly: false, rsv1: false }));
}
