import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { UsageError } from '../../../src/errors.js';
import {
  HeaderList,
  RequestParser,
  encodeChunk,
  formatResponseHead,
  lastChunk,
  reasonPhrase,
  writeRequestHead,
  writeResponseHead,
} from '../../../src/proto/http1/index.js';
import { bytes, drive } from './helpers.js';

const latin1 = (b: Buffer | Buffer[]): string =>
  (Array.isArray(b) ? Buffer.concat(b) : b).toString('latin1');

describe('writers', () => {
  test('request head from pairs keeps order, case and repeats', () => {
    const out = writeRequestHead({
      method: 'POST',
      target: '/upload?x=1',
      headers: [
        ['Host', 'example.com'],
        ['X-Multi', 'a'],
        ['x-multi', 'b'],
      ],
    });
    assert.equal(
      latin1(out),
      'POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Multi: a\r\nx-multi: b\r\n\r\n',
    );
  });

  test('request head from a record: arrays become one line each, numbers are written', () => {
    const out = writeRequestHead({
      method: 'GET',
      target: '/',
      version: '1.0',
      headers: { host: 'a', accept: ['text/html', 'application/json'], 'content-length': 0 },
    });
    assert.equal(
      latin1(out),
      'GET / HTTP/1.0\r\nhost: a\r\naccept: text/html\r\naccept: application/json\r\ncontent-length: 0\r\n\r\n',
    );
  });

  test('a HeaderList can be written back as it was received', () => {
    const h = new HeaderList(['Host', 'a', 'Cookie', 'x=1', 'Cookie', 'y=2']);
    assert.equal(
      latin1(writeRequestHead({ method: 'GET', target: '/', headers: h })),
      'GET / HTTP/1.1\r\nHost: a\r\nCookie: x=1\r\nCookie: y=2\r\n\r\n',
    );
  });

  test('response head with the default reason, a given reason, and an empty one', () => {
    assert.equal(
      latin1(writeResponseHead({ status: 404, headers: { 'content-length': '0' } })),
      'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n',
    );
    assert.equal(
      formatResponseHead({ status: 200, reason: 'Fine', version: '1.0' }),
      'HTTP/1.0 200 Fine\r\n\r\n',
    );
    assert.equal(formatResponseHead({ status: 299 }), 'HTTP/1.1 299 \r\n\r\n');
    assert.equal(reasonPhrase(431), 'Request Header Fields Too Large');
    assert.equal(reasonPhrase(599), '');
  });

  const injections: [string, () => unknown][] = [
    [
      'CRLF in a value',
      () => writeRequestHead({ method: 'GET', target: '/', headers: { a: 'x\r\nSet-Cookie: y' } }),
    ],
    ['LF in a value', () => writeResponseHead({ status: 200, headers: [['a', 'x\ny']] })],
    ['NUL in a value', () => writeResponseHead({ status: 200, headers: [['a', 'x\0']] })],
    ['non-latin1 in a value', () => writeResponseHead({ status: 200, headers: [['a', 'snow☃']] })],
    ['colon in a name', () => writeResponseHead({ status: 200, headers: [['a:b', 'x']] })],
    ['space in a name', () => writeResponseHead({ status: 200, headers: { 'a b': 'x' } })],
    ['empty name', () => writeResponseHead({ status: 200, headers: [['', 'x']] })],
    ['CRLF in a reason', () => writeResponseHead({ status: 200, reason: 'OK\r\nX: y' })],
    ['space in a target', () => writeRequestHead({ method: 'GET', target: '/a b' })],
    ['CRLF in a target', () => writeRequestHead({ method: 'GET', target: '/\r\nX: y' })],
    ['empty target', () => writeRequestHead({ method: 'GET', target: '' })],
    ['bad method', () => writeRequestHead({ method: 'GE T', target: '/' })],
    ['status 99', () => writeResponseHead({ status: 99 })],
    ['status 200.5', () => writeResponseHead({ status: 200.5 })],
    ['version 2', () => writeResponseHead({ status: 200, version: '2.0' as '1.1' })],
    ['CRLF in a trailer', () => lastChunk({ a: 'b\r\n' })],
  ];
  for (const [name, fn] of injections) {
    test(`refuses ${name} with a UsageError`, () => {
      assert.throws(fn, UsageError);
    });
  }

  test('encodeChunk: size line, the data itself (no copy), CRLF', () => {
    const data = Buffer.from('hello, chunked world');
    const parts = encodeChunk(data);
    assert.equal(parts.length, 3);
    assert.equal(parts[1], data, 'the same buffer, not a copy');
    assert.equal(latin1(parts), '14\r\nhello, chunked world\r\n');
    assert.deepEqual(encodeChunk(Buffer.alloc(0)), [], 'an empty chunk would end the body');
    const u8 = new Uint8Array([1, 2, 3]);
    assert.equal(encodeChunk(u8)[1].buffer, u8.buffer);
  });

  test('lastChunk with and without trailers, and what a parser makes of them', () => {
    assert.equal(latin1(lastChunk()), '0\r\n\r\n');
    const body = [
      ...encodeChunk(Buffer.alloc(300, 0x61)),
      ...encodeChunk(Buffer.from('b')),
      lastChunk([['Digest', 'sha-256=abc']]),
    ];
    const r = drive(new RequestParser(), [
      bytes('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'),
      ...body,
    ]);
    assert.equal(r.error, undefined);
    assert.equal(latin1(r.events[1].data as Buffer), 'a'.repeat(300) + 'b');
    assert.deepEqual(r.events[2], { type: 'end', trailers: ['Digest', 'sha-256=abc'] });
  });
});

describe('HeaderList', () => {
  test('lookups ignore case, keep order; get joins, getAll does not', () => {
    const h = new HeaderList(['Set-Cookie', 'a=1; Path=/', 'X', '1', 'set-cookie', 'b=2']);
    assert.equal(h.size, 3);
    assert.equal(h.get('SET-COOKIE'), 'a=1; Path=/, b=2');
    assert.deepEqual(h.getAll('set-cookie'), ['a=1; Path=/', 'b=2']);
    assert.equal(h.get('missing'), undefined);
    assert.deepEqual(h.getAll('missing'), []);
    assert.deepEqual(
      [...h],
      [
        ['Set-Cookie', 'a=1; Path=/'],
        ['X', '1'],
        ['set-cookie', 'b=2'],
      ],
    );
    assert.deepEqual({ ...h.toObject() }, { 'set-cookie': 'a=1; Path=/, b=2', x: '1' });
  });

  test('a parsed list answers the same as a built one, without confusing ^ and ~ or _ and DEL', () => {
    const src = 'A^b: 1\r\nA~b: 2\r\nX_Y: 3\r\n';
    const parsed = HeaderList.fromOffsets(src, [0, 3, 5, 6, 8, 11, 13, 14, 16, 19, 21, 22]);
    const built = new HeaderList(['A^b', '1', 'A~b', '2', 'X_Y', '3']);
    for (const h of [parsed, built]) {
      assert.equal(h.get('a^B'), '1');
      assert.equal(h.get('A~B'), '2');
      assert.equal(h.get('x_y'), '3');
      assert.equal(h.has('x\x7fy'), false);
      assert.equal(h.nameAt(2), 'X_Y');
      assert.equal(h.valueAt(1), '2');
    }
    assert.deepEqual([...parsed.raw], [...built.raw]);
  });
});
