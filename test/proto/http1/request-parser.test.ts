import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { UsageError } from '../../../src/errors.js';
import {
  HttpErrorCode,
  NEED_DATA,
  PAUSED,
  RequestParser,
  type RequestEvent,
  type RequestHead,
} from '../../../src/proto/http1/index.js';
import { assertProtocolError, bytes, drive } from './helpers.js';

const BROWSER_GET =
  'GET /static/js/app.3f9a1c.js?v=12 HTTP/1.1\r\n' +
  'Host: www.example.com\r\n' +
  'Connection: keep-alive\r\n' +
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n' +
  'Accept: */*\r\n' +
  'Sec-Fetch-Site: same-origin\r\n' +
  'Referer: https://www.example.com/\r\n' +
  'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
  'Accept-Language: en-US,en;q=0.9\r\n' +
  'Cookie: session=abc123; theme=dark\r\n' +
  'Cookie: lang=en\r\n' +
  '\r\n';

function expectEvent<T extends RequestEvent['type']>(
  p: RequestParser,
  type: T,
): Extract<RequestEvent, { type: T }> {
  const ev = p.next();
  assert.ok(ev !== NEED_DATA && ev !== PAUSED, `expected ${type}, got ${String(ev)}`);
  assert.equal(ev.type, type);
  return ev as Extract<RequestEvent, { type: T }>;
}

function headOf(raw: string, opts?: ConstructorParameters<typeof RequestParser>[0]): RequestHead {
  const p = new RequestParser(opts);
  p.feed(bytes(raw));
  return expectEvent(p, 'request').head;
}

