// Request heads keep only where their field lines start and end (HeaderList.fromLines): lookups
// must find exactly the fields a name-by-name comparison finds, and framing fields must be
// recognised exactly, whatever look-alike names and colons in values surround them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { NEED_DATA, PAUSED } from '../../../src/proto/need-data.js';
import { RequestParser, type RequestEvent } from '../../../src/proto/http1/request-parser.js';
import { HeaderList } from '../../../src/proto/http1/headers.js';

const NAMES = [
  'a',
  'Accept',
  'accept',
  'ACCEPT',
  'c',
  'Co',
  'Connectio',
  'Connectionx',
  'Content-Lengt',
  'Content-Lengthy',
  'h',
  'Hos',
  'Hostx',
  'e',
  'Expec',
  'u',
  'Upgrad',
  'Upgradex',
  't',
  'Transfer-Encodin',
  'X-A',
  'x-a',
];
const VALUES = [
  'b: x',
  '',
  'a',
  ' a ',
  'a:b',
  ':::::::::::::::::::',
  'x  y',
  '\tz',
  '1234567890:',
  'close',
  '5',
];

function headOf(fields: [string, string][], extra = ''): RequestEvent & { type: 'request' } {
  const text = `GET / HTTP/1.1\r\nHost: h\r\n${fields.map(([n, v]) => `${n}:${v}\r\n`).join('')}${extra}\r\n`;
  const p = new RequestParser();
  p.feed(Buffer.from(text, 'latin1'));
  const ev = p.next();
  assert.ok(ev !== NEED_DATA && ev !== PAUSED && ev.type === 'request');
  return ev;
}

function reference(fields: [string, string][], name: string): string[] {
  return fields.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v.trim());
}

describe('HeaderList over request lines', () => {
  test('get/getAll/has agree with a name-by-name comparison, before and after conversion', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)), {
          maxLength: 12,
        }),
        fc.boolean(),
        (fields, convertFirst) => {
          const { head } = headOf(fields);
          const h = head.headers;
          if (convertFirst) assert.equal(h.raw.length, 2 * (fields.length + 1));
          for (const name of [
            ...NAMES,
            'host',
            'HOST',
            'a:b',
            '',
            'connection',
            'content-length',
          ]) {
            const all =
              name === '' || name.includes(':') ? [] : reference([['Host', 'h'], ...fields], name);
            assert.deepEqual(h.getAll(name), all, name);
            assert.equal(h.get(name), all.length === 0 ? undefined : all.join(', '), name);
            assert.equal(h.has(name), all.length > 0, name);
          }
          assert.equal(h.size, fields.length + 1);
          for (let i = 0; i < fields.length; i++) {
            assert.equal(h.nameAt(i + 1), fields[i][0]);
            assert.equal(h.valueAt(i + 1), fields[i][1].trim());
          }
          // Look-alike names never count as framing fields.
          assert.equal(head.keepAlive, true);
          assert.equal(head.contentLength, undefined);
          assert.equal(head.chunked, false);
          assert.equal(head.expectContinue, false);
          assert.equal(head.upgrade, undefined);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('framing fields are still recognised, in any case, among look-alikes', () => {
    const fields: [string, string][] = [
      ['c', '1234567890:'],
      ['Connectio', 'close'],
      ['CONNECTION', ' Upgrade '],
      ['upgrade', 'websocket'],
      ['Content-Lengt', '9'],
      ['content-LENGTH', '5'],
      ['eXpect', '100-continue'],
    ];
    const { head } = headOf(fields);
    assert.equal(head.keepAlive, true);
    assert.equal(head.upgrade, 'websocket');
    assert.equal(head.contentLength, 5);
    assert.equal(head.expectContinue, true);
    assert.equal(headOf([['connection', 'close']]).head.keepAlive, false);
    assert.equal(headOf([['Transfer-Encoding', 'chunked']]).head.chunked, true);
    assert.throws(() => headOf([['hOST', 'x']]), { status: 400 });
  });

  test('headText keeps the fields as one string; fromHeadText gives the same list back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)), {
          maxLength: 12,
        }),
        fc.string({ maxLength: 20 }),
        (fields, pipelined) => {
          // Bytes after the head (a pipelined request, a first WebSocket frame) stay out of it.
          const text = `GET / HTTP/1.1\r\nHost: h\r\n${fields.map(([n, v]) => `${n}:${v}\r\n`).join('')}\r\n`;
          const p = new RequestParser();
          p.feed(Buffer.from(text + pipelined, 'latin1'));
          const ev = p.next();
          assert.ok(ev !== NEED_DATA && ev !== PAUSED && ev.type === 'request');
          const kept = ev.head.headers.headText;
          assert.ok(kept !== undefined);
          assert.equal(kept, text.slice(text.indexOf('\r\n') + 2, -2));
          const again = HeaderList.fromHeadText(kept);
          assert.deepEqual(again.raw, ev.head.headers.raw);
          for (const name of NAMES) assert.equal(again.get(name), ev.head.headers.get(name));
        },
      ),
      { numRuns: 200 },
    );
    assert.equal(new HeaderList(['a', 'b']).headText, undefined);
  });

  test('fromLines reads a head given by line bounds', () => {
    const src = 'Host: a\r\nX-Y:  b c \r\nx-y:d\r\n';
    const h = HeaderList.fromLines(src, [0, 7, 9, 19, 21, 26]);
    assert.equal(h.get('x-y'), 'b c, d');
    assert.deepEqual(
      [...h],
      [
        ['Host', 'a'],
        ['X-Y', 'b c'],
        ['x-y', 'd'],
      ],
    );
    assert.equal(h.get('host'), 'a');
  });
});
