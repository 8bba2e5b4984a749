import crypto from 'node:crypto';
import { Receiver } from 'ws';
import { FrameDecoder } from '../src/proto/ws/frame-decoder.ts';
import { WsReceiver } from '../src/proto/ws/receiver.ts';
import { NEED_DATA } from '../src/proto/need-data.ts';
import { encodeFrameMerged } from '../src/proto/ws/frame-encoder.ts';
const size = Number(process.argv[2] ?? 64);
const which = process.argv[3] ?? 'ours';
const opcode = Number(process.argv[4] ?? 2);
const TOTAL = 64 << 20;
const CHUNK = 1 << 20;
const payload = Buffer.alloc(size, 0x61);
const frames: Buffer[] = [];
let n = 0;
for (let bytes = 0; bytes < TOTAL; n++) { const f = encodeFrameMerged({ opcode: opcode as 1, payload, maskKey: crypto.randomBytes(4) }); frames.push(f); bytes += f.length; }
const stream = Buffer.concat(frames);
function chunks() { const out: Buffer[] = []; for (let o = 0; o < stream.length; o += CHUNK) out.push(Buffer.from(stream.subarray(o, o + CHUNK))); return out; }
function runOurs(cs: Buffer[]) { const d = new FrameDecoder({ role: 'server' }); let c = 0; for (const ch of cs) { d.feed(ch); for (let f = d.next(); f !== NEED_DATA; f = d.next()) c++; } return c; }
function runRecv(cs: Buffer[]) { const d = new WsReceiver({ role: 'server' }); let c = 0; for (const ch of cs) { d.feed(ch); for (let f = d.next(); f !== NEED_DATA; f = d.next()) c++; } return c; }
function runWs(cs: Buffer[]) { const r = new Receiver({ isServer: true, maxPayload: 200 << 20 }); let c = 0; r.on('message', () => c++); for (const ch of cs) r.write(ch); return c; }
const fn = which === 'ours' ? runOurs : which === 'recv' ? runRecv : runWs;
fn(chunks()); fn(chunks());
let best = 0;
for (let r = 0; r < 5; r++) { const cs = chunks(); const t0 = process.hrtime.bigint(); const c = fn(cs); const dt = Number(process.hrtime.bigint() - t0) / 1e9; if (c !== n) throw new Error(`count ${c} != ${n}`); best = Math.max(best, stream.length / dt / 1e6); }
console.log(`${size} ${which.padEnd(5)} ${process.env.WS_NO_BUFFER_UTIL ? '(no bu)' : ''} ${best.toFixed(0)} MB/s  ${(best * 1e6 / (size + 6) / 1e6).toFixed(2)} M frames/s`);