describe('RequestParser: parsing', () => {
  test('a realistic browser GET: fields in order and case, lookups, connection facts', () => {
    const p = new RequestParser();
    p.feed(bytes(BROWSER_GET));
    const { head } = expectEvent(p, 'request');
    assert.equal(head.method, 'GET');
    assert.equal(head.target, '/static/js/app.3f9a1c.js?v=12');
    assert.equal(head.version, '1.1');
    assert.equal(head.keepAlive, true);
    assert.equal(head.contentLength, undefined);
    assert.equal(head.chunked, false);
    assert.equal(head.expectContinue, false);
    assert.equal(head.upgrade, undefined);
    assert.equal(head.headers.size, 11);
    assert.equal(head.headers.nameAt(3), 'User-Agent');
    assert.equal(head.headers.get('user-agent')?.startsWith('Mozilla/5.0 (X11;'), true);
    assert.equal(head.headers.get('COOKIE'), 'session=abc123; theme=dark, lang=en');
    assert.deepEqual(head.headers.getAll('cookie'), ['session=abc123; theme=dark', 'lang=en']);
    assert.equal(head.headers.has('referer'), true);
    assert.equal(head.headers.has('origin'), false);
    assert.deepEqual(head.headers.raw.slice(0, 4), [
      'Host',
      'www.example.com',
      'Connection',
      'keep-alive',
    ]);
    assert.deepEqual(p.next(), { type: 'end' });
    assert.equal(p.next(), PAUSED);
    assert.equal(p.next(), PAUSED, 'stays paused until nextMessage()');
    p.nextMessage();
    assert.equal(p.next(), NEED_DATA);
  });

  test('values lose surrounding whitespace but keep inner whitespace and obs-text', () => {
    const head = headOf(
      'GET / HTTP/1.1\r\nHost:a\r\nX-A: \t one  two \t\r\nX-B:\r\nX-C: caf\xe9\r\n\r\n',
    );
    assert.deepEqual(
      [...head.headers.raw],
      ['Host', 'a', 'X-A', 'one  two', 'X-B', '', 'X-C', 'caf\xe9'],
    );
  });

  test('HTTP/1.0: keep-alive only when asked; HTTP/1.1: unless Connection: close', () => {
    assert.equal(headOf('GET / HTTP/1.0\r\n\r\n').keepAlive, false);
    assert.equal(headOf('GET / HTTP/1.0\r\n\r\n').version, '1.0');
    assert.equal(headOf('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive, true);
    assert.equal(headOf('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').keepAlive, false);
    assert.equal(
      headOf('GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n').keepAlive,
      false,
    );
    // llhttp refuses 1.2; so do we, with 505 (RFC 9110 §2.5 lets a server refuse what it cannot serve).
    const v12 = drive(new RequestParser(), [bytes('GET / HTTP/1.2\r\nHost: a\r\n\r\n')]);
    assertProtocolError(v12.error, 505, HttpErrorCode.UNSUPPORTED_VERSION);
  });

  test('POST with Content-Length: body as views of the fed chunks, across chunks', () => {
    const p = new RequestParser();
    const c1 = bytes('POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello');
    const c2 = bytes(' world');
    p.feed(c1);
    assert.equal(expectEvent(p, 'request').head.contentLength, 11);
    const d1 = expectEvent(p, 'data').data;
    assert.equal(d1.toString(), 'hello');
    assert.equal(d1.buffer, c1.buffer, 'a view of the chunk, not a copy');
    assert.equal(p.next(), NEED_DATA);
    p.feed(c2);
    const d2 = expectEvent(p, 'data').data;
    assert.equal(d2, c2, 'a whole chunk of body is handed out as itself');
    assert.deepEqual(p.next(), { type: 'end' });
    assert.equal(p.next(), PAUSED);
  });

  test('Content-Length: 0; repeated values are refused, as llhttp does (RFC 9110 §8.6 allows it)', () => {
    const r = drive(new RequestParser(), [
      bytes('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'),
    ]);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['request', 'end'],
    );
    for (const raw of [
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\nhello!!',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\t\r\n\r\nhello',
    ]) {
      const r = drive(new RequestParser(), [bytes(raw)]);
      assertProtocolError(r.error, 400, HttpErrorCode.INVALID_CONTENT_LENGTH);
    }
  });

  test('chunked with extensions and trailers', () => {
    const raw =
      'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4;name=value\r\nWiki\r\n' +
      '5;q="a \\"quoted\\" ext";flag\r\npedia\r\n' +
      'E\r\n in\r\n\r\nchunks.\r\n' +
      '0;last\r\nExpires: never\r\nX-Sum: 42\r\n\r\n';
    const r = drive(new RequestParser(), [bytes(raw)]);
    assert.equal(r.error, undefined);
    assert.equal(r.events[0].chunked, true);
    assert.equal(r.events[0].contentLength, undefined);
    assert.equal((r.events[1].data as Buffer).toString(), 'Wikipedia in\r\n\r\nchunks.');
    assert.deepEqual(r.events[2], { type: 'end', trailers: ['Expires', 'never', 'X-Sum', '42'] });
    // Whitespace around ";" (the RFC's "bad whitespace") is refused, as llhttp does.
    for (const line of ['5 ;a=b', '5; a=b', '5 ']) {
      const bad = drive(new RequestParser(), [
        bytes(
          `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${line}\r\nhello\r\n0\r\n\r\n`,
        ),
      ]);
      assertProtocolError(bad.error, 400, HttpErrorCode.INVALID_CHUNK);
    }
  });

  test('gzip, chunked is accepted as chunked (the coding is the application’s)', () => {
    const head = headOf('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n');
    assert.equal(head.chunked, true);
  });

  test('Expect: 100-continue: the head comes before any body byte', () => {
    const p = new RequestParser();
    p.feed(
      bytes('PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n'),
    );
    const { head } = expectEvent(p, 'request');
    assert.equal(head.expectContinue, true);
    assert.equal(p.next(), NEED_DATA, 'the client waits for 100 Continue');
    p.feed(bytes('abc'));
    assert.equal(expectEvent(p, 'data').data.toString(), 'abc');
    assert.equal(expectEvent(p, 'end').type, 'end');
  });

  test('16 pipelined requests in one chunk: one at a time, paused between them', () => {
    let raw = '';
    for (let i = 0; i < 16; i++) {
      raw +=
        i === 7
          ? `POST /p${i} HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n${i}!`
          : `GET /r${i} HTTP/1.1\r\nHost: a\r\n\r\n`;
    }
    const p = new RequestParser();
    const chunk = bytes(raw);
    p.feed(chunk);
    const targets: string[] = [];
    let before = p.bufferedBytes;
    for (let i = 0; i < 16; i++) {
      const { head } = expectEvent(p, 'request');
      targets.push(head.target);
      if (i === 7) assert.equal(expectEvent(p, 'data').data.toString(), '7!');
      expectEvent(p, 'end');
      assert.equal(p.next(), PAUSED);
      assert.equal(p.paused, true);
      assert.ok(p.bufferedBytes < before, 'later requests stay queued, untouched');
      before = p.bufferedBytes;
      p.nextMessage();
    }
    assert.deepEqual(
      targets,
      Array.from({ length: 16 }, (_, i) => (i === 7 ? `/p${i}` : `/r${i}`)),
    );
    assert.equal(p.next(), NEED_DATA);
    assert.equal(p.bufferedBytes, 0);
  });

  test('Upgrade: the WebSocket frames after the head come back byte for byte', () => {
    const head =
      'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n' +
      'Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\n\r\n';
    // A masked text frame "Hello" and the start of a 126-length binary frame: every byte value.
    const frames = Buffer.concat([
      Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]),
      Buffer.from([0x82, 0xfe, 0x01, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0xff]),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    ]);
    const p = new RequestParser();
    const all = Buffer.concat([bytes(head), frames]);
    p.feed(all.subarray(0, head.length + 5));
    const req = expectEvent(p, 'request').head;
    assert.equal(req.upgrade, 'websocket');
    expectEvent(p, 'end');
    assert.equal(p.next(), PAUSED);
    p.feed(all.subarray(head.length + 5, head.length + 9));
    p.feed(all.subarray(head.length + 9));
    assert.equal(p.next(), PAUSED, 'bytes arriving while paused stay queued');
    const rest = p.takeUnparsed();
    assert.ok(rest.length >= 2, 'handed over as the chunks they came in');
    assert.deepEqual(Buffer.concat(rest), frames);
    assert.throws(() => p.next(), UsageError);
    assert.throws(() => p.feed(bytes('x')), UsageError);
  });

  test('Upgrade without the Connection token is not an upgrade', () => {
    assert.equal(
      headOf('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n').upgrade,
      undefined,
    );
  });

  test('CONNECT: no body whatever the fields say; the tunnel bytes are handed over', () => {
    const p = new RequestParser();
    const tls = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
    p.feed(
      Buffer.concat([
        bytes(
          'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 4\r\n\r\n',
        ),
        tls,
      ]),
    );
    const { head } = expectEvent(p, 'request');
    assert.equal(head.method, 'CONNECT');
    assert.equal(head.target, 'example.com:443');
    expectEvent(p, 'end');
    assert.equal(p.next(), PAUSED);
    assert.deepEqual(Buffer.concat(p.takeUnparsed()), tls);
  });

  test('a head dripping in byte by byte parses the same', () => {
    const p = new RequestParser();
    const raw = bytes(BROWSER_GET + 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    const targets: string[] = [];
    for (let i = 0; i < raw.length; i++) {
      p.feed(raw.subarray(i, i + 1));
      for (let ev = p.next(); ev !== NEED_DATA; ev = p.next()) {
        if (ev === PAUSED) p.nextMessage();
        else if (ev.type === 'request') targets.push(ev.head.target);
      }
    }
    assert.deepEqual(targets, ['/static/js/app.3f9a1c.js?v=12', '/2']);
  });

  test('blank lines before a request are skipped (RFC 9112 §2.2)', () => {
    assert.equal(headOf('\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n').target, '/x');
  });

  test('EOF between messages gives eof (repeatedly); mid-head and mid-body are errors', () => {
    const p = new RequestParser();
    p.feed(bytes('GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n'));
    expectEvent(p, 'request');
    expectEvent(p, 'end');
    p.feedEof();
    assert.equal(p.next(), PAUSED, 'EOF does not unpause');
    p.nextMessage();
    assert.deepEqual(p.next(), { type: 'eof' });
    assert.deepEqual(p.next(), { type: 'eof' });
    assert.throws(() => p.feed(bytes('x')), UsageError);

    const midHead = drive(new RequestParser(), [bytes('GET / HTTP/1.1\r\nHo')], { eof: true });
    assertProtocolError(midHead.error, 400, HttpErrorCode.INCOMPLETE_HEAD);
    const midBody = drive(
      new RequestParser(),
      [bytes('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc')],
      { eof: true },
    );
    assertProtocolError(midBody.error, 400, HttpErrorCode.INCOMPLETE_BODY);
    assert.equal((midBody.events[1].data as Buffer).toString(), 'abc', 'data before the error');
    const midChunk = drive(
      new RequestParser(),
      [bytes('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab')],
      { eof: true },
    );
    assertProtocolError(midChunk.error, 400, HttpErrorCode.INCOMPLETE_BODY);
  });

  test('an error sticks: every later next() rethrows it', () => {
    const p = new RequestParser();
    p.feed(bytes('GET / HTTP/1.1\r\n\r\n'));
    const first = (() => {
      try {
        p.next();
      } catch (e) {
        return e;
      }
    })();
    assertProtocolError(first, 400, HttpErrorCode.MISSING_HOST);
    assert.throws(
      () => p.next(),
      (e) => e === first,
    );
  });

  test('nextMessage() outside a pause and bad options are usage errors', () => {
    assert.throws(() => new RequestParser().nextMessage(), UsageError);
    assert.throws(() => new RequestParser({ maxHeaderBytes: 0 }), UsageError);
  });
});

describe('ownInput', () => {
  test('a caller reusing one buffer for every chunk gets the same events when it calls ownInput()', () => {
    const input = bytes(
      'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
        'GET /b HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world',
    );
    for (const size of [1, 3, 7, 16, 40]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
      const expected = drive(new RequestParser(), chunks, { autoResume: true });
      // The same chunks, each in one reused buffer that is scribbled over after every feed.
      const reused = Buffer.alloc(size);
      const parser = new RequestParser();
      const events: unknown[] = [];
      for (const c of chunks) {
        const view = reused.subarray(0, c.length);
        c.copy(view);
        events.push(...drive(parser, [view], { autoResume: true }).events);
        parser.ownInput();
        reused.fill('X');
      }
      // drive() joins data events per call only: join across calls too before comparing.
      const joined: unknown[] = [];
      for (const ev of events as { type: string; data?: Buffer }[]) {
        const last = joined[joined.length - 1] as { type: string; data?: Buffer } | undefined;
        if (ev.type === 'data' && last?.type === 'data')
          last.data = Buffer.concat([last.data!, ev.data!]);
        else joined.push(ev as never);
      }
      assert.deepEqual(joined, expected.events, `chunks of ${size}`);
    }
  });
});
