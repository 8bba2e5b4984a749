// Property-based tests of the HTTP/1.1 codec: any split of the input gives the same events as
// feeding it whole (and as a model of what was sent), heads survive write → parse, and no input
// makes a parser throw anything but a ProtocolError.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { ProtocolError } from '../../../src/errors.js';
import {
  RequestParser,
  ResponseParser,
  encodeChunk,
  lastChunk,
  writeRequestHead,
  writeResponseHead,
} from '../../../src/proto/http1/index.js';
import { bytes, drive, splitAt, type Plain } from './helpers.js';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding']);

const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 });
const fieldName = token.filter((n) => !FRAMING.has(n.toLowerCase()));
/** A field value as a parser returns it: allowed characters, no surrounding whitespace. */
const fieldValue = fc
  .string({
    unit: fc.oneof(
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom(' ', '\t', '\xe9', '\xff', '\x80'),
    ),
    maxLength: 16,
  })
  .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));
const fields = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 6 });
const target = fc
  .string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 20,
  })
  .map((s) => `/${s}`);
const method = fc
  .oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), token)
  .filter((m) => m !== 'CONNECT');
const chunkExt = fc.option(
  fc
    .tuple(token, fc.option(fc.oneof(token, fc.constant('"q \\" v"')), { nil: undefined }))
    .map(([n, v]) => `;${n}${v === undefined ? '' : `=${v}`}`),
  { nil: '' },
);

type Body =
  | { kind: 'none' }
  | { kind: 'length'; data: Uint8Array }
  | { kind: 'chunked'; chunks: { data: Uint8Array; ext: string }[]; trailers: [string, string][] };

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({ kind: 'none' } as const),
  fc.uint8Array({ maxLength: 80 }).map((data) => ({ kind: 'length', data }) as const),
  fc
    .record({
      chunks: fc.array(
        fc.record({ data: fc.uint8Array({ minLength: 1, maxLength: 40 }), ext: chunkExt }),
        {
          maxLength: 5,
        },
      ),
      trailers: fields,
    })
    .map((c) => ({ kind: 'chunked', ...c }) as const),
);

interface Req {
  method: string;
  target: string;
  fields: [string, string][];
  body: Body;
}
const request: fc.Arbitrary<Req> = fc.record({ method, target, fields, body });

function fieldLines(f: [string, string][]): string {
  return f.map(([n, v]) => `${n}: ${v}\r\n`).join('');
}

function bodyBytes(b: Body): Buffer {
  if (b.kind === 'none') return Buffer.alloc(0);
  if (b.kind === 'length') return Buffer.from(b.data);
  const parts: Buffer[] = [];
  for (const c of b.chunks) {
    parts.push(
      bytes(`${c.data.length.toString(16)}${c.ext}\r\n`),
      Buffer.from(c.data),
      bytes('\r\n'),
    );
  }
  parts.push(bytes(`0\r\n${fieldLines(b.trailers)}\r\n`));
  return Buffer.concat(parts);
}

function framing(b: Body): string {
  if (b.kind === 'length') return `Content-Length: ${b.data.length}\r\n`;
  if (b.kind === 'chunked') return 'Transfer-Encoding: chunked\r\n';
  return '';
}

function serializeRequest(r: Req): Buffer {
  const head = `${r.method} ${r.target} HTTP/1.1\r\nHost: example\r\n${fieldLines(r.fields)}${framing(r.body)}\r\n`;
  return Buffer.concat([bytes(head), bodyBytes(r.body)]);
}

