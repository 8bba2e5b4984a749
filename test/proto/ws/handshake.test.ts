import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { ProtocolError, UsageError } from '../../../src/errors.js';
import { acceptFor, generateKey } from '../../../src/io/handshake-keys.js';
import {
  buildAcceptResponse,
  buildClientRequest,
  buildRejectResponse,
  headerGetter,
  headerGetterFromRaw,
  selectSubprotocol,
  validateClientRequest,
  validateServerResponse,
  type ClientOffer,
} from '../../../src/proto/ws/handshake.js';
import { listHasToken } from '../../../src/proto/ws/handshake-headers.js';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

const GOOD: Record<string, string> = {
  host: 'server.example.com',
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': RFC_KEY,
  'sec-websocket-version': '13',
};

function request(headers: Record<string, string | undefined>, method = 'GET', httpVersion = '1.1') {
  const all = { ...GOOD, ...headers };
  return { method, httpVersion, getHeader: (name: string) => all[name] };
}

function assertRefused(
  fn: () => unknown,
  code: string,
  status: number,
  headers?: Record<string, string>,
): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    assert.deepEqual(err.headers, headers);
    return true;
  });
}

/** Splits a head we built into its first line and raw [name, value, …] pairs. */
function parseHead(buf: Buffer): { first: string; raw: string[]; body: string } {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'head ends with an empty line');
  const [first, ...lines] = text.slice(0, end).split('\r\n');
  const raw: string[] = [];
  for (const l of lines) {
    const colon = l.indexOf(':');
    raw.push(l.slice(0, colon), l.slice(colon + 1).trim());
  }
  return { first, raw, body: text.slice(end + 4) };
}

describe('handshake keys', () => {
  test('acceptFor gives the RFC 6455 §4.2.2 example', () => {
    assert.equal(acceptFor(RFC_KEY), RFC_ACCEPT);
  });

  test('generateKey gives fresh 16-byte base64 keys the server accepts', () => {
    const a = generateKey();
    const b = generateKey();
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.equal(validateClientRequest(request({ 'sec-websocket-key': a })).key, a);
  });
});

