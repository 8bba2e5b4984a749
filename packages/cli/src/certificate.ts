/**
 * The self-signed certificate `connchan serve` uses for HTTPS when none is given: made on first
 * start and kept in the data directory, so browsers can be told to trust it once.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface CertificateFiles {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
  created: boolean;
}

export async function ensureSelfSignedCertificate(
  dataDir: string,
  hostnames: string[],
): Promise<CertificateFiles> {
  const certPath = join(dataDir, 'selfsigned-cert.pem');
  const keyPath = join(dataDir, 'selfsigned-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return {
      cert: readFileSync(certPath, 'utf8'),
      key: readFileSync(keyPath, 'utf8'),
      certPath,
      keyPath,
      created: false,
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 1);
  const pems = await selfsigned.generate(
    [{ name: 'commonName', value: hostnames[0] ?? 'localhost' }],
    {
      keyType: 'ec',
      algorithm: 'sha256',
      notAfterDate: notAfter,
      extensions: [
        { name: 'basicConstraints', cA: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...hostnames.map((h) => ({ type: 2 as const, value: h })),
            { type: 7 as const, ip: '127.0.0.1' },
            { type: 7 as const, ip: '::1' },
          ],
        },
      ],
    },
  );
  writeFileSync(certPath, pems.cert);
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private, certPath, keyPath, created: true };
}
