import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { HttpErrorCode, NEED_DATA, RequestParser } from '../../../src/proto/http1/index.js';
import { assertProtocolError, bytes, drive } from './helpers.js';

type Options = ConstructorParameters<typeof RequestParser>[0];

/** Feeds `raw` whole and drains; returns the error thrown (or fails). */
function rejectionOf(raw: string | Buffer, opts?: Options): unknown {
  const r = drive(new RequestParser(opts), [typeof raw === 'string' ? bytes(raw) : raw], {
    autoResume: true,
  });
  assert.ok(r.error !== undefined, `expected a rejection, got ${JSON.stringify(r.events)}`);
  return r.error;
}

/** The head of an accepted request. */
function headOf(raw: string, opts?: Options) {
  const r = drive(new RequestParser(opts), [bytes(raw)]);
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.events[0].type, 'request');
  return r.events[0] as unknown as { target: string; headers: string[] };
}

describe('RequestParser: rejections carry the status to send', () => {
  const H = 'Host: a\r\n';
  const cases: [string, string | Buffer, number, string][] = [
    [
      'three parts required',
      `GET / HTTP/1.1 x\r\n${H}\r\n`,
      400,
      HttpErrorCode.INVALID_REQUEST_LINE,
    ],
    ['two spaces', `GET  / HTTP/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_REQUEST_LINE],
    ['empty target', `GET  HTTP/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_TARGET],
    ['HTTP/0.9 request line', `GET /\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_REQUEST_LINE],
    ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 505, HttpErrorCode.UNSUPPORTED_VERSION],
    ['HTTP/0.9 version', `GET / HTTP/0.9\r\n${H}\r\n`, 505, HttpErrorCode.UNSUPPORTED_VERSION],
    ['version garbage', `GET / HTTP/1.x\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_REQUEST_LINE],
    ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_REQUEST_LINE],
    ['two-digit minor', `GET / HTTP/1.10\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_REQUEST_LINE],
    ['method not a token', `G(T / HTTP/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_METHOD],
    ['control in target', `GET /a\x01b HTTP/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_TARGET],
    ['DEL in target', `GET /a\x7f HTTP/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_TARGET],
    ['raw 0xE9 in target', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, 400, HttpErrorCode.INVALID_TARGET],
    ['no colon', `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, 400, HttpErrorCode.INVALID_HEADER_NAME],
    [
      'space in name',
      `GET / HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_HEADER_NAME,
    ],
    [
      'space before colon',
      `GET / HTTP/1.1\r\nHost : a\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_HEADER_NAME,
    ],
    ['empty name', `GET / HTTP/1.1\r\n${H}: x\r\n\r\n`, 400, HttpErrorCode.INVALID_HEADER_NAME],
    ['obs-fold', `GET / HTTP/1.1\r\n${H}X: a\r\n  b\r\n\r\n`, 400, HttpErrorCode.OBS_FOLD],
    ['bare LF head', `GET / HTTP/1.1\nHost: a\n\n`, 400, HttpErrorCode.INVALID_LINE_ENDING],
    [
      'one bare LF',
      `GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_LINE_ENDING,
    ],
    [
      'bare CR in value',
      `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_LINE_ENDING,
    ],
    [
      'NUL in value',
      `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_HEADER_VALUE,
    ],
    [
      'DEL in value',
      `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_HEADER_VALUE,
    ],
    [
      'Content-Length with Transfer-Encoding',
      `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`,
      400,
      HttpErrorCode.CONFLICTING_FRAMING,
    ],
    [
      'CL not digits',
      `POST / HTTP/1.1\r\n${H}Content-Length: 5x\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'CL signed',
      `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'CL negative',
      `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'CL empty',
      `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'CL list differs',
      `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'two CL fields differ',
      `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'CL above 2^53',
      `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740992\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'TE gzip only',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
    ],
    [
      'TE chunked not last',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
    ],
    [
      'TE chunked twice',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
    ],
    [
      'TE unknown',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: foo, chunked\r\n\r\n`,
      501,
      HttpErrorCode.UNSUPPORTED_TRANSFER_CODING,
    ],
    [
      'TE in HTTP/1.0',
      `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n`,
      400,
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
    ],
    ['Host missing', `GET / HTTP/1.1\r\nX: y\r\n\r\n`, 400, HttpErrorCode.MISSING_HOST],
    ['two Host', `GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n`, 400, HttpErrorCode.MULTIPLE_HOST],
    [
      'two Host in 1.0',
      `GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n`,
      400,
      HttpErrorCode.MULTIPLE_HOST,
    ],
  ];
  for (const [name, raw, status, code] of cases) {
    test(`${name} → ${status}`, () => {
      assertProtocolError(rejectionOf(raw), status, code);
    });
  }

  const CHUNKED = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`;
  const chunkCases: [string, string, number, string][] = [
    ['chunk size not hex', 'zz\r\nhello\r\n0\r\n\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['chunk size empty', '\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['chunk size 2^53', '20000000000000\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['chunk size overflow', 'fffffffffffffffffff\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['chunk data without CRLF', '5\r\nhelloXX0\r\n\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['chunk data with LF only', '5\r\nhello\n0\r\n\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['bare LF after size', '5\nhello\r\n0\r\n\r\n', 400, HttpErrorCode.INVALID_LINE_ENDING],
    ['bad extension', '5;=x\r\nhello\r\n0\r\n\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['unterminated quoted ext', '5;a="x\r\nhello\r\n0\r\n\r\n', 400, HttpErrorCode.INVALID_CHUNK],
    ['bad trailer', '0\r\nBad Trailer: x\r\n\r\n', 400, HttpErrorCode.INVALID_HEADER_NAME],
  ];
  for (const [name, body, status, code] of chunkCases) {
    test(`${name} → ${status}`, () => {
      assertProtocolError(rejectionOf(CHUNKED + body), status, code);
    });
  }

  test('request line over maxRequestLineBytes → 414 (complete or still arriving)', () => {
    const long = `GET /${'a'.repeat(200)} HTTP/1.1\r\n${H}\r\n`;
    const opts = { maxRequestLineBytes: 100 };
    assertProtocolError(rejectionOf(long, opts), 414, HttpErrorCode.URI_TOO_LONG);
    assertProtocolError(rejectionOf(long.slice(0, 150), opts), 414, HttpErrorCode.URI_TOO_LONG);
    assert.equal(headOf(`GET /${'a'.repeat(85)} HTTP/1.1\r\n${H}\r\n`, opts).target.length, 86);
  });

  test('head over maxHeaderBytes → 431, before it is all buffered', () => {
    const opts = { maxHeaderBytes: 200 };
    const big = `GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(300)}\r\n\r\n`;
    assertProtocolError(rejectionOf(big, opts), 431, HttpErrorCode.HEADERS_TOO_LARGE);
    // Never terminated: refused as soon as more than the limit is held.
    const p = new RequestParser(opts);
    p.feed(bytes(`GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(150)}`));
    assert.equal(p.next(), NEED_DATA);
    p.feed(bytes('b'.repeat(100)));
    assertProtocolError(
      (() => {
        try {
          p.next();
        } catch (e) {
          return e;
        }
      })(),
      431,
    );
    // Exactly at the limit is fine.
    const exact = `GET / HTTP/1.1\r\n${H}X: ${'c'.repeat(200 - 32)}\r\n\r\n`;
    assert.equal(exact.length, 200);
    assert.equal(headOf(exact, opts).headers.length, 4);
  });

  test('more than maxHeaderCount fields → 431', () => {
    const fields = Array.from({ length: 5 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    const opts = { maxHeaderCount: 5 };
    assertProtocolError(
      rejectionOf(`GET / HTTP/1.1\r\n${H}${fields}\r\n`, opts),
      431,
      HttpErrorCode.TOO_MANY_HEADERS,
    );
    assert.equal(headOf(`GET / HTTP/1.1\r\n${fields.slice(10)}${H}\r\n`, opts).headers.length, 10);
  });

  test('chunk extensions over maxChunkExtensionBytes → 413; trailers over maxTrailerBytes → 431', () => {
    const opts = { maxChunkExtensionBytes: 64, maxTrailerBytes: 64 };
    assertProtocolError(
      rejectionOf(`${CHUNKED}5;x=${'e'.repeat(100)}\r\nhello\r\n0\r\n\r\n`, opts),
      413,
      HttpErrorCode.CHUNK_EXTENSIONS_TOO_LARGE,
    );
    assertProtocolError(
      rejectionOf(`${CHUNKED}5;x=${'e'.repeat(100)}`, opts),
      413,
      HttpErrorCode.CHUNK_EXTENSIONS_TOO_LARGE,
    );
    assertProtocolError(
      rejectionOf(`${CHUNKED}0\r\nX-T: ${'t'.repeat(100)}\r\n\r\n`, opts),
      431,
      HttpErrorCode.TRAILERS_TOO_LARGE,
    );
  });
});
