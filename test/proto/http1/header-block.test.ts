// A request head taken with nextHead(), split anywhere and followed by a pipelined one, carries
// the header list of its own field lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderList } from '../../../src/proto/http1/headers.js';
import { RequestParser } from '../../../src/proto/http1/request-parser.js';
import { NEED_DATA } from '../../../src/proto/need-data.js';

const FIELDS = 'Host: x\r\nX-A:  one \r\nx-a: two\r\nAccept:\r\nCookie: c=1; d=2\r\n';
const HEAD = `GET /p?q HTTP/1.1\r\n${FIELDS}\r\n`;

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
