// Test certificates, made once per test process: a self-signed certificate for "localhost"
// and 127.0.0.1 that clients trust by passing it as their CA.
import selfsigned from 'selfsigned';

export interface TestCert {
  cert: string;
  key: string;
}

let pending: Promise<TestCert> | undefined;

export function testCert(): Promise<TestCert> {
  pending ??= selfsigned
    .generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    })
    .then((p) => ({ cert: p.cert, key: p.private }));
  return pending;
}
