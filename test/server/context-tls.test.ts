// The request context (issue 11, item 8) and the TLS drivers' options and certificate rotation
// (item 9), over real TLS connections with real certificates.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import { createServer, type HttpContext, type ServerTlsOptions } from '../../src/server/index.js';
import { TRANSPORTS, transportName, withTestServer } from '../helpers/server.js';
import { testCert, type TestCert } from '../helpers/tls.js';

type AltName = { type: 2; value: string } | { type: 7; ip: string };

async function makeCert(
  cn: string,
  altNames: AltName[] = [{ type: 2, value: cn }],
): Promise<TestCert> {
  const p = await selfsigned.generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: p.cert, key: p.private };
}

interface Answer {
  status: string;
  body: string;
  /** SHA-256 fingerprint of the server's certificate. */
  fingerprint: string;
  /** The session was resumed. */
  reused: boolean;
}

/** One request over a fresh TLS connection (closed by the server after the answer). */
function tlsRequest(port: number, options: tls.ConnectionOptions, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let fingerprint = '';
    let reused = false;
    const socket = tls.connect(
      { host: '127.0.0.1', port, servername: 'localhost', ...options },
      () => {
        // A resumed session carries no certificate to show.
        const peer = socket.getPeerX509Certificate();
        fingerprint = peer === undefined ? '' : new X509Certificate(peer.raw).fingerprint256;
        reused = socket.isSessionReused();
        socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      },
    );
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      if (got === '') return reject(new Error('closed without an answer'));
      resolve({
        status: got.slice(0, got.indexOf('\r\n')),
        body: got.slice(got.indexOf('\r\n\r\n') + 4),
        fingerprint,
        reused,
      });
    });
  });
}

function contextJson(ctx: HttpContext): void {
  const t = ctx.tls;
  ctx.sendJson({
    remoteAddress: ctx.remoteAddress,
    remotePort: ctx.remotePort,
    localAddress: ctx.localAddress,
    localPort: ctx.localPort,
    secure: ctx.secure,
    id: ctx.id,
    tls: t && {
      protocol: t.protocol,
      cipher: t.cipher.name,
      servername: t.servername,
      alpn: t.alpnProtocol,
      authorized: t.authorized,
      authorizationError: t.authorizationError,
      clientCN: t.peerCertificate?.subject.CN,
    },
  });
}

describe('the request context: addresses, ports, TLS details, id', () => {
  for (const secure of TRANSPORTS) {
    test(`over ${transportName(secure)}`, () =>
      withTestServer(
        secure,
        (s) => s.get('/', contextJson),
        async (t) => {
          const c = await t.connect();
          c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
          const text = await c.waitFor((s) => s.split('HTTP/1.1 200').length === 3);
          const [a, b] = text
            .split(/HTTP\/1\.1 200 OK\r\n/)
            .slice(1)
            .map((r) => JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>);
          assert.equal(a.remoteAddress, '127.0.0.1');
          assert.equal(a.remotePort, c.socket.localPort);
          assert.equal(a.localAddress, '127.0.0.1');
          assert.equal(a.localPort, t.port);
          assert.equal(a.secure, secure);
          assert.match(String(a.id), /^[0-9a-z]+-[0-9a-z]+$/);
          assert.notEqual(a.id, b.id, 'every request has its own id');
          if (!secure) {
            assert.equal(a.tls, undefined);
          } else {
            const s = c.socket as tls.TLSSocket;
            assert.deepEqual(a.tls, {
              protocol: s.getProtocol(),
              cipher: s.getCipher().name,
              servername: 'localhost',
              authorized: false,
            });
          }
          c.socket.destroy();
        },
      ));
  }

  test('ALPN and a client certificate, when the driver asks for one', async () => {
    const client = await makeCert('client.test');
    await withTestServer(
      true,
      (s) => s.get('/', contextJson),
      async (t) => {
        const r = await tlsRequest(t.port, {
          ca: t.ca,
          cert: client.cert,
          key: client.key,
          ALPNProtocols: ['h2', 'http/1.1'],
        });
        assert.equal(r.status, 'HTTP/1.1 200 OK');
        const tlsInfo = (JSON.parse(r.body) as { tls: Record<string, unknown> }).tls;
        assert.equal(tlsInfo.alpn, 'http/1.1');
        assert.equal(tlsInfo.authorized, true);
        assert.equal(tlsInfo.clientCN, 'client.test');
      },
      {},
      {
        ALPNProtocols: ['http/1.1'],
        requestCert: true,
        rejectUnauthorized: true,
        ca: [client.cert],
      },
    );
  });
});

