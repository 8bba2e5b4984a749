// A request's header list finds its lines only when a header is first read (HeaderList.fromBlock):
// whatever is read first, it must give what the parser's own line record gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderList } from '../../../src/proto/http1/headers.js';
import { RequestParser } from '../../../src/proto/http1/request-parser.js';
import { NEED_DATA } from '../../../src/proto/need-data.js';

const FIELDS = 'Host: x\r\nX-A:  one \r\nx-a: two\r\nAccept:\r\nCookie: c=1; d=2\r\n';
const HEAD = `GET /p?q HTTP/1.1\r\n${FIELDS}\r\n`;
const START = HEAD.indexOf('\r\n') + 2;

const READS: ((h: HeaderList) => unknown)[] = [
  (h) => h.size,
  (h) => h.raw,
  (h) => h.get('x-a'),
  (h) => h.get('ACCEPT'),
  (h) => h.getAll('X-A'),
  (h) => h.nameAt(4),
  (h) => h.valueAt(1),
  (h) => h.get('none'),
  (h) => h.headText,
];

test('a header block gives what its field lines give, whichever read comes first', () => {
  const expected = READS.map((read) => read(HeaderList.fromHeadText(FIELDS)));
  assert.deepEqual(expected.slice(0, 5), [
    5,
    ['Host', 'x', 'X-A', 'one', 'x-a', 'two', 'Accept', '', 'Cookie', 'c=1; d=2'],
    'one, two',
    '',
    ['one', 'two'],
  ]);
  for (let first = 0; first < READS.length; first++) {
    const block = HeaderList.fromBlock(HEAD, START, HEAD.length - 2);
    assert.deepEqual(READS[first](block), expected[first], `read ${first} first`);
    const lines = HeaderList.fromHeadText(FIELDS);
    READS[first](lines);
    assert.deepEqual(
      READS.map((read) => read(block)),
      READS.map((read) => read(lines)),
      `after read ${first}`,
    );
  }
});

test('a parsed request reads its headers from the block of its own head, split or not', () => {
  for (let cut = 1; cut < HEAD.length; cut++) {
    const parser = new RequestParser();
    parser.feed(Buffer.from(HEAD.slice(0, cut)));
    assert.equal(parser.nextHead(), NEED_DATA);
    parser.feed(Buffer.from(HEAD.slice(cut) + HEAD)); // a pipelined second head follows
    const head = parser.nextHead();
    assert.ok(head !== NEED_DATA && 'headers' in head);
    assert.deepEqual(head.headers.raw, HeaderList.fromHeadText(FIELDS).raw, `split at ${cut}`);
  }
});
