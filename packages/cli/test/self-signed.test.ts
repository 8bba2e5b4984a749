// The self-signed certificate `connchan serve` makes with node:crypto alone: a valid X.509 v3
// certificate for the names and addresses asked, its own CA, accepted by Node's TLS and by curl
// when trusted, kept in the data directory and made again when it no longer fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { needPeer } from '../../../test/helpers/peers.js';
import { makeSelfSigned } from '../src/tls/self-signed.js';
import { ensureSelfSignedCertificate } from '../src/tls/certificate-files.js';
import { oid, time, tlv, unsignedInteger } from '../src/tls/der.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';

test('DER pieces: lengths in short and long form, OIDs, integers kept positive, UTC and generalized time', () => {
  assert.deepEqual([...tlv(0x04, Buffer.alloc(3))], [0x04, 3, 0, 0, 0]);
  assert.deepEqual([...tlv(0x04, Buffer.alloc(200)).subarray(0, 3)], [0x04, 0x81, 200]);
  assert.deepEqual([...tlv(0x04, Buffer.alloc(300)).subarray(0, 4)], [0x04, 0x82, 0x01, 0x2c]);
  assert.equal(oid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
  assert.equal(oid('2.5.29.17').toString('hex'), '0603551d11');
  assert.equal(unsignedInteger(Buffer.from([0x80, 1])).toString('hex'), '0203008001');
  assert.equal(unsignedInteger(Buffer.from([0, 0, 5])).toString('hex'), '020105');
  assert.equal(time(new Date('2026-12-05T18:00:00Z')).toString('latin1').slice(2), '261205180000Z');
  assert.equal(
    time(new Date('2051-01-02T03:04:05Z')).toString('latin1').slice(2),
    '20510102030405Z',
  );
});

test('makeSelfSigned: a CA certificate for the hosts asked, signed by its own key, that TLS accepts', async () => {
  const { cert, key } = makeSelfSigned({
    hosts: ['localhost', '127.0.0.1', '::1', 'demo.test'],
    days: 30,
  });
  const x = new X509Certificate(cert);
  assert.equal(x.subject, 'CN=localhost');
  assert.equal(x.issuer, x.subject);
  assert.equal(x.ca, true);
  assert.ok(x.verify(x.publicKey), 'signed by its own key');
  assert.equal(
    x.subjectAltName,
    'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:demo.test',
  );
  assert.equal(x.checkHost('demo.test'), 'demo.test');
  assert.equal(x.checkIP('::1'), '::1');
  assert.equal(x.checkHost('other.test'), undefined);
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  const days = (Date.parse(x.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `valid for ${days} days`);
  assert.notEqual(
    makeSelfSigned({ hosts: ['localhost'] }).cert,
    cert,
    'a new key and serial each time',
  );

  const server = createServer({ cert, key }, (s) => s.end('over tls'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as AddressInfo).port;
    for (const [host, servername] of [
      ['127.0.0.1', undefined],
      ['localhost', 'localhost'],
    ] as const) {
      const socket: TLSSocket = connect({ host, port, servername, ca: cert });
      await once(socket, 'secureConnect');
      assert.equal(socket.authorized, true);
      const [data] = (await once(socket, 'data')) as [Buffer];
      assert.equal(data.toString(), 'over tls');
      socket.destroy();
    }
    const untrusted = connect({ host: '127.0.0.1', port });
    const [err] = (await once(untrusted, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'not trusted unless given as CA');
  } finally {
    server.close();
  }
});

test('curl trusts the certificate with --cacert', async (t) => {
  if (!needPeer(t, 'curl', ['curl', '--version'])) return;
  const dir = tempDir('connchan-cert-curl-');
  const { cert, key } = makeSelfSigned({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'cert.pem'), cert);
  const server = createServer({ cert, key }, (s) => {
    s.once('data', () =>
      s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as AddressInfo).port;
    // The server lives in this process: curl runs beside it, not blocking it.
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn('curl', ['-sS', ...args]);
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const ok = await run(['--cacert', join(dir, 'cert.pem'), `https://localhost:${port}/`]);
    assert.deepEqual(ok, { code: 0, out: 'ok' });
    const refused = await run([`https://127.0.0.1:${port}/`]);
    assert.equal(refused.code, 60, refused.out);
  } finally {
    server.close();
  }
});

test('the kept certificate: reused while it fits, made again when it has expired or does not name the host', () => {
  const dir = tempDir('connchan-cert-files-');
  const first = ensureSelfSignedCertificate(dir, ['127.0.0.1']);
  assert.equal(first.created, true);
  assert.equal(readFileSync(first.keyPath, 'utf8'), first.key);
  const again = ensureSelfSignedCertificate(dir, ['127.0.0.1']);
  assert.equal(again.created, false);
  assert.equal(again.cert, first.cert);
  const otherHost = ensureSelfSignedCertificate(dir, ['demo.test']);
  assert.equal(otherHost.created, true, 'a host the certificate does not name');
  assert.equal(new X509Certificate(otherHost.cert).checkHost('demo.test'), 'demo.test');
  writeFileSync(
    otherHost.certPath,
    makeSelfSigned({ hosts: ['demo.test', 'localhost', '127.0.0.1', '::1'], days: 0 }).cert,
  );
  assert.equal(ensureSelfSignedCertificate(dir, ['demo.test']).created, true, 'expired');
});
