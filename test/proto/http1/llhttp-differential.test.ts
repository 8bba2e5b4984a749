// Differential fuzzing of the request parser against llhttp (Node's own parser, reached through
// a node:http server on a loopback socket, default options: no insecureHTTPParser). Valid
// requests are bent by fast-check (inserted bytes, changed separators, duplicated and folded
// headers, odd lengths and chunk sizes, case and whitespace changes) and both sides judge them:
// - where llhttp refuses a message, connchan refuses it too (no later message is accepted);
// - where connchan accepts a message, llhttp saw the same method, target, headers and body;
// - where connchan refuses and llhttp accepts, the refusal is one of the documented ones
//   (docs/architecture.md lists each with the RFC clause that makes it right).
// Bounded: a fixed number of runs from a fixed seed (CONNCHAN_FUZZ_SEED / CONNCHAN_FUZZ_RUNS
// override them); fast-check prints the seed and the shrunk input on failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LlhttpOracle, connchanVerdict, type Verdict } from './llhttp-oracle.js';
import { mutatedRequest, validRequest } from './request-mutations.js';

/** Refusals of connchan where llhttp accepts, each documented in docs/architecture.md. */
const DOCUMENTED_STRICTER = new Set([
  'ERR_HTTP_MULTIPLE_HOST', // RFC 9112 §3.2: more than one Host → 400
  'ERR_HTTP_INVALID_HOST', // RFC 9112 §3.2: invalid Host value → 400
  'ERR_HTTP_INVALID_TRANSFER_ENCODING', // RFC 9112 §6.1: TE in HTTP/1.0, chunked not last
  'ERR_HTTP_UNSUPPORTED_TRANSFER_CODING', // RFC 9112 §6.1: unknown coding → 501
  'ERR_HTTP_INVALID_TARGET', // RFC 9112 §3.2.2–3.2.4 target forms; RFC 9110 §4.2.4 userinfo
  'ERR_HTTP_INVALID_REQUEST_LINE', // RFC 9112 §3: no HTTP/0.9 simple requests
  'ERR_HTTP_UNSUPPORTED_VERSION', // RFC 9110 §6.2: 2.0 and 0.9 in an HTTP/1 request line → 505
  'ERR_HTTP_INVALID_METHOD', // RFC 9112 §2.2: only CRLF may precede a request line
  'ERR_HTTP_INVALID_LINE_ENDING', // RFC 9112 §2.2: lines end with CRLF (llhttp skips a bare LF first)
  'ERR_HTTP_INVALID_CHUNK', // RFC 9112 §7.1.1: a chunk-ext name is a (non-empty) token
]);

const seed = Number(process.env.CONNCHAN_FUZZ_SEED ?? 20_251_111);
const numRuns = Number(process.env.CONNCHAN_FUZZ_RUNS ?? 2000);

const oracle = new LlhttpOracle();
before(() => oracle.start());
after(() => oracle.stop());

function explain(input: string, l: Verdict, c: Verdict): string {
  return `input ${JSON.stringify(input)}\n llhttp:   ${JSON.stringify(l)}\n connchan: ${JSON.stringify(c)}`;
}

/** The rules of the file comment, as assertions. */
function compare(input: string, l: Verdict, c: Verdict): void {
  const common = Math.min(l.messages.length, c.messages.length);
  for (let i = 0; i < common; i++) {
    assert.deepEqual(c.messages[i], l.messages[i], `message ${i} differs\n${explain(input, l, c)}`);
  }
  assert.ok(
    c.messages.length <= l.messages.length,
    `connchan accepted a message llhttp did not\n${explain(input, l, c)}`,
  );
  if (l.error !== undefined) {
    assert.ok(c.error !== undefined, `llhttp refused, connchan did not\n${explain(input, l, c)}`);
  }
  if (c.messages.length < l.messages.length) {
    assert.ok(
      c.error !== undefined && DOCUMENTED_STRICTER.has(c.error),
      `connchan refused what llhttp accepted, for a reason not documented\n${explain(input, l, c)}`,
    );
  }
}

test(`request parser vs llhttp: ${numRuns} mutated requests (seed ${seed})`, async (t) => {
  let accepted = 0;
  let refusedByBoth = 0;
  let stricter = 0;
  await fc.assert(
    fc.asyncProperty(mutatedRequest, async (input) => {
      const bytes = Buffer.from(input, 'latin1');
      const l = await oracle.judge(bytes);
      const c = connchanVerdict(bytes);
      compare(input, l, c);
      if (c.messages.length > 0 && c.error === undefined) accepted++;
      else if (c.messages.length < l.messages.length) stricter++;
      else refusedByBoth++;
    }),
    { seed, numRuns },
  );
  t.diagnostic(
    `accepted alike ${accepted}, refused by both ${refusedByBoth}, refused by connchan only ${stricter}`,
  );
  // A generator that only ever produced garbage would prove nothing.
  assert.ok(accepted > numRuns / 10, `only ${accepted} of ${numRuns} inputs were valid requests`);
});

test('well-formed requests (absolute-form, IP-literal hosts, chunked) are parsed alike', async () => {
  await fc.assert(
    fc.asyncProperty(validRequest, async (input) => {
      const bytes = Buffer.from(input, 'latin1');
      const l = await oracle.judge(bytes);
      const c = connchanVerdict(bytes);
      assert.equal(c.error, undefined, explain(input, l, c));
      assert.deepEqual(c, l, explain(input, l, c));
    }),
    { seed, numRuns: 150 },
  );
});
