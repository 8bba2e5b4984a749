import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { UsageError } from '../../../src/errors.js';
import {
  HttpErrorCode,
  NEED_DATA,
  PAUSED,
  ResponseParser,
} from '../../../src/proto/http1/index.js';
import { assertProtocolError, bytes, drive } from './helpers.js';

function parser(...methods: string[]): ResponseParser {
  const p = new ResponseParser();
  for (const m of methods) p.expectResponse(m);
  return p;
}

const text = (b: unknown): string => (b as Buffer).toString('latin1');

describe('ResponseParser', () => {
  test('Content-Length body, then the next response on the same connection', () => {
    const p = parser('GET');
    const r = drive(p, [
      bytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhel'),
      bytes('lo'),
    ]);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['response', 'data', 'end'],
    );
    const head = r.events[0];
    assert.equal(head.status, 200);
    assert.equal(head.reason, 'OK');
    assert.equal(head.version, '1.1');
    assert.equal(head.bodyKind, 'length');
    assert.equal(head.contentLength, 5);
    assert.equal(head.keepAlive, true);
    assert.deepEqual(head.headers, ['Content-Type', 'text/plain', 'Content-Length', '5']);
    assert.equal(text(r.events[1].data), 'hello');
    assert.equal(p.pending, 0);
  });

  test('chunked body with trailers', () => {
    const r = drive(parser('GET'), [
      bytes(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Check: ok\r\n\r\n',
      ),
    ]);
    assert.equal(r.events[0].bodyKind, 'chunked');
    assert.equal(r.events[0].chunked, true);
    assert.equal(text(r.events[1].data), 'abcde');
    assert.deepEqual(r.events[2], { type: 'end', trailers: ['X-Check', 'ok'] });
  });

  test('close-delimited body ends at feedEof(), then eof', () => {
    const p = parser('GET');
    const r = drive(p, [bytes('HTTP/1.1 200 OK\r\n\r\nsome'), bytes(' bytes')], { eof: true });
    assert.equal(r.error, undefined);
    assert.equal(r.events[0].bodyKind, 'close');
    assert.equal(r.events[0].keepAlive, false, 'a close-delimited body ends the connection');
    assert.equal(text(r.events[1].data), 'some bytes');
    assert.deepEqual(r.events.slice(2), [{ type: 'end', trailers: undefined }, { type: 'eof' }]);
    assert.deepEqual(p.next(), { type: 'eof' });
  });

  test('a HEAD response has no body even with Content-Length', () => {
    const p = parser('HEAD', 'GET');
    const r = drive(p, [
      bytes(
        'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ),
    ]);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['response', 'end', 'response', 'data', 'end'],
    );
    assert.equal(r.events[0].bodyKind, 'none');
    assert.equal(r.events[0].contentLength, 1234, 'the size the GET would have had');
    assert.equal(text(r.events[3].data), 'ok');
  });

  test('204 and 304 have no body; the bytes after them are the next response', () => {
    const r = drive(parser('DELETE', 'GET', 'GET'), [
      bytes(
        'HTTP/1.1 204 No Content\r\n\r\n' +
          'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: "x"\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!',
      ),
    ]);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.events.map((e) => `${e.type}${e.status ?? ''}`),
      ['response204', 'end', 'response304', 'end', 'response200', 'data', 'end'],
    );
    assert.equal(r.events[0].bodyKind, 'none');
    assert.equal(r.events[2].bodyKind, 'none');
  });

  test('100 Continue (and 103) are informational; the final response follows', () => {
    const p = parser('POST');
    const r = drive(p, [
      bytes(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n' +
          'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
      ),
    ]);
    assert.deepEqual(r.events[0], {
      type: 'informational',
      status: 100,
      reason: 'Continue',
      headers: [],
    });
    assert.deepEqual(r.events[1].headers, ['Link', '</s.css>; rel=preload']);
    assert.equal(r.events[2].type, 'response');
    assert.equal(r.events[2].status, 201);
    assert.equal(r.events[3].type, 'end');
    assert.equal(p.pending, 0, 'informational responses do not answer the request');
  });

  test('101 Switching Protocols: upgrade, then PAUSED with the next bytes untouched', () => {
    const p = parser('GET');
    const frame = Buffer.from([
      0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x0d, 0x0a, 0x0d, 0x0a, 0xff,
    ]);
    const head = bytes(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    p.feed(Buffer.concat([head, frame.subarray(0, 3)]));
    const ev = p.next();
    assert.ok(ev !== NEED_DATA && ev !== PAUSED && ev.type === 'upgrade');
    assert.equal(ev.head.status, 101);
    assert.equal(ev.head.headers.get('upgrade'), 'websocket');
    assert.equal(p.next(), PAUSED);
    p.feed(frame.subarray(3));
    assert.equal(p.next(), PAUSED);
    assert.deepEqual(Buffer.concat(p.takeUnparsed()), frame);
    assert.throws(() => p.next(), UsageError);
  });

  test('2xx to CONNECT opens a tunnel; a 407 to CONNECT is an ordinary response', () => {
    const ok = parser('CONNECT');
    ok.feed(bytes('HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01'));
    const ev = ok.next();
    assert.ok(ev !== NEED_DATA && ev !== PAUSED && ev.type === 'upgrade');
    assert.equal(ok.next(), PAUSED);
    assert.equal(text(Buffer.concat(ok.takeUnparsed())), '\x16\x03\x01');

    const denied = drive(parser('CONNECT'), [
      bytes('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nno!'),
    ]);
    assert.deepEqual(
      denied.events.map((e) => e.type),
      ['response', 'data', 'end'],
    );
  });

  test('several pipelined responses in one chunk come out in order, without pausing', () => {
    const p = parser('GET', 'GET', 'HEAD', 'GET');
    const r = drive(p, [
      bytes(
        'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na' +
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n' +
          'HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nd',
      ),
    ]);
    assert.equal(r.error, undefined);
    assert.equal(r.pauses, 0);
    assert.deepEqual(
      r.events.map((e) => (e.type === 'data' ? text(e.data) : e.type)),
      ['response', 'a', 'end', 'response', 'b', 'end', 'response', 'end', 'response', 'd', 'end'],
    );
    assert.equal(r.events[8].keepAlive, false);
  });

  test('EOF in the middle of a length or chunked body: ERR_HTTP_INCOMPLETE_BODY, no status', () => {
    const a = drive(parser('GET'), [bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], {
      eof: true,
    });
    assertProtocolError(a.error, undefined, HttpErrorCode.INCOMPLETE_BODY);
    assert.equal(text(a.events[1].data), 'abc');
    const b = drive(
      parser('GET'),
      [bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab')],
      {
        eof: true,
      },
    );
    assertProtocolError(b.error, undefined, HttpErrorCode.INCOMPLETE_BODY);
    const c = drive(parser('GET'), [bytes('HTTP/1.1 200 OK\r\nContent-')], { eof: true });
    assertProtocolError(c.error, undefined, HttpErrorCode.INCOMPLETE_HEAD);
  });

  test('EOF with requests outstanding and nothing received: eof (the client knows what is lost)', () => {
    const p = parser('GET', 'GET');
    const r = drive(p, [], { eof: true });
    assert.deepEqual(r.events, [{ type: 'eof' }]);
    assert.equal(p.pending, 2);
  });

  test('HTTP/1.0 responses: keep-alive only when asked; chunked 1.0 closes after the body', () => {
    const r = drive(parser('GET', 'GET', 'GET'), [
      bytes(
        'HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n' +
          'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n' +
          'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
    ]);
    assert.equal(r.error, undefined);
    const heads = r.events.filter((e) => e.type === 'response');
    assert.deepEqual(
      heads.map((h) => [h.version, h.keepAlive]),
      [
        ['1.0', true],
        ['1.0', false],
        ['1.0', false],
      ],
    );
    assert.equal(heads[2].bodyKind, 'chunked');
  });

  test('Transfer-Encoding not ending in chunked means read until close', () => {
    const r = drive(
      parser('GET'),
      [bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b')],
      {
        eof: true,
      },
    );
    assert.equal(r.events[0].bodyKind, 'close');
    assert.equal(text(r.events[1].data), '\x1f\x8b');
  });

  test('status line without a reason, and with an empty one', () => {
    const r = drive(parser('GET', 'GET'), [
      bytes('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n'),
    ]);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.events.filter((e) => e.type === 'response').map((e) => [e.status, e.reason]),
      [
        [200, ''],
        [404, ''],
      ],
    );
  });

  const rejections: [string, string, string][] = [
    [
      'CL with TE',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      HttpErrorCode.CONFLICTING_FRAMING,
    ],
    [
      'bad CL',
      'HTTP/1.1 200 OK\r\nContent-Length: 3a\r\n\r\n',
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'differing CLs',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      HttpErrorCode.INVALID_CONTENT_LENGTH,
    ],
    [
      'chunked not last',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
      HttpErrorCode.INVALID_TRANSFER_ENCODING,
    ],
    ['status out of range', 'HTTP/1.1 600 Nope\r\n\r\n', HttpErrorCode.INVALID_STATUS_LINE],
    ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', HttpErrorCode.INVALID_STATUS_LINE],
    ['HTTP/2.0', 'HTTP/2.0 200 OK\r\n\r\n', HttpErrorCode.UNSUPPORTED_VERSION],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', HttpErrorCode.OBS_FOLD],
    ['space before colon', 'HTTP/1.1 200 OK\r\nX : a\r\n\r\n', HttpErrorCode.INVALID_HEADER_NAME],
    ['NUL in value', 'HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n', HttpErrorCode.INVALID_HEADER_VALUE],
    ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', HttpErrorCode.INVALID_LINE_ENDING],
    [
      'bad chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n',
      HttpErrorCode.INVALID_CHUNK,
    ],
  ];
  for (const [name, raw, code] of rejections) {
    test(`rejects ${name} (code only, no status)`, () => {
      const r = drive(parser('GET'), [bytes(raw)]);
      assertProtocolError(r.error, undefined, code);
    });
  }

  test('bytes with no request waiting: ERR_HTTP_UNSOLICITED_RESPONSE', () => {
    const r = drive(parser(), [bytes('HTTP/1.1 408 Request Timeout\r\n\r\n')]);
    assertProtocolError(r.error, undefined, HttpErrorCode.UNSOLICITED_RESPONSE);
  });

  test('a response head over maxHeaderBytes is refused before it is all buffered', () => {
    const p = new ResponseParser({ maxHeaderBytes: 64 });
    p.expectResponse('GET');
    p.feed(bytes(`HTTP/1.1 200 OK\r\nX: ${'x'.repeat(100)}`));
    assert.throws(
      () => p.next(),
      (e) => assertProtocolError(e, undefined, HttpErrorCode.HEADERS_TOO_LARGE) !== undefined,
    );
  });
});
