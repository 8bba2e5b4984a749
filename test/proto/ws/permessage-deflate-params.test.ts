import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError, UsageError } from '../../../src/errors.js';
import { formatExtensions, parseExtensions } from '../../../src/proto/ws/extension-header.js';
import {
  acceptPerMessageDeflateResponse,
  buildPerMessageDeflateOffer,
  negotiatePerMessageDeflate,
  type PerMessageDeflateOptions,
} from '../../../src/proto/ws/permessage-deflate-params.js';

const DEFAULT = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** Negotiates against a header value and returns the formatted response and the agreement. */
function serverSide(header: string, options?: PerMessageDeflateOptions) {
  const got = negotiatePerMessageDeflate(parseExtensions(header), options);
  return got && { response: formatExtensions([got.response]), agreement: got.agreement };
}

function clientSide(response: string, options?: PerMessageDeflateOptions) {
  return acceptPerMessageDeflateResponse(parseExtensions(response)[0], options);
}

describe('negotiatePerMessageDeflate (server)', () => {
  test('accepts a bare offer with no parameters and defaults', () => {
    assert.deepEqual(serverSide('permessage-deflate'), {
      response: 'permessage-deflate',
      agreement: DEFAULT,
    });
  });

  test('answers a browser offer without limits when we have none', () => {
    assert.deepEqual(serverSide('permessage-deflate; client_max_window_bits'), {
      response: 'permessage-deflate',
      agreement: DEFAULT,
    });
  });

  test('applies all four of our options to a browser offer', () => {
    assert.deepEqual(
      serverSide('permessage-deflate; client_max_window_bits', {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 10,
        clientMaxWindowBits: 11,
      }),
      {
        response:
          'permessage-deflate; server_no_context_takeover; client_no_context_takeover; ' +
          'server_max_window_bits=10; client_max_window_bits=11',
        agreement: {
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          serverMaxWindowBits: 10,
          clientMaxWindowBits: 11,
        },
      },
    );
  });

  test('honours server_no_context_takeover and echoes the client_no_context_takeover hint', () => {
    assert.deepEqual(
      serverSide('permessage-deflate; server_no_context_takeover; client_no_context_takeover'),
      {
        response: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
        agreement: { ...DEFAULT, serverNoContextTakeover: true, clientNoContextTakeover: true },
      },
    );
  });

  test('answers server_max_window_bits with the smaller of the offer and our cap', () => {
    assert.equal(
      serverSide('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 })
        ?.agreement.serverMaxWindowBits,
      10,
    );
    assert.deepEqual(
      serverSide('permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 9 }),
      {
        response: 'permessage-deflate; server_max_window_bits=9',
        agreement: { ...DEFAULT, serverMaxWindowBits: 9 },
      },
    );
    assert.deepEqual(serverSide('permessage-deflate; server_max_window_bits=13'), {
      response: 'permessage-deflate; server_max_window_bits=13',
      agreement: { ...DEFAULT, serverMaxWindowBits: 13 },
    });
  });

  test('answers a client_max_window_bits hint with the smaller of hint and cap', () => {
    assert.deepEqual(serverSide('permessage-deflate; client_max_window_bits=10'), {
      response: 'permessage-deflate; client_max_window_bits=10',
      agreement: { ...DEFAULT, clientMaxWindowBits: 10 },
    });
    assert.equal(
      serverSide('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 })
        ?.agreement.clientMaxWindowBits,
      10,
    );
  });

  test('treats 8 in our options as 9', () => {
    assert.deepEqual(
      serverSide('permessage-deflate; client_max_window_bits', {
        serverMaxWindowBits: 8,
        clientMaxWindowBits: 8,
      }),
      {
        response: 'permessage-deflate; server_max_window_bits=9; client_max_window_bits=9',
        agreement: { ...DEFAULT, serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
      },
    );
  });

  test('declines offers it cannot honour and takes the next acceptable one', () => {
    // zlib cannot compress with a 256-byte window.
    assert.equal(serverSide('permessage-deflate; server_max_window_bits=8'), undefined);
    assert.deepEqual(
      serverSide(
        'permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9',
      )?.agreement,
      { ...DEFAULT, serverMaxWindowBits: 9 },
    );
    // With a cap on the client's window, an offer that does not let us send it is declined.
    assert.equal(serverSide('permessage-deflate', { clientMaxWindowBits: 10 }), undefined);
    // A client_max_window_bits=8 hint is fine: we inflate with 9 bits, which reads it.
    assert.equal(
      serverSide('permessage-deflate; client_max_window_bits=8')?.agreement.clientMaxWindowBits,
      8,
    );
  });

  test('declines invalid offers (duplicates, unknown parameters, bad values)', () => {
    for (const bad of [
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate; client_max_window_bits; client_max_window_bits=10',
      'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
      'permessage-deflate; unknown',
      'permessage-deflate; server_no_context_takeover=1',
      'permessage-deflate; client_no_context_takeover=true',
      'permessage-deflate; server_max_window_bits',
      'permessage-deflate; server_max_window_bits=16',
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; server_max_window_bits=010',
      'permessage-deflate; client_max_window_bits=0',
      'permessage-deflate; client_max_window_bits=x',
      'x-other',
      'Permessage-Deflate',
    ]) {
      assert.equal(serverSide(bad), undefined, bad);
      assert.deepEqual(
        serverSide(`${bad}, permessage-deflate`)?.agreement,
        DEFAULT,
        `${bad}, then a valid one`,
      );
    }
  });

  test('reads quoted values like plain ones', () => {
    assert.equal(
      serverSide('permessage-deflate; server_max_window_bits="11"')?.agreement.serverMaxWindowBits,
      11,
    );
  });

  test('refuses window bits outside 8–15 in its options', () => {
    for (const bits of [7, 16, 10.5, Number.NaN]) {
      assert.throws(
        () => negotiatePerMessageDeflate([], { serverMaxWindowBits: bits }),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_WS_INVALID_OPTION',
      );
    }
  });
});

describe('buildPerMessageDeflateOffer (client)', () => {
  test('always lets the server cap our window', () => {
    assert.equal(
      formatExtensions([buildPerMessageDeflateOffer()]),
      'permessage-deflate; client_max_window_bits',
    );
  });

  test('requests all four options', () => {
    assert.equal(
      formatExtensions([
        buildPerMessageDeflateOffer({
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          serverMaxWindowBits: 10,
          clientMaxWindowBits: 8,
        }),
      ]),
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; ' +
        'server_max_window_bits=10; client_max_window_bits=9',
    );
  });
});

describe('acceptPerMessageDeflateResponse (client)', () => {
  const assertFails = (
    response: string,
    options: PerMessageDeflateOptions | undefined,
    text: RegExp,
  ) =>
    assert.throws(
      () => clientSide(response, options),
      (e: unknown) => {
        assert.ok(e instanceof ProtocolError);
        assert.equal(e.code, 'ERR_WS_HANDSHAKE_EXTENSIONS');
        assert.match(e.message, text);
        return true;
      },
      response,
    );

  test('takes the defaults from a bare response', () => {
    assert.deepEqual(clientSide('permessage-deflate'), DEFAULT);
  });

  test('takes what the server set, asked or not', () => {
    assert.deepEqual(
      clientSide(
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
      ),
      {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 10,
        clientMaxWindowBits: 12,
      },
    );
  });

  test('keeps our own limits when the server leaves them out', () => {
    assert.deepEqual(
      clientSide('permessage-deflate', { clientMaxWindowBits: 11, clientNoContextTakeover: true }),
      {
        ...DEFAULT,
        clientNoContextTakeover: true,
        clientMaxWindowBits: 11,
      },
    );
  });

  test('fails on invalid responses', () => {
    assertFails('permessage-deflate; foo', undefined, /unknown parameter "foo"/);
    assertFails(
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      undefined,
      /twice/,
    );
    assertFails('permessage-deflate; client_max_window_bits', undefined, /needs a value/);
    assertFails('permessage-deflate; server_max_window_bits=16', undefined, /8 to 15/);
    assertFails('x-other', undefined, /x-other/);
  });

  test('fails when the server does not confirm what we required', () => {
    assertFails(
      'permessage-deflate',
      { serverNoContextTakeover: true },
      /server_no_context_takeover/,
    );
    assertFails(
      'permessage-deflate',
      { serverMaxWindowBits: 10 },
      /did not confirm server_max_window_bits/,
    );
    assertFails(
      'permessage-deflate; server_max_window_bits=11',
      { serverMaxWindowBits: 10 },
      /exceeds/,
    );
  });

  test('fails on a client window larger than offered, or one zlib cannot do', () => {
    assertFails(
      'permessage-deflate; client_max_window_bits=12',
      { clientMaxWindowBits: 11 },
      /exceeds/,
    );
    assertFails('permessage-deflate; client_max_window_bits=8', undefined, /zlib/);
  });
});

const bitsArb = fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined });
const optionsArb: fc.Arbitrary<PerMessageDeflateOptions> = fc
  .record({
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
    serverMaxWindowBits: bitsArb,
    clientMaxWindowBits: bitsArb,
  })
  .map((o) => ({ ...o }));

describe('both sides together', () => {
  test('a server always accepts our offer, and both sides agree on the same parameters', () => {
    fc.assert(
      fc.property(optionsArb, optionsArb, (clientOpts, serverOpts) => {
        const offer = formatExtensions([buildPerMessageDeflateOffer(clientOpts)]);
        const got = negotiatePerMessageDeflate(parseExtensions(offer), serverOpts);
        assert.ok(got, `server declined ${offer}`);
        const clientAgreement = acceptPerMessageDeflateResponse(
          parseExtensions(formatExtensions([got.response]))[0],
          clientOpts,
        );
        assert.deepEqual(clientAgreement, got.agreement);
        // What each side asked for holds in the agreement.
        const a = got.agreement;
        if (clientOpts.serverNoContextTakeover || serverOpts.serverNoContextTakeover)
          assert.ok(a.serverNoContextTakeover);
        if (serverOpts.clientNoContextTakeover) assert.ok(a.clientNoContextTakeover);
        for (const cap of [clientOpts.serverMaxWindowBits, serverOpts.serverMaxWindowBits]) {
          if (cap !== undefined) assert.ok(a.serverMaxWindowBits <= Math.max(cap, 9));
        }
        for (const cap of [clientOpts.clientMaxWindowBits, serverOpts.clientMaxWindowBits]) {
          if (cap !== undefined) assert.ok(a.clientMaxWindowBits <= Math.max(cap, 9));
        }
        assert.ok(a.serverMaxWindowBits >= 9 && a.clientMaxWindowBits >= 9);
      }),
      { numRuns: 300 },
    );
  });
});
