/**
 * The self-signed certificate `connchan serve` uses for HTTPS when none is given: made on first
 * start and kept in the data directory, so that a browser or curl can be told to trust it once.
 * Made again when it has expired or does not name the host served.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSelfSigned } from './self-signed.js';

export interface CertificateFiles {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
  /** True when this call made it. */
  created: boolean;
}

/** The kept certificate still serves `hosts`: not expired, and naming each of them. */
function stillGood(cert: string, hosts: readonly string[]): boolean {
  try {
    const x = new X509Certificate(cert);
    if (Date.parse(x.validTo) < Date.now() + 86_400_000) return false;
    return hosts.every((h) => x.checkHost(h) !== undefined || x.checkIP(h) !== undefined);
  } catch {
    return false;
  }
}

/**
 * @example
 * ```ts
 * const { cert, key, certPath } = ensureSelfSignedCertificate('/tmp/data', ['localhost']);
 * ```
 */
export function ensureSelfSignedCertificate(
  dataDir: string,
  hosts: readonly string[],
): CertificateFiles {
  const certPath = join(dataDir, 'selfsigned-cert.pem');
  const keyPath = join(dataDir, 'selfsigned-key.pem');
  const wanted = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts])].filter(
    (h) => h !== '' && h !== '0.0.0.0' && h !== '::',
  );
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    if (stillGood(cert, wanted)) {
      return { cert, key: readFileSync(keyPath, 'utf8'), certPath, keyPath, created: false };
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const { cert, key } = makeSelfSigned({ hosts: wanted });
  writeFileSync(keyPath, key, { mode: 0o600 });
  writeFileSync(certPath, cert);
  return { cert, key, certPath, keyPath, created: true };
}
