/**
 * A self-signed X.509 v3 certificate made with `node:crypto` alone: a P-256 key, the names and
 * addresses it is valid for (subjectAltName), and `CA:TRUE` so that clients can be told to
 * trust it as its own authority (curl --cacert, connchan get --ca, Node's `ca` option).
 *
 * About 100 lines of DER instead of a dependency tree of 13 MB for one certificate.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicit,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';

export interface SelfSignedOptions {
  /** DNS names and IP addresses the certificate is for; the first is also its common name. */
  hosts: readonly string[];
  /** Days from now until it expires. Default 365. */
  days?: number;
}

export interface SelfSignedPair {
  /** PEM `CERTIFICATE`. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const EXT_KEY_USAGE = '2.5.29.37';
const SUBJECT_ALT_NAME = '2.5.29.17';
const SUBJECT_KEY_ID = '2.5.29.14';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** The 4 or 16 bytes of an IP address. */
function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = ip.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/**
 * Makes a new key and a certificate for `hosts`, signed by that key.
 *
 * @example
 * ```ts
 * const { cert, key } = makeSelfSigned({ hosts: ['localhost', '127.0.0.1', '::1'] });
 * https.createServer({ cert, key });
 * ```
 */
export function makeSelfSigned(options: SelfSignedOptions): SelfSignedPair {
  const hosts = options.hosts.length > 0 ? options.hosts : ['localhost'];
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8String(hosts[0]))));
  const notBefore = new Date(Date.now() - 60_000); // a minute of clock skew
  const notAfter = new Date(Date.now() + (options.days ?? 365) * 86_400_000);
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const altNames = hosts.map((h) =>
    isIPv4(h) || isIPv6(h) ? implicit(7, ipBytes(h)) : implicit(2, Buffer.from(h, 'latin1')),
  );
  // digitalSignature (bit 0) and keyCertSign (bit 5): 1000 0100, the last two bits unused.
  const keyUsage = bitString(Buffer.from([0x84]), 2);
  const publicKeyBits = spki.subarray(spki.length - 65); // the uncompressed P-256 point
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    name, // issuer: itself
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension(BASIC_CONSTRAINTS, true, sequence(boolean(true))),
        extension(KEY_USAGE, true, keyUsage),
        extension(EXT_KEY_USAGE, false, sequence(oid(SERVER_AUTH))),
        extension(SUBJECT_ALT_NAME, false, sequence(...altNames)),
        extension(
          SUBJECT_KEY_ID,
          false,
          octetString(createHash('sha1').update(publicKeyBits).digest()),
        ),
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value
  const der = sequence(tbs, algorithm, bitString(signature));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n').trimEnd();
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
