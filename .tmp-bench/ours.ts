import crypto from 'node:crypto';
import { FrameDecoder } from '/work/main/src/proto/ws/frame-decoder.ts';
import { NEED_DATA } from '/work/main/src/proto/need-data.ts';
const FRAME = 70;
function makeChunk(size: number, opcode = 2) {
  const n = Math.floor(size / FRAME);
  const buf = Buffer.allocUnsafe(n * FRAME);
  for (let i = 0; i < n; i++) {
    const o = i * FRAME;
    buf[o] = 0x80 | opcode; buf[o+1] = 0x80 | 64;
    crypto.randomFillSync(buf, o+2, 4);
    for (let j = 0; j < 64; j++) buf[o+6+j] = (97 + (j % 26)) ^ buf[o+2+(j&3)];
  }
  return [buf, n] as const;
}
const [tmpl] = makeChunk(1 << 20);
const R = 200;
for (let rep = 0; rep < 3; rep++) {
const chunks = Array.from({length: R}, () => Buffer.from(tmpl));
const d = new FrameDecoder({ role: 'server' });
let count = 0, sum = 0;
for (let i = 0; i < 20; i++) { d.feed(Buffer.from(tmpl)); for (let f = d.next(); f !== NEED_DATA; f = d.next()) { count++; } }
count = 0;
const t0 = process.hrtime.bigint();
for (const c of chunks) { d.feed(c); for (let f = d.next(); f !== NEED_DATA; f = d.next()) { count++; sum += f.payload[7]; } }
const dt = Number(process.hrtime.bigint() - t0) / 1e9;
console.log('ours', (count / dt / 1e6).toFixed(2), 'M frames/s', count, sum);
}