/** What the parser must report for `b`: the data and the end. */
function expectedBodyEvents(b: Body): Plain[] {
  const data =
    b.kind === 'length'
      ? Buffer.from(b.data)
      : b.kind === 'chunked'
        ? Buffer.concat(b.chunks.map((c) => c.data))
        : undefined;
  const out: Plain[] = [];
  if (data !== undefined && data.length > 0) out.push({ type: 'data', data });
  const trailers = b.kind === 'chunked' && b.trailers.length > 0 ? b.trailers.flat() : undefined;
  out.push({ type: 'end', trailers });
  return out;
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('properties', () => {
  test('requests: any split gives the same events as the whole, and as what was sent', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), cuts, (reqs, cutPoints) => {
        const stream = Buffer.concat(reqs.map(serializeRequest));
        // Extension methods are accepted once the parser is told of them.
        const methods = new Set(reqs.map((r) => r.method));
        const whole = drive(new RequestParser({ methods }), [stream], {
          autoResume: true,
          eof: true,
        });
        const split = drive(new RequestParser({ methods }), splitAt(stream, cutPoints), {
          autoResume: true,
          eof: true,
        });
        assert.equal(whole.error, undefined, String(whole.error));
        assert.deepEqual(split, whole);
        const expected: Plain[] = [];
        for (const r of reqs) {
          expected.push({ type: 'request', method: r.method, target: r.target });
          expected.push(...expectedBodyEvents(r.body));
        }
        expected.push({ type: 'eof' });
        const got = whole.events.map((e) =>
          e.type === 'request' ? { type: 'request', method: e.method, target: e.target } : e,
        );
        assert.deepEqual(got, expected);
        const heads = whole.events.filter((e) => e.type === 'request');
        reqs.forEach((r, i) =>
          assert.deepEqual(heads[i].headers, [
            'Host',
            'example',
            ...r.fields.flat(),
            ...framingPair(r.body),
          ]),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('responses: any split of pipelined responses gives the same events as the whole', () => {
    const resp = fc.record({
      method: fc.constantFrom('GET', 'HEAD', 'POST'),
      status: fc.constantFrom(200, 201, 204, 304, 404, 500),
      fields,
      body: body.filter((b) => b.kind !== 'none'),
    });
    fc.assert(
      fc.property(
        fc.array(resp, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        cuts,
        (rs, closeLast, cutPoints) => {
          const parts: Buffer[] = [];
          const expected: Plain[] = [];
          rs.forEach((r, i) => {
            const noBody = r.method === 'HEAD' || r.status === 204 || r.status === 304;
            // The last GET response may be delimited by the close of the connection.
            const byClose = closeLast && i === rs.length - 1 && !noBody && r.body.kind === 'length';
            const fr = byClose ? '' : framing(r.body);
            parts.push(bytes(`HTTP/1.1 ${r.status} X\r\n${fieldLines(r.fields)}${fr}\r\n`));
            if (!noBody) parts.push(bodyBytes(r.body));
            expected.push({ type: 'response', status: r.status });
            if (noBody) expected.push({ type: 'end', trailers: undefined });
            else expected.push(...expectedBodyEvents(r.body));
          });
          expected.push({ type: 'eof' });
          const stream = Buffer.concat(parts);
          const mk = (): ResponseParser => {
            const p = new ResponseParser();
            for (const r of rs) p.expectResponse(r.method);
            return p;
          };
          const whole = drive(mk(), [stream], { eof: true });
          const split = drive(mk(), splitAt(stream, cutPoints), { eof: true });
          assert.equal(whole.error, undefined, String(whole.error));
          assert.deepEqual(split, whole);
          assert.deepEqual(
            whole.events.map((e) =>
              e.type === 'response' ? { type: e.type, status: e.status } : e,
            ),
            expected,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('writeRequestHead → RequestParser round trip', () => {
    fc.assert(
      fc.property(
        method,
        target,
        fc.constantFrom('1.0', '1.1') as fc.Arbitrary<'1.0' | '1.1'>,
        fields,
        (m, t, v, f) => {
          const headers: [string, string][] = [['Host', 'h'], ...f];
          const p = new RequestParser({ methods: new Set([m]) });
          const r = drive(p, [writeRequestHead({ method: m, target: t, version: v, headers })]);
          assert.equal(r.error, undefined, String(r.error));
          const head = r.events[0];
          assert.deepEqual(
            [head.method, head.target, head.version, head.headers],
            [m, t, v, headers.flat()],
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('writeResponseHead → ResponseParser round trip', () => {
    const reason = fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        fc.constant('\t'),
      ),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 599 }), reason, fields, (status, why, f) => {
        const p = new ResponseParser();
        p.expectResponse('HEAD');
        const r = drive(p, [writeResponseHead({ status, reason: why, headers: f })]);
        assert.equal(r.error, undefined, String(r.error));
        assert.deepEqual(
          [r.events[0].status, r.events[0].reason, r.events[0].headers],
          [status, why, f.flat()],
        );
      }),
      { numRuns: 200 },
    );
  });

  test('chunk encoder → parser round trip for any data and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fields,
        (chunks, trailers) => {
          const r = drive(new RequestParser(), [
            bytes('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'),
            ...chunks.flatMap((c) => encodeChunk(c)),
            lastChunk(trailers),
          ]);
          assert.equal(r.error, undefined, String(r.error));
          assert.deepEqual(
            r.events.slice(1),
            expectedBodyEvents({
              kind: 'chunked',
              chunks: chunks.filter((c) => c.length > 0).map((data) => ({ data, ext: '' })),
              trailers,
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  // Pieces of HTTP and hostile bytes, so random input reaches deep states, not just line one.
  const piece = fc.oneof(
    fc.constantFrom(
      'GET ',
      'POST ',
      'CONNECT ',
      '/ ',
      'HTTP/1.1',
      'HTTP/1.0',
      'HTTP/2.0',
      'HTTP/1.1 200 OK',
      'HTTP/1.1 101 S',
      'HTTP/1.1 100 C',
      '\r\n',
      '\r\n\r\n',
      '\r',
      '\n',
      ':',
      ' ',
      '\t',
      'Host: a',
      'Content-Length: 3',
      'Content-Length: 99999999999999999999',
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip',
      'Connection: close',
      'Connection: upgrade',
      'Upgrade: x',
      '0\r\n',
      '5\r\n',
      'fffffffffffffff\r\n',
      ';a="',
      'hello',
      '\x00',
      '\x7f',
      '\xff',
    ),
    fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u).toString('latin1')),
  );
  const garbage = fc.array(piece, { maxLength: 30 }).map((ps) => bytes(ps.join('')));

  test('random input: RequestParser throws nothing but ProtocolError (with a status)', () => {
    fc.assert(
      fc.property(garbage, cuts, (input, cutPoints) => {
        const r = drive(new RequestParser({ maxHeaderBytes: 256 }), splitAt(input, cutPoints), {
          autoResume: true,
          eof: true,
        });
        if (r.error !== undefined) {
          assert.ok(r.error instanceof ProtocolError, `not a ProtocolError: ${String(r.error)}`);
          assert.match(r.error.code, /^ERR_HTTP_/);
          assert.equal(typeof r.error.status, 'number');
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('random input: ResponseParser throws nothing but ProtocolError (without a status)', () => {
    fc.assert(
      fc.property(
        garbage,
        cuts,
        fc.constantFrom('GET', 'HEAD', 'CONNECT'),
        (input, cutPoints, m) => {
          const p = new ResponseParser({ maxHeaderBytes: 256 });
          for (let i = 0; i < 8; i++) p.expectResponse(m);
          const r = drive(p, splitAt(input, cutPoints), { eof: true });
          if (r.error !== undefined) {
            assert.ok(r.error instanceof ProtocolError, `not a ProtocolError: ${String(r.error)}`);
            assert.match(r.error.code, /^ERR_HTTP_/);
            assert.equal(r.error.status, undefined);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

function framingPair(b: Body): string[] {
  if (b.kind === 'length') return ['Content-Length', String(b.data.length)];
  if (b.kind === 'chunked') return ['Transfer-Encoding', 'chunked'];
  return [];
}
