// The server takes a request without a body from its head to the next head without an 'end'
// step (RequestParser.nextHead). A shortcut that skipped a body, lost the bytes after a head, or
// went on before a body was read would change what these pipelined streams get back, split
// anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from '../../src/server/index.js';
import { RequestParser } from '../../src/proto/http1/request-parser.js';
import { NEED_DATA, PAUSED } from '../../src/proto/need-data.js';
import { rawConnect } from '../helpers/raw-http.js';

/** Bodiless requests around bodies of every kind: read, chunked, left unread, empty. */
const STREAM =
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' +
  'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
  'GET /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' +
  'POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz' +
  'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
  'HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n' +
  'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' +
  'GET /d HTTP/1.1\r\nHost: x\r\n\r\n';

const EXPECTED = ['a', '<hello>', 'b', 'ignored', '<abc>', '', '<>', 'd'];

/** The bodies of the answers in `text`, in order (HEAD's answer has none). */
function bodies(text: string): string[] {
  const out: string[] = [];
  for (const answer of text.split('HTTP/1.1 200 OK\r\n').slice(1)) {
    const len = Number(/Content-Length: (\d+)\r\n/.exec(answer)?.[1]);
    const at = answer.indexOf('\r\n\r\n') + 4;
    out.push(answer.slice(at, at + len)); // HEAD's: the segment ends with its head
  }
  return out;
}

test('pipelined bodiless and body requests, split at every byte, get the same answers', async () => {
  const server = createServer({ name: 'bodiless-split', drivers: [{ port: 0 }] });
  server.get('/a', (ctx) => ctx.send('a'));
  server.get('/b', (ctx) => ctx.send('b'));
  server.get('/d', (ctx) => ctx.send('d'));
  server.route('HEAD', '/c', (ctx) => ctx.send('c'));
  server.post('/echo', async (ctx) => ctx.send(`<${await ctx.text()}>`));
  server.post('/ignore', (ctx) => ctx.send('ignored'));
  const [d] = await server.listen();
  try {
    for (let cut = 0; cut < STREAM.length; cut++) {
      const client = await rawConnect(d.port);
      try {
        client.write(STREAM.slice(0, cut));
        await sleep(2); // the two parts arrive as two reads
        client.write(STREAM.slice(cut));
        const text = await client.waitFor((t) => t.split('HTTP/1.1 200 OK').length === 9, 5000);
        assert.deepEqual(bodies(text), EXPECTED, `split at ${cut}`);
      } finally {
        client.socket.destroy();
      }
    }
  } finally {
    await server.close({ graceMs: 50 });
  }
});

test('nextHead() ends a bodiless request at once and leaves a body to next()', () => {
  const parser = new RequestParser();
  parser.feed(Buffer.from(STREAM.slice(0, STREAM.indexOf('GET /b'))));
  const first = parser.nextHead();
  assert.ok(first !== NEED_DATA && 'method' in first);
  assert.equal(first.target, '/a');
  assert.equal(parser.paused, true, 'no body: paused without an end step');
  assert.equal(parser.next(), PAUSED);
  assert.throws(() => parser.nextHead(), { code: 'ERR_HTTP_NOT_BETWEEN_MESSAGES' });
  parser.nextMessage();
  const second = parser.nextHead();
  assert.ok(second !== NEED_DATA && 'method' in second);
  assert.equal(second.contentLength, 5);
  assert.equal(parser.paused, false, 'a body is still to be read');
  const data = parser.next();
  assert.ok(data !== NEED_DATA && data !== PAUSED && data.type === 'data');
  assert.equal(data.data.toString(), 'hello');
  assert.deepEqual(parser.next(), { type: 'end' });
  assert.equal(parser.next(), PAUSED);
  parser.nextMessage();
  assert.equal(parser.nextHead(), NEED_DATA);
  parser.feedEof();
  assert.deepEqual(parser.nextHead(), { type: 'eof' });
});