describe('TLS driver options are passed through', () => {
  let main: TestCert;
  let client: TestCert;
  before(async () => {
    main = await testCert();
    client = await makeCert('client.test');
  });

  async function withTls(
    options: Partial<ServerTlsOptions>,
    fn: (port: number) => Promise<void>,
  ): Promise<void> {
    await withTestServer(
      true,
      (s) => s.get('/', contextJson),
      (t) => fn(t.port),
      {},
      options,
    );
  }

  test('minVersion: a TLS 1.2-only client is refused by a TLS 1.3-only driver', () =>
    withTls({ minVersion: 'TLSv1.3' }, async (port) => {
      await assert.rejects(tlsRequest(port, { ca: main.cert, maxVersion: 'TLSv1.2' }));
      const ok = await tlsRequest(port, { ca: main.cert });
      assert.equal((JSON.parse(ok.body) as { tls: { protocol: string } }).tls.protocol, 'TLSv1.3');
    }));

  test('maxVersion and ciphers choose the protocol and the cipher', () =>
    withTls({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, async (port) => {
      const r = await tlsRequest(port, { ca: main.cert });
      const info = (JSON.parse(r.body) as { tls: { protocol: string; cipher: string } }).tls;
      assert.deepEqual(info, {
        ...info,
        protocol: 'TLSv1.2',
        cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      });
    }));

  test('requestCert + rejectUnauthorized + ca: no certificate, no answer; requestCert alone: told why', async () => {
    await withTls(
      { requestCert: true, rejectUnauthorized: true, ca: [client.cert] },
      async (port) => {
        await assert.rejects(tlsRequest(port, { ca: main.cert }));
        const other = await makeCert('intruder.test');
        await assert.rejects(tlsRequest(port, { ca: main.cert, cert: other.cert, key: other.key }));
        const ok = await tlsRequest(port, { ca: main.cert, cert: client.cert, key: client.key });
        assert.equal(ok.status, 'HTTP/1.1 200 OK');
      },
    );
    await withTls(
      { requestCert: true, rejectUnauthorized: false, ca: [client.cert] },
      async (port) => {
        const r = await tlsRequest(port, { ca: main.cert });
        const info = (JSON.parse(r.body) as { tls: Record<string, unknown> }).tls;
        assert.equal(info.authorized, false);
        assert.equal(typeof info.authorizationError, 'string');
        assert.equal(info.clientCN, undefined);
      },
    );
  });

  async function resumed(port: number): Promise<boolean> {
    const first = await tlsRequest(port, { ca: main.cert });
    const session = await new Promise<Buffer | undefined>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: main.cert });
      s.once('session', (sess: Buffer) => {
        resolve(sess);
        s.destroy();
      });
      s.on('error', () => resolve(undefined));
      setTimeout(() => resolve(undefined), 2000).unref();
    });
    assert.ok(first.status.startsWith('HTTP/1.1 200'));
    if (session === undefined) return false;
    const again = await tlsRequest(port, { ca: main.cert, session });
    return again.reused;
  }

  test('session tickets resume sessions; sessionTickets: false turns them off', async () => {
    await withTls({}, async (port) => assert.equal(await resumed(port), true));
    await withTls({ sessionTickets: false }, async (port) =>
      assert.equal(await resumed(port), false),
    );
  });
});

describe('certificates rotate without a restart: server.setSecureContext', () => {
  test('new handshakes get the new certificate, established connections keep theirs, bad PEM changes nothing', async () => {
    const a = await makeCert('localhost', [
      { type: 2, value: 'localhost' },
      { type: 7, ip: '127.0.0.1' },
    ]);
    // Another subject: two trusted certificates with one name would confuse the issuer look-up.
    const b = await makeCert('rotated.test', [{ type: 2, value: 'localhost' }]);
    const server = createServer({
      name: 'rotation-test',
      drivers: [{ port: 0, tls: { cert: a.cert, key: a.key } }],
    });
    server.get('/', (ctx) => ctx.send('ok'));
    const [d] = await server.listen();
    const fingerprint = (s: tls.TLSSocket): string =>
      new X509Certificate(s.getPeerX509Certificate()?.raw ?? '').fingerprint256;
    const fpA = new X509Certificate(a.cert).fingerprint256;
    const fpB = new X509Certificate(b.cert).fingerprint256;
    try {
      // A keep-alive connection made before the rotation.
      const old = tls.connect({
        host: '127.0.0.1',
        port: d.port,
        servername: 'localhost',
        ca: [a.cert, b.cert],
      });
      await new Promise((r) => old.once('secureConnect', r));
      assert.equal(fingerprint(old), fpA);

      assert.throws(() => server.setSecureContext({ cert: 'not a certificate', key: b.key }));
      assert.equal((await tlsRequest(d.port, { ca: [a.cert, b.cert] })).fingerprint, fpA);

      server.setSecureContext({ cert: b.cert, key: b.key });
      assert.equal((await tlsRequest(d.port, { ca: [a.cert, b.cert] })).fingerprint, fpB);

      let got = '';
      old.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
      old.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      await new Promise((r) => old.on('close', r));
      assert.match(got, /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
      assert.throws(
        () => server.setSecureContext({ cert: b.cert, key: b.key }, { driver: 'nope' }),
        {
          code: 'ERR_SERVER_NO_TLS_DRIVER',
        },
      );
    } finally {
      await server.close({ graceMs: 50 });
    }
  });
});
