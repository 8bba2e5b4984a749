const N = 200000; const n = 16384; const src = Buffer.alloc(n, 1);
function t(name, fn) { for (let i = 0; i < N/10; i++) fn(); const t0 = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(); console.log(name.padEnd(30), (Number(process.hrtime.bigint() - t0) / N).toFixed(0), 'ns'); }
for (let r = 0; r < 2; r++) {
t('allocUnsafe', () => Buffer.allocUnsafe(n));
t('allocUnsafeSlow', () => Buffer.allocUnsafeSlow(n));
t('new ArrayBuffer', () => new ArrayBuffer(n));
t('allocUnsafeSlow+set', () => Buffer.allocUnsafeSlow(n).set(src));
t('allocUnsafeSlow+views', () => { const ab = Buffer.allocUnsafeSlow(n).buffer; new Int32Array(ab, 0, n >>> 2); new BigInt64Array(ab, 0, n >>> 3); });
t('bigint key', () => BigInt.asIntN(64, BigInt((Math.random() * 1e9) >>> 0) * 0x100000001n));
}
