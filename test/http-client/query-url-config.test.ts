import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatQuery,
  quoteString,
  config,
  HttpClient,
  DEFAULT_HTTP_CONFIG,
} from '../../src/http-client/index.js';
import { quoteString as quoteWith } from '../../src/http-client/query.js';
import { parseRequestUrl } from '../../src/http-client/url.js';
import { proxyFor, globMatch } from '../../src/http-client/config.js';
import { checkOptions } from '../../src/http-client/options.js';
import { isTextType, charsetOf, decodeText } from '../../src/http-client/charset.js';
import { buildHead, type HeadSpec } from '../../src/http-client/request-head.js';

const ports = (s: string) => (s === 'http' ? 80 : s === 'https' ? 443 : undefined);

describe('formatQuery and quoteString', () => {
  test('unreserved characters pass, others are %XX of the UTF-8 bytes, newline is %0D%0A', () => {
    assert.equal(quoteString('aZ09-._~'), 'aZ09-._~');
    assert.equal(quoteString('a b&c=d/é'), 'a%20b%26c%3Dd%2F%C3%A9');
    assert.equal(quoteString('x\ny'), 'x%0D%0Ay');
    assert.equal(formatQuery('q', 'tcl http', 'n', '1'), 'q=tcl%20http&n=1');
    assert.equal(formatQuery({ a: '1', 'b c': '2' }), 'a=1&b%20c=2');
    assert.equal(formatQuery([['x', 'y']]), 'x=y');
    assert.throws(() => formatQuery('odd'), /even/);
  });

  test('urlencoding: iso8859-1 encodes latin1 and refuses others; "" takes low bytes; config honoured', () => {
    assert.equal(quoteWith('é', 'iso8859-1'), '%E9');
    assert.throws(() => quoteWith('€', 'iso8859-1'), { code: 'ERR_HTTP_CLIENT_ENCODING' });
    assert.equal(quoteWith('é', ''), '%E9');
    const c = new HttpClient({ urlencoding: 'iso8859-1' });
    assert.equal(c.quoteString('é'), '%E9');
    assert.equal(c.formatQuery('k', 'é'), 'k=%E9');
  });

  test('property: decoding a quoted string gives it back (newlines as CRLF)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const q = quoteString(s);
        assert.match(q, /^[-._~A-Za-z0-9%]*$/);
        assert.equal(decodeURIComponent(q), s.replace(/\r?\n/g, '\r\n'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('URLs', () => {
  test('scheme optional, default ports, path may be empty or start with ?, fragment dropped', () => {
    const u = parseRequestUrl('example.org', true, ports);
    assert.deepEqual(
      [u.scheme, u.host, u.port, u.target, u.authority],
      ['http', 'example.org', 80, '/', 'example.org'],
    );
    const v = parseRequestUrl('HTTPS://User:pw@Example.org:8443?x=1#frag', true, ports);
    assert.deepEqual(
      [v.scheme, v.host, v.port, v.target, v.authority, v.userinfo],
      ['https', 'example.org', 8443, '/?x=1', 'example.org:8443', 'User:pw'],
    );
    const w = parseRequestUrl('http://[::1]:8080/a', true, ports);
    assert.deepEqual([w.host, w.port, w.authority], ['::1', 8080, '[::1]:8080']);
    assert.equal(parseRequestUrl('localhost:8080/p', true, ports).port, 8080);
  });

  test('strict refuses characters outside RFC 3986; non-strict encodes them', () => {
    assert.throws(() => parseRequestUrl('http://h/a b', true, ports), {
      code: 'ERR_HTTP_CLIENT_INVALID_URL',
    });
    assert.throws(() => parseRequestUrl('http://h/%zz', true, ports), {
      code: 'ERR_HTTP_CLIENT_INVALID_URL',
    });
    assert.equal(parseRequestUrl('http://h/a b%zz"é', false, ports).target, '/a%20b%25zz%22%C3%A9');
    assert.throws(() => parseRequestUrl('http://h:99999/', true, ports), /port/);
    assert.throws(() => parseRequestUrl('http:///x', true, ports), {
      code: 'ERR_HTTP_CLIENT_INVALID_URL',
    });
    assert.throws(() => parseRequestUrl('gopher://h/', true, ports), {
      code: 'ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME',
    });
  });

  test('property: every valid target parsed in strict mode is a valid request target', () => {
    const seg = fc.stringMatching(/^[-A-Za-z0-9._~!$&'()*+,;=:@]{0,8}$/);
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 4 }), (segs) => {
        const path = '/' + segs.join('/');
        assert.equal(parseRequestUrl(`http://h${path}`, true, ports).target, path);
      }),
      { numRuns: 200 },
    );
  });
});

describe('config', () => {
  test('defaults as the manual says', () => {
    const c = config();
    assert.equal(c.accept, '*/*');
    assert.equal(c.pipeline, true);
    assert.equal(c.postfresh, false);
    assert.equal(c.repost, false);
    assert.equal(c.urlencoding, 'utf-8');
    assert.equal(c.zip, true);
    assert.equal(c.proxyhost, '');
    assert.equal(c.keepalive, false);
    assert.equal(c.maxConnectionsPerOrigin, 1);
    assert.equal(config('accept'), '*/*');
  });

  test('per-instance configs are independent of the default one; bad keys and values throw', () => {
    const c = new HttpClient({ useragent: 'x/1' });
    assert.equal(c.configure('useragent'), 'x/1');
    assert.notEqual(config('useragent'), 'x/1');
    assert.throws(() => c.configure({ nosuch: 1 } as never), {
      code: 'ERR_HTTP_CLIENT_INVALID_OPTION',
    });
    assert.throws(() => c.configure({ pipeline: 'yes' as never }), /boolean/);
    assert.throws(() => c.configure({ proxyport: 70000 }), /port/);
    assert.throws(() => c.configure({ urlencoding: 'klingon' }), /urlencoding/);
    assert.throws(() => new HttpClient({ maxConnectionsPerOrigin: 0 }), /≥ 1/);
    assert.throws(() => c.configure('nosuch' as never), /unknown/);
    c.configure({ pipeline: false, proxynot: ['*.local'] });
    assert.equal(c.configure().pipeline, false);
    assert.deepEqual(DEFAULT_HTTP_CONFIG.proxynot, []);
  });

  test('proxy selection: proxyhost/proxyport, proxynot globs, proxyfilter', () => {
    const base = {
      ...DEFAULT_HTTP_CONFIG,
      proxyhost: 'proxy',
      proxyport: 3128,
      proxynot: ['*.internal', 'localhost'],
    };
    assert.deepEqual(proxyFor(base, 'example.org'), {
      host: 'proxy',
      port: 3128,
      authorization: undefined,
    });
    assert.equal(proxyFor(base, 'db.internal'), undefined);
    assert.equal(proxyFor(base, 'LOCALHOST'), undefined);
    assert.equal(proxyFor({ ...DEFAULT_HTTP_CONFIG }, 'example.org'), undefined);
    const filtered = {
      ...base,
      proxyfilter: (h: string) => (h === 'x' ? (['p2', 1] as const) : undefined),
    };
    assert.deepEqual(proxyFor(filtered, 'x'), { host: 'p2', port: 1, authorization: undefined });
    assert.equal(proxyFor(filtered, 'example.org'), undefined);
    assert.ok(globMatch('a?c', 'abc') && !globMatch('a?c', 'abbc'));
  });
});

describe('options, charsets, request heads', () => {
  test('checkOptions fills defaults and rejects bad values', () => {
    const o = checkOptions({ timeout: '1.5' });
    assert.equal(o.timeoutMs, 1500);
    assert.equal(o.blocksize, 8192);
    assert.equal(o.strict, true);
    assert.deepEqual(checkOptions({ headers: ['A', '1', 'B', '2'] }).headerPairs, [
      ['A', '1'],
      ['B', '2'],
    ]);
    assert.throws(() => checkOptions({ headers: ['A'] }), /even/);
    assert.throws(() => checkOptions({ protocol: '2' as never }), /protocol/);
    assert.throws(() => checkOptions({ method: 'BAD METHOD' }), /method/);
    assert.throws(() => checkOptions({ channel: {} as never }), /channel/);
    assert.equal(checkOptions({ followRedirects: true }).maxRedirects, 10);
  });

  test('text types and charsets', () => {
    assert.ok(isTextType('text/plain'));
    assert.ok(isTextType('application/json'));
    assert.ok(isTextType('application/atom+xml'));
    assert.ok(!isTextType('image/png'));
    assert.ok(!isTextType('application/octet-stream'));
    assert.equal(charsetOf('text/html; Charset="UTF-8"'), 'utf-8');
    assert.equal(decodeText(Buffer.from([0xa4]), 'iso-8859-15'), '€');
    assert.equal(decodeText(Buffer.from([0xe9]), 'no-such-charset'), 'é');
  });

  test('request head: Tcl field order, overrides, merged Connection, no body fields without a body', () => {
    const { head, connection } = buildHead({
      method: 'POST',
      target: '/x',
      version: '1.1',
      authority: 'h',
      useragent: 'ua',
      accept: '*/*',
      acceptEncoding: 'gzip,deflate',
      keepAlive: true,
      user: [
        ['Connection', 'Upgrade'],
        ['X-Y', 'z'],
      ],
      extra: [],
      contentType: 'text/plain',
      contentLength: 3,
    });
    assert.equal(
      head,
      'POST /x HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\nConnection: Upgrade, keep-alive\r\nAccept: */*\r\nAccept-Encoding: gzip,deflate\r\nX-Y: z\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n',
    );
    assert.equal(connection, 'Upgrade, keep-alive');
    // A bodiless GET with nothing but Host: the base of the two heads below.
    const bareGet: Omit<HeadSpec, 'user' | 'extra' | 'contentType'> = {
      method: 'GET',
      target: '/',
      version: '1.1',
      authority: 'h',
      useragent: '',
      accept: '',
      acceptEncoding: '',
      keepAlive: false,
      contentLength: undefined,
    };
    const get = buildHead({ ...bareGet, user: [], extra: [], contentType: 'x' });
    assert.equal(get.head, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    assert.throws(
      () => buildHead({ ...bareGet, extra: [], contentType: undefined, user: [['Bad Name', 'v']] }),
      /token/,
    );
  });
});
