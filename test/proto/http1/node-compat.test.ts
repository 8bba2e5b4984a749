// Our accept/reject decisions against node:http's llhttp, over a real loopback socket, the way
// h11 tests itself against the Python stdlib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { RequestParser } from '../../../src/proto/http1/index.js';
import { bytes, drive } from './helpers.js';

const H = 'Host: a\r\n';

/** Requests on which we and llhttp must agree (true = accepted). */
const AGREED: [string, string, boolean][] = [
  ['valid GET', `GET /x?y=1 HTTP/1.1\r\n${H}Accept: */*\r\n\r\n`, true],
  ['POST with a body', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`, true],
  [
    'chunked with extensions and trailers',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a=b;c="d e"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`,
    true,
  ],
  ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', true],
  ['blank line before the request', `\r\nGET / HTTP/1.1\r\n${H}\r\n`, true],
  ['obs-text and HTAB in a value', `GET / HTTP/1.1\r\n${H}X: caf\xe9\tok\r\n\r\n`, true],
  ['bare LF line endings', 'GET / HTTP/1.1\nHost: a\n\n', false],
  ['bare CR in a value', `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, false],
  ['obs-fold', `GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, false],
  ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', false],
  [
    'Content-Length and Transfer-Encoding',
    `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    false,
  ],
  [
    'differing Content-Lengths',
    `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    false,
  ],
  ['Content-Length +5', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`, false],
  ['NUL in a value', `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, false],
  ['Host missing in 1.1', 'GET / HTTP/1.1\r\n\r\n', false],
  ['TE gzip only', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, false],
  [
    'chunk without CRLF',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`,
    false,
  ],
  ['raw non-ASCII in the target', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, false],
  // Where llhttp refuses, we refuse too (issue 11), though the RFC would allow more:
  [
    'identical Content-Lengths',
    `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
    false,
  ],
  ['Content-Length list', `POST / HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello`, false],
  ['HTAB after Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: 5\t\r\n\r\nhello`, false],
  ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`, false],
  ['extension method', `FOO / HTTP/1.1\r\n${H}\r\n`, false],
  ['lower-case method', `get / HTTP/1.1\r\n${H}\r\n`, false],
  [
    'space before a chunk extension',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n`,
    false,
  ],
  ['TLS ClientHello bytes', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', false],
  ['absolute-form target', `GET http://a/x?y HTTP/1.1\r\n${H}\r\n`, true],
];

/**
 * Deliberate differences, always in one direction: we refuse what llhttp (Node 20) accepts,
 * each for the RFC's sake (the full list is in docs/architecture.md):
 * - two Host fields, or an invalid Host: RFC 9112 §3.2 says 400.
 * - `HTTP/2.0`, `HTTP/0.9` request lines: we answer 505.
 * - `Transfer-Encoding: foo, chunked`: we answer 501 (unknown coding).
 * - `Transfer-Encoding` in HTTP/1.0: RFC 9112 §6.1 says the framing is faulty.
 */
const OURS_ONLY: [string, string, boolean][] = [
  ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', false],
  ['invalid Host', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', false],
  ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, false],
  [
    'unknown coding',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n`,
    false,
  ],
  ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', false],
];

function oursAccepts(raw: string): boolean {
  const r = drive(new RequestParser(), [bytes(raw)]);
  return r.error === undefined && r.events.some((e) => e.type === 'end');
}

describe('accept/reject decisions match node:http', () => {
  let server: http.Server;
  let port = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { connection: 'close' }).end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function nodeAccepts(raw: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      let got = '';
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`node:http did not answer ${JSON.stringify(raw)}`));
      }, 3000);
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.on('error', () => {});
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(got.startsWith('HTTP/1.1 200'));
      });
      sock.end(bytes(raw));
    });
  }

  for (const [name, raw, accepted] of AGREED) {
    test(`${name}: ${accepted ? 'accepted' : 'rejected'} by both`, async () => {
      assert.equal(await nodeAccepts(raw), accepted, 'node:http');
      assert.equal(oursAccepts(raw), accepted, 'RequestParser');
    });
  }

  test('deliberate differences hold on our side', () => {
    for (const [name, raw, accepted] of OURS_ONLY) assert.equal(oursAccepts(raw), accepted, name);
  });
});
