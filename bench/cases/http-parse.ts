/**
 * HTTP/1.1 request parsing: a typical browser GET, and 16 small pipelined GETs in one read,
 * against llhttp as Node's own server uses it (the HTTPParser binding of node:http).
 */
import { createRequire } from 'node:module';
import type { BenchCaseFactory } from '../harness.js';
import { RequestParser } from '../../src/proto/http1/request-parser.js';
import { NEED_DATA, PAUSED } from '../../src/proto/need-data.js';

const require = createRequire(import.meta.url);

const BROWSER_GET = Buffer.from(
  'GET /assets/app.js?v=42 HTTP/1.1\r\n' +
    'Host: www.example.com\r\n' +
    'Connection: keep-alive\r\n' +
    'sec-ch-ua: "Chromium";v="124", "Not-A.Brand";v="99"\r\n' +
    'sec-ch-ua-mobile: ?0\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n' +
    'sec-ch-ua-platform: "Linux"\r\n' +
    'Accept: */*\r\n' +
    'Sec-Fetch-Site: same-origin\r\n' +
    'Sec-Fetch-Mode: no-cors\r\n' +
    'Sec-Fetch-Dest: script\r\n' +
    'Referer: https://www.example.com/index.html\r\n' +
    'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\n' +
    'Cookie: session=8f2a1c9e4b7d; theme=dark\r\n' +
    '\r\n',
  'latin1',
);

const PIPELINED = Buffer.from(
  'GET /n HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n'.repeat(16),
  'latin1',
);

const ROUNDS = 2000;

/** Ours: one parser per connection, re-armed after each request as the server does. */
function ours(input: Buffer, perInput: number, readHeaders: boolean): BenchCaseFactory {
  return () => {
    const parser = new RequestParser();
    return () => {
      let n = 0;
      for (let r = 0; r < ROUNDS; r++) {
        parser.feed(input);
        for (;;) {
          const ev = parser.next();
          if (ev === NEED_DATA) break;
          if (ev === PAUSED) {
            parser.nextMessage();
            continue;
          }
          if (ev.type === 'request') {
            n++;
            // What a server reads of every request: method, target, Host, keep-alive.
            if (readHeaders && ev.head.headers.get('host') === undefined)
              throw new Error('no host');
          }
        }
      }
      if (n !== ROUNDS * perInput) throw new Error(`parsed ${n}`);
      return { ops: n, bytes: n * (input.length / perInput) };
    };
  };
}

interface LlhttpParser {
  initialize(type: number, resource: object): void;
  execute(buf: Buffer): number | Error;
  [key: number]: unknown;
}

/** llhttp with the callbacks node:http installs: headers complete and message complete. */
function llhttp(input: Buffer, perInput: number): BenchCaseFactory {
  return () => {
    const { HTTPParser } = require('_http_common') as {
      HTTPParser: {
        new (): LlhttpParser;
        REQUEST: number;
        kOnHeadersComplete: number;
        kOnMessageComplete: number;
        kOnHeaders: number;
        kOnBody: number;
        kOnExecute: number;
      };
    };
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {});
    let n = 0;
    parser[HTTPParser.kOnHeadersComplete] = (
      _versionMajor: number,
      _versionMinor: number,
      headers: string[],
      _method: number,
      url: string,
    ) => {
      n++;
      if (headers.length === 0 || url.length === 0) throw new Error('no head');
      return 0;
    };
    parser[HTTPParser.kOnMessageComplete] = () => {};
    parser[HTTPParser.kOnHeaders] = () => {};
    parser[HTTPParser.kOnBody] = () => {};
    return () => {
      n = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const ret = parser.execute(input);
        if (ret instanceof Error) throw ret;
      }
      if (n !== ROUNDS * perInput) throw new Error(`parsed ${n}`);
      return { ops: n, bytes: n * (input.length / perInput) };
    };
  };
}

export const httpParseCases: Record<string, BenchCaseFactory> = {
  'http-ours-browser': ours(BROWSER_GET, 1, true),
  'http-llhttp-browser': llhttp(BROWSER_GET, 1),
  'http-ours-pipelined': ours(PIPELINED, 16, true),
  'http-llhttp-pipelined': llhttp(PIPELINED, 16),
};