describe('validateClientRequest', () => {
  test('returns key, protocols, extensions, host and origin', () => {
    const info = validateClientRequest(
      request({
        'sec-websocket-protocol': 'chat, superchat',
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits, x-y',
        origin: 'http://example.com',
      }),
    );
    assert.equal(info.key, RFC_KEY);
    assert.deepEqual(info.protocols, ['chat', 'superchat']);
    assert.deepEqual(
      info.extensions.map((e) => e.name),
      ['permessage-deflate', 'x-y'],
    );
    assert.equal(info.host, 'server.example.com');
    assert.equal(info.origin, 'http://example.com');
  });

  test('finds the tokens in comma lists, case-insensitively', () => {
    for (const [upgrade, connection] of [
      ['WebSocket', 'keep-alive, Upgrade'],
      ['h2c, websocket', 'UPGRADE,keep-alive'],
      ['websocket', 'keep-alive,upgrade , close'],
    ]) {
      assert.equal(validateClientRequest(request({ upgrade, connection })).key, RFC_KEY);
    }
    assert.equal(validateClientRequest(request({}, 'GET', '2.0')).key, RFC_KEY);
  });

  test('refuses a method other than GET with 405 and Allow', () => {
    assertRefused(
      () => validateClientRequest(request({}, 'POST')),
      'ERR_WS_HANDSHAKE_METHOD',
      405,
      {
        Allow: 'GET',
      },
    );
    assertRefused(() => validateClientRequest(request({}, 'get')), 'ERR_WS_HANDSHAKE_METHOD', 405, {
      Allow: 'GET',
    });
  });

  test('refuses HTTP/1.0 and garbage versions with 400', () => {
    for (const v of ['1.0', '0.9', '', '1', 'x.y']) {
      assertRefused(
        () => validateClientRequest(request({}, 'GET', v)),
        'ERR_WS_HANDSHAKE_HTTP_VERSION',
        400,
      );
    }
  });

  test('refuses a missing or empty Host with 400', () => {
    assertRefused(
      () => validateClientRequest(request({ host: undefined })),
      'ERR_WS_HANDSHAKE_HOST',
      400,
    );
    assertRefused(
      () => validateClientRequest(request({ host: ' ' })),
      'ERR_WS_HANDSHAKE_HOST',
      400,
    );
  });

  test('refuses Upgrade without websocket and Connection without upgrade with 400', () => {
    for (const upgrade of [undefined, '', 'h2c', 'websockets', 'web socket']) {
      assertRefused(
        () => validateClientRequest(request({ upgrade })),
        'ERR_WS_HANDSHAKE_UPGRADE',
        400,
      );
    }
    for (const connection of [undefined, 'keep-alive', 'upgraded', 'close']) {
      assertRefused(
        () => validateClientRequest(request({ connection })),
        'ERR_WS_HANDSHAKE_CONNECTION',
        400,
      );
    }
  });

  test('refuses a version other than 13 with 426 and Sec-WebSocket-Version: 13', () => {
    for (const v of [undefined, '8', '14', '13, 8', '']) {
      assertRefused(
        () => validateClientRequest(request({ 'sec-websocket-version': v })),
        'ERR_WS_HANDSHAKE_VERSION',
        426,
        { 'Sec-WebSocket-Version': '13' },
      );
    }
  });

  test('refuses keys that are not 16 bytes of base64 with 400', () => {
    const bad = [
      undefined,
      '',
      Buffer.alloc(15, 1).toString('base64'),
      Buffer.alloc(17, 1).toString('base64'),
      'dGhlIHNhbXBsZSBub25jZQ', // no padding
      'dGhlIHNhbXBsZSBub25jZ!==',
      'dGhlIHNhbXBsZSBub25j ZQ==',
      `${RFC_KEY}, ${RFC_KEY}`, // sent twice
    ];
    for (const key of bad) {
      assertRefused(
        () => validateClientRequest(request({ 'sec-websocket-key': key })),
        'ERR_WS_HANDSHAKE_KEY',
        400,
      );
    }
  });

  test('accepts every 16-byte key and rejects other lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 24 }), (bytes) => {
        const key = Buffer.from(bytes).toString('base64');
        const run = () => validateClientRequest(request({ 'sec-websocket-key': key }));
        if (bytes.length === 16) assert.equal(run().key, key);
        else assert.throws(run, (e: unknown) => e instanceof ProtocolError && e.status === 400);
      }),
      { numRuns: 200 },
    );
  });

  test('refuses bad subprotocol lists and bad extension headers with 400', () => {
    for (const p of ['chat, chat', 'two words', 'a;b']) {
      assertRefused(
        () => validateClientRequest(request({ 'sec-websocket-protocol': p })),
        'ERR_WS_HANDSHAKE_PROTOCOL',
        400,
      );
    }
    assertRefused(
      () => validateClientRequest(request({ 'sec-websocket-extensions': 'permessage-deflate;' })),
      'ERR_WS_INVALID_EXTENSIONS_HEADER',
      400,
    );
  });
});

