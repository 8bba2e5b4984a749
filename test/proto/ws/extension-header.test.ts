import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError, UsageError } from '../../../src/errors.js';
import {
  formatExtensions,
  isToken,
  parseExtensions,
  type ExtensionOffer,
} from '../../../src/proto/ws/extension-header.js';

function assertMalformed(header: string): void {
  assert.throws(
    () => parseExtensions(header),
    (err: unknown) =>
      err instanceof ProtocolError &&
      err.code === 'ERR_WS_INVALID_EXTENSIONS_HEADER' &&
      err.status === 400 &&
      /position \d+/.test(err.message),
    `expected ${JSON.stringify(header)} to be rejected`,
  );
}

describe('parseExtensions', () => {
  test('reads names and parameters, valueless and with values, in order', () => {
    assert.deepEqual(
      parseExtensions(
        'permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo',
      ),
      [
        {
          name: 'permessage-deflate',
          params: [
            { name: 'client_max_window_bits' },
            { name: 'server_max_window_bits', value: '10' },
          ],
        },
        { name: 'x-foo', params: [] },
      ],
    );
  });

  test('keeps several offers of one extension separate and in order', () => {
    const got = parseExtensions(
      'permessage-deflate; server_max_window_bits=10, permessage-deflate, permessage-deflate; a',
    );
    assert.deepEqual(
      got.map((e) => [e.name, e.params.map((p) => p.name)]),
      [
        ['permessage-deflate', ['server_max_window_bits']],
        ['permessage-deflate', []],
        ['permessage-deflate', ['a']],
      ],
    );
  });

  test('allows spaces and tabs around ";", "," and "="', () => {
    assert.deepEqual(parseExtensions(' \tfoo \t; \ta \t= \t1 \t;b\t,\t bar ;c= "x" '), [
      {
        name: 'foo',
        params: [{ name: 'a', value: '1' }, { name: 'b' }],
      },
      { name: 'bar', params: [{ name: 'c', value: 'x' }] },
    ]);
  });

  test('unescapes quoted-string values', () => {
    assert.deepEqual(parseExtensions('foo; a="10"; b="\\1\\0"; c="a\\-b"')[0].params, [
      { name: 'a', value: '10' },
      { name: 'b', value: '10' },
      { name: 'c', value: 'a-b' },
    ]);
  });

  test('skips empty list elements and keeps case', () => {
    assert.deepEqual(parseExtensions(', Foo ,, bar;X=Y ,'), [
      { name: 'Foo', params: [] },
      { name: 'bar', params: [{ name: 'X', value: 'Y' }] },
    ]);
    assert.deepEqual(parseExtensions(''), []);
    assert.deepEqual(parseExtensions('  '), []);
  });

  test('rejects malformed values with status 400 and the position', () => {
    for (const bad of [
      ';foo',
      'foo;',
      'foo; ',
      'foo;;a',
      'foo;=1',
      'foo;a=',
      'foo;a= ;b',
      'foo bar',
      'foo;a=b c',
      'foo;a=1=2',
      '"foo"',
      'foo;a="b',
      'foo;a="b c"', // unescaped value must be a token
      'foo;a=""',
      'foo;a="\\"',
      'foo;a="b\\',
      'foo;a="x\ny"',
      'fo\u00e9',
      'foo;a=b\u0000',
      'foo/1',
      'foo,bar baz',
    ]) {
      assertMalformed(bad);
    }
  });

  test('throws only ProtocolError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (s) => {
        try {
          parseExtensions(s);
        } catch (err) {
          assert.ok(err instanceof ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatExtensions', () => {
  test('writes the canonical form', () => {
    assert.equal(
      formatExtensions([
        {
          name: 'permessage-deflate',
          params: [{ name: 'client_max_window_bits' }, { name: 'x', value: '9' }],
        },
        { name: 'y', params: [] },
      ]),
      'permessage-deflate; client_max_window_bits; x=9, y',
    );
    assert.equal(formatExtensions([]), '');
  });

  test('refuses names and values that are not tokens', () => {
    for (const ext of [
      { name: 'a b', params: [] },
      { name: '', params: [] },
      { name: 'a', params: [{ name: 'p;q' }] },
      { name: 'a', params: [{ name: 'p', value: 'two words' }] },
      { name: 'a', params: [{ name: 'p', value: '' }] },
    ]) {
      assert.throws(
        () => formatExtensions([ext]),
        (err: unknown) => err instanceof UsageError && err.code === 'ERR_WS_INVALID_EXTENSION',
      );
    }
  });
});

describe('isToken', () => {
  test('accepts tchar runs only', () => {
    assert.ok(isToken("!#$%&'*+-.^_`|~09azAZ"));
    for (const bad of ['', ' ', 'a b', 'a,b', 'a;b', 'a=b', '"a"', 'a/b', 'é', 'a\tb']) {
      assert.equal(isToken(bad), false, bad);
    }
  });
});

const tokenArb = fc.string({
  unit: fc.constantFrom(..."abcXYZ019-_.!#$%&'*+^`|~".split('')),
  minLength: 1,
  maxLength: 8,
});
const offersArb: fc.Arbitrary<ExtensionOffer[]> = fc.array(
  fc
    .record({
      name: tokenArb,
      params: fc.array(
        fc.oneof(
          tokenArb.map((name) => ({ name })),
          fc.record({ name: tokenArb, value: tokenArb }).map((p) => ({ ...p })),
        ),
        { maxLength: 4 },
      ),
    })
    .map((o) => ({ ...o })), // fast-check records have a null prototype; parse returns plain objects
  { maxLength: 4 },
);

describe('round trip', () => {
  test('parse(format(x)) gives x back', () => {
    fc.assert(
      fc.property(offersArb, (offers) => {
        assert.deepEqual(parseExtensions(formatExtensions(offers)), offers);
      }),
      { numRuns: 300 },
    );
  });

  test('any whitespace and quoting of values parses to the same offers', () => {
    const ows = fc.constantFrom('', ' ', '\t', '  \t');
    fc.assert(
      fc.property(
        offersArb.filter((o) => o.length > 0),
        fc.infiniteStream(ows),
        fc.infiniteStream(fc.boolean()),
        (offers, spaces, quoteIt) => {
          const sp = (): string => spaces.next().value;
          const quote = (v: string): string =>
            quoteIt.next().value
              ? `"${[...v].map((c) => (quoteIt.next().value ? `\\${c}` : c)).join('')}"`
              : v;
          const text = offers
            .map(
              (o) =>
                sp() +
                o.name +
                o.params
                  .map(
                    (p) =>
                      `${sp()};${sp()}${p.name}` +
                      (p.value === undefined ? '' : `${sp()}=${sp()}${quote(p.value)}`),
                  )
                  .join('') +
                sp(),
            )
            .join(',');
          assert.deepEqual(parseExtensions(text), offers);
        },
      ),
      { numRuns: 300 },
    );
  });
});
