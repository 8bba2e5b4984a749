import { maskRange } from '../src/proto/ws/views.ts';
const ab = new ArrayBuffer(1 << 16); const out = new Uint8Array(ab); const words = new Int32Array(ab);
const size = Number(process.argv[2] ?? 64);
const src = Buffer.alloc(size, 0x61);
function fused(at: number, k0: number, k1: number, k2: number, k3: number) {
  const n = src.length; let i = 0; const end4 = n & ~3;
  for (; i < end4; i += 4) { out[at + i] = src[i] ^ k0; out[at + i + 1] = src[i + 1] ^ k1; out[at + i + 2] = src[i + 2] ^ k2; out[at + i + 3] = src[i + 3] ^ k3; }
  for (; i < n; i++) out[at + i] = src[i] ^ (i % 4 === 0 ? k0 : i % 4 === 1 ? k1 : k2);
}
function setWords(at: number, k0: number, k1: number, k2: number, k3: number) { out.set(src, at); maskRange(out, 0, words, null, at, at + src.length, k0, k1, k2, k3); }
const N = 5e6;
function t(name: string, fn: typeof fused) { for (let i = 0; i < N / 10; i++) fn((i & 255) * 128, 1, 2, 3, 4); const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) fn((i & 255) * 128, 1, 2, 3, 4); const c = process.cpuUsage(c0); console.log(size, name.padEnd(10), (((c.user + c.system) * 1000) / N).toFixed(1), 'ns'); }
for (let r = 0; r < 3; r++) { t('fused', fused); t('set+words', setWords); }