describe('listHasToken', () => {
  /** The list read as RFC 9110 says: split at commas, OWS trimmed, `name/version` by its name. */
  function reference(value: string, token: string): boolean {
    return value.split(',').some((part) => {
      const el = part.replace(/^[ \t]+|[ \t]+$/g, '');
      const slash = el.indexOf('/');
      return (slash < 0 ? el : el.slice(0, slash)).toLowerCase() === token;
    });
  }

  test('finds the token wherever the list has it, in any case, with OWS and versions', () => {
    assert.equal(listHasToken('websocket', 'websocket'), true);
    assert.equal(listHasToken('keep-alive, Upgrade', 'upgrade'), true);
    assert.equal(listHasToken(' \tUPGRADE\t ,keep-alive', 'upgrade'), true);
    assert.equal(listHasToken('h2c, WebSocket/13', 'websocket'), true);
    assert.equal(listHasToken(',,websocket,', 'websocket'), true);
    assert.equal(listHasToken('websockets', 'websocket'), false);
    assert.equal(listHasToken('web socket', 'websocket'), false);
    assert.equal(listHasToken('websocket /13', 'websocket'), false);
    assert.equal(listHasToken('xwebsocket, upgradex', 'upgrade'), false);
    assert.equal(listHasToken('', 'upgrade'), false);
    assert.equal(listHasToken(undefined, 'upgrade'), false);
  });

  test('agrees with the split-and-trim reading on any list of near-miss elements', () => {
    const element = fc.oneof(
      fc.constantFrom('upgrade', 'Upgrade', 'UPGRADE', 'upgrad', 'upgradee', 'up grade', 'Ü'),
      fc.constantFrom('upgrade/1', 'keep-alive', '', 'close', 'upgrade /1'),
      fc.string({ maxLength: 6 }),
    );
    const ows = fc.constantFrom('', ' ', '\t', ' \t ');
    fc.assert(
      fc.property(fc.array(fc.tuple(ows, element, ows), { maxLength: 5 }), (parts) => {
        const value = parts.map(([a, el, b]) => a + el + b).join(',');
        assert.equal(listHasToken(value, 'upgrade'), reference(value, 'upgrade'), value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('header getters', () => {
  test('headerGetter joins array values', () => {
    const get = headerGetter({ upgrade: 'websocket', 'sec-websocket-protocol': ['a', 'b'] });
    assert.equal(get('upgrade'), 'websocket');
    assert.equal(get('sec-websocket-protocol'), 'a, b');
    assert.equal(get('host'), undefined);
  });

  test('headerGetterFromRaw lowers names and joins repeated fields in order', () => {
    const get = headerGetterFromRaw([
      'Connection',
      'keep-alive',
      'Host',
      'h',
      'CONNECTION',
      'Upgrade',
    ]);
    assert.equal(get('connection'), 'keep-alive, Upgrade');
    assert.equal(get('host'), 'h');
  });
});

describe('selectSubprotocol', () => {
  test('takes the first protocol in the client order that we support', () => {
    assert.equal(selectSubprotocol(['v2', 'v1'], ['v1', 'v2']), 'v2');
    assert.equal(selectSubprotocol(['x', 'v1'], ['v1', 'v2']), 'v1');
    assert.equal(selectSubprotocol(['Chat'], ['chat']), undefined);
    assert.equal(selectSubprotocol([], ['chat']), undefined);
  });

  test('asks a function, and refuses an answer the client did not offer', () => {
    assert.equal(
      selectSubprotocol(['a', 'b'], (o) => o[1]),
      'b',
    );
    assert.equal(
      selectSubprotocol(['a'], () => undefined),
      undefined,
    );
    assert.throws(
      () => selectSubprotocol(['a'], () => 'c'),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_WS_INVALID_PROTOCOL',
    );
  });
});

describe('buildAcceptResponse', () => {
  test('writes the RFC 6455 §1.3 response', () => {
    assert.equal(
      buildAcceptResponse({ accept: RFC_ACCEPT, protocol: 'chat' }).toString('latin1'),
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`,
    );
  });

  test('the plain answer (no protocol, extensions or headers) is the same bytes for any key', () => {
    for (let i = 0; i < 200; i++) {
      const accept = acceptFor(generateKey());
      assert.equal(
        buildAcceptResponse({ accept }).toString('latin1'),
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    }
    // A value acceptFor would not make still goes through the checks.
    assert.equal(
      buildAcceptResponse({ accept: 'not-base64 but fine' }).toString('latin1').split('\r\n')[3],
      'Sec-WebSocket-Accept: not-base64 but fine',
    );
    assert.throws(
      () => buildAcceptResponse({ accept: `${RFC_ACCEPT}\r\nX-Evil: 1` }),
      (err: unknown) => err instanceof UsageError && err.code === 'ERR_WS_INVALID_HEADER',
    );
  });

  test('adds extensions and extra headers, repeated ones as separate lines', () => {
    const { first, raw } = parseHead(
      buildAcceptResponse({
        accept: RFC_ACCEPT,
        extensions: 'permessage-deflate',
        headers: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Id': '7' },
      }),
    );
    assert.equal(first, 'HTTP/1.1 101 Switching Protocols');
    assert.deepEqual(raw.slice(6), [
      'Sec-WebSocket-Extensions',
      'permessage-deflate',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
      'X-Id',
      '7',
    ]);
  });

  test('refuses header injection, bad names, our own headers and non-token protocols', () => {
    const bad: Parameters<typeof buildAcceptResponse>[0][] = [
      { accept: `${RFC_ACCEPT}\r\nX: y` },
      { accept: RFC_ACCEPT, headers: { 'X-A': 'a\r\nInjected: 1' } },
      { accept: RFC_ACCEPT, headers: { 'X-A': 'a\nb' } },
      { accept: RFC_ACCEPT, headers: { 'Bad Name': 'x' } },
      { accept: RFC_ACCEPT, headers: { 'sec-websocket-accept': 'x' } },
      { accept: RFC_ACCEPT, headers: { Upgrade: 'h2c' } },
      { accept: RFC_ACCEPT, protocol: 'two words' },
      { accept: RFC_ACCEPT, extensions: 'x\r\n' },
    ];
    for (const opts of bad) {
      assert.throws(
        () => buildAcceptResponse(opts),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_WS_INVALID_HEADER',
        JSON.stringify(opts),
      );
    }
  });
});

describe('buildRejectResponse', () => {
  test('carries the answer of a ProtocolError, with an exact Content-Length', () => {
    let err: ProtocolError | undefined;
    try {
      validateClientRequest(request({ 'sec-websocket-version': '8' }));
    } catch (e) {
      err = e as ProtocolError;
    }
    assert.ok(err?.status !== undefined);
    const { first, raw, body } = parseHead(
      buildRejectResponse(err.status, { headers: err.headers, body: `${err.message} — ü` }),
    );
    assert.equal(first, 'HTTP/1.1 426 Upgrade Required');
    const get = headerGetterFromRaw(raw);
    assert.equal(get('sec-websocket-version'), '13');
    assert.equal(get('connection'), 'close');
    assert.equal(get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(Number(get('content-length')), Buffer.byteLength(`${err.message} — ü`));
    assert.equal(Buffer.from(body, 'latin1').toString('utf8'), `${err.message} — ü`);
  });

  test('defaults the body to the reason and lets headers override defaults once', () => {
    const text = buildRejectResponse(403, {
      headers: { 'content-type': 'application/json' },
    }).toString();
    assert.equal(
      text,
      'HTTP/1.1 403 Forbidden\r\nConnection: close\r\ncontent-type: application/json\r\n' +
        'Content-Length: 9\r\n\r\nForbidden',
    );
    assert.match(buildRejectResponse(418).toString(), /^HTTP\/1\.1 418 \r\n[^]*\r\n\r\n418$/);
  });

  test('refuses statuses outside 200–599 and a user Content-Length', () => {
    for (const s of [101, 199, 600, 400.5]) {
      assert.throws(
        () => buildRejectResponse(s),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_WS_INVALID_STATUS',
      );
    }
    assert.throws(
      () => buildRejectResponse(400, { headers: { 'Content-Length': '1' } }),
      UsageError,
    );
  });
});

describe('buildClientRequest', () => {
  test('writes the RFC 6455 §1.3 request', () => {
    assert.equal(
      buildClientRequest({
        host: 'server.example.com',
        path: '/chat',
        key: RFC_KEY,
        protocols: ['chat', 'superchat'],
        origin: 'http://example.com',
      }).toString('latin1'),
      'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${RFC_KEY}\r\nSec-WebSocket-Version: 13\r\n` +
        'Sec-WebSocket-Protocol: chat, superchat\r\nOrigin: http://example.com\r\n\r\n',
    );
  });

  test('refuses what would make an invalid request', () => {
    const base = { host: 'h', path: '/', key: RFC_KEY };
    const bad: Parameters<typeof buildClientRequest>[0][] = [
      { ...base, path: '/a b' },
      { ...base, path: '' },
      { ...base, host: 'h\r\nX: 1' },
      { ...base, key: 'abc' },
      { ...base, protocols: ['a', 'a'] },
      { ...base, protocols: ['a b'] },
      { ...base, origin: 'x\ny' },
      { ...base, headers: { Host: 'other' } },
      { ...base, headers: { 'Sec-WebSocket-Key': RFC_KEY } },
    ];
    for (const opts of bad) {
      assert.throws(
        () => buildClientRequest(opts),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_WS_INVALID_HEADER',
        JSON.stringify(opts),
      );
    }
  });

  test('a request we build passes our server checks, and its response our client checks', () => {
    const key = generateKey();
    const req = parseHead(
      buildClientRequest({
        host: 'example.com:8080',
        path: '/ws?x=1',
        key,
        protocols: ['v1', 'v2'],
        extensions: 'permessage-deflate; client_max_window_bits',
        headers: { Authorization: 'Bearer t' },
      }),
    );
    const [method, , version] = req.first.split(' ');
    const info = validateClientRequest({
      method,
      httpVersion: version.slice('HTTP/'.length),
      getHeader: headerGetterFromRaw(req.raw),
    });
    assert.equal(info.key, key);
    const protocol = selectSubprotocol(info.protocols, ['v2']);
    const res = parseHead(
      buildAcceptResponse({
        accept: acceptFor(info.key),
        protocol,
        extensions: 'permessage-deflate',
      }),
    );
    const got = validateServerResponse(
      { status: Number(res.first.split(' ')[1]), getHeader: headerGetterFromRaw(res.raw) },
      {
        expectedAccept: acceptFor(key),
        offeredProtocols: ['v1', 'v2'],
        offeredExtensions: ['permessage-deflate'],
      },
    );
    assert.equal(got.protocol, 'v2');
    assert.deepEqual(got.extensions, [{ name: 'permessage-deflate', params: [] }]);
  });
});

describe('validateServerResponse', () => {
  const OK: Record<string, string> = {
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-accept': RFC_ACCEPT,
  };
  const offer: ClientOffer = {
    expectedAccept: RFC_ACCEPT,
    offeredProtocols: ['chat', 'v2'],
    offeredExtensions: [{ name: 'permessage-deflate', params: [] }],
  };
  const check = (
    headers: Record<string, string | undefined>,
    status = 101,
    o: ClientOffer = offer,
  ) => {
    const all = { ...OK, ...headers };
    return validateServerResponse({ status, getHeader: (n) => all[n] }, o);
  };
  const assertFails = (fn: () => unknown, code: string, text?: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, code);
      assert.equal(e.status, undefined);
      assert.equal(e.closeCode, undefined);
      if (text) assert.match(e.message, text);
      return true;
    });

  test('accepts a minimal response, and a chosen protocol and extension', () => {
    assert.deepEqual(check({}), { protocol: undefined, extensions: [] });
    const got = check({
      'sec-websocket-protocol': 'v2',
      'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover',
      connection: 'keep-alive, upgrade',
      upgrade: 'WebSocket',
    });
    assert.equal(got.protocol, 'v2');
    assert.deepEqual(got.extensions, [
      { name: 'permessage-deflate', params: [{ name: 'server_no_context_takeover' }] },
    ]);
  });

  test('fails on a status other than 101, naming it', () => {
    assertFails(() => check({}, 200), 'ERR_WS_HANDSHAKE_STATUS', /status 200/);
    assertFails(() => check({}, 403), 'ERR_WS_HANDSHAKE_STATUS', /status 403/);
  });

  test('fails on missing Upgrade or Connection tokens', () => {
    assertFails(() => check({ upgrade: undefined }), 'ERR_WS_HANDSHAKE_UPGRADE');
    assertFails(() => check({ upgrade: 'h2c' }), 'ERR_WS_HANDSHAKE_UPGRADE');
    assertFails(() => check({ connection: undefined }), 'ERR_WS_HANDSHAKE_CONNECTION');
    assertFails(() => check({ connection: 'close' }), 'ERR_WS_HANDSHAKE_CONNECTION');
  });

  test('fails on a missing or wrong accept value', () => {
    assertFails(() => check({ 'sec-websocket-accept': undefined }), 'ERR_WS_HANDSHAKE_ACCEPT');
    assertFails(
      () => check({ 'sec-websocket-accept': acceptFor(generateKey()) }),
      'ERR_WS_HANDSHAKE_ACCEPT',
      /expected "s3pPLMBiTxaQ9kYGzzhZRbK\+xOo="/,
    );
  });

  test('fails on a protocol we did not offer, or any protocol when we offered none', () => {
    assertFails(
      () => check({ 'sec-websocket-protocol': 'other' }),
      'ERR_WS_HANDSHAKE_PROTOCOL',
      /did not offer/,
    );
    assertFails(() => check({ 'sec-websocket-protocol': 'chat, v2' }), 'ERR_WS_HANDSHAKE_PROTOCOL');
    assertFails(
      () => check({ 'sec-websocket-protocol': 'chat' }, 101, { expectedAccept: RFC_ACCEPT }),
      'ERR_WS_HANDSHAKE_PROTOCOL',
      /offered none/,
    );
  });

  test('fails on extensions not offered, repeated, or malformed', () => {
    assertFails(
      () => check({ 'sec-websocket-extensions': 'x-other' }),
      'ERR_WS_HANDSHAKE_EXTENSIONS',
      /x-other/,
    );
    assertFails(
      () => check({ 'sec-websocket-extensions': 'permessage-deflate, permessage-deflate' }),
      'ERR_WS_HANDSHAKE_EXTENSIONS',
      /more than once/,
    );
    assertFails(
      () => check({ 'sec-websocket-extensions': 'permessage-deflate;' }),
      'ERR_WS_HANDSHAKE_EXTENSIONS',
    );
    assertFails(
      () =>
        check({ 'sec-websocket-extensions': 'permessage-deflate' }, 101, {
          expectedAccept: RFC_ACCEPT,
        }),
      'ERR_WS_HANDSHAKE_EXTENSIONS',
    );
  });
});
