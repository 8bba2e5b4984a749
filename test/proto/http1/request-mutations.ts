// Valid HTTP/1.1 requests and the ways a careless or hostile client bends them, as fast-check
// arbitraries for the differential test against llhttp. Everything is latin1 text: one char, one
// byte.
import fc from 'fast-check';

const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const targets = ['/', '/a/b?c=d&e', '/x%20y', '/p#frag', '*', 'http://example.com/p?q=1', '/a?b?c'];
const names = [
  'X-A',
  'Accept',
  'Cookie',
  'Connection',
  'Content-Type',
  'User-Agent',
  'X-Long-Name-1',
];
const valueChars = 'abcXYZ019 -_./;=,"*()';

const value = fc.string({
  unit: fc.constantFrom(...valueChars),
  minLength: 0,
  maxLength: 12,
});
const field = fc.tuple(fc.constantFrom(...names), value);

type Body =
  | { kind: 'none' }
  | { kind: 'length'; data: string }
  | { kind: 'chunked'; chunks: string[]; ext: boolean; trailer: boolean };

const bodyText = fc.string({
  unit: fc.constantFrom(...'abcdef\r\n0:'),
  minLength: 1,
  maxLength: 30,
});
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'none' }),
  bodyText.map((data): Body => ({ kind: 'length', data })),
  fc
    .record({
      chunks: fc.array(bodyText, { minLength: 1, maxLength: 3 }),
      ext: fc.boolean(),
      trailer: fc.boolean(),
    })
    .map((b): Body => ({ kind: 'chunked', ...b })),
);

/** A well-formed request, as text. */
export const validRequest: fc.Arbitrary<string> = fc
  .record({
    method: fc.constantFrom(...methods),
    target: fc.constantFrom(...targets),
    v10: fc.boolean(),
    host: fc.constantFrom('example.com', 'example.com:8080', '127.0.0.1', '[::1]:80'),
    fields: fc.array(field, { maxLength: 4 }),
    body,
  })
  .map(({ method, target, v10, host, fields, body }) => {
    // Only OPTIONS has an asterisk-form, and only HTTP/1.1 a chunked body (RFC 9112 §3.2.4, §6.1).
    const t = target === '*' && method !== 'OPTIONS' ? '/' : target;
    if (v10 && body.kind === 'chunked') body = { kind: 'length', data: body.chunks.join('') };
    let head = `${method} ${t} HTTP/1.${v10 ? 0 : 1}\r\nHost: ${host}\r\n`;
    for (const [n, v] of fields) head += `${n}: ${v}\r\n`;
    if (body.kind === 'none') return `${head}\r\n`;
    if (body.kind === 'length')
      return `${head}Content-Length: ${body.data.length}\r\n\r\n${body.data}`;
    let out = `${head}Transfer-Encoding: chunked\r\n\r\n`;
    for (const c of body.chunks)
      out += `${c.length.toString(16)}${body.ext ? ';e=1' : ''}\r\n${c}\r\n`;
    return `${out}0\r\n${body.trailer ? 'X-Trailer: t\r\n' : ''}\r\n`;
  });

const interestingBytes = [
  '\r',
  '\n',
  ' ',
  '\t',
  ':',
  ',',
  ';',
  '\0',
  '\x7f',
  '\x80',
  '\xff',
  '"',
  'a',
  '0',
  '-',
  '+',
  '\x0b',
  '\x0c',
  '/',
  '?',
  '#',
  '@',
  '[',
  '%',
  '\x16',
];
const separators = ['\r\n', ': ', ' ', ':'];
const replacements = ['\n', '\r', '\r\r\n', ' \r\n', '\t', '', '  ', ' \t', ':', '\r\n\r\n', ';'];
const lengthVariants = (n: number): string[] => [
  String(n + 1),
  String(Math.max(0, n - 1)),
  `0${n}`,
  `+${n}`,
  ` ${n} `,
  `${n}, ${n}`,
  `${n},${n + 1}`,
  '-1',
  `0x${n.toString(16)}`,
  `${n}\t`,
  `${n}${n}`,
  '',
];

/** One way of bending a request; each takes the text and picks where by `at` (any natural). */
export type Mutation = (s: string) => string;

function nth(s: string, needle: string, k: number): number {
  const at: number[] = [];
  for (let i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) at.push(i);
  return at.length === 0 ? -1 : at[k % at.length];
}

function headLines(s: string): { start: number; end: number }[] {
  const headEnd = s.indexOf('\r\n\r\n');
  const lines: { start: number; end: number }[] = [];
  let pos = s.indexOf('\r\n') + 2;
  while (pos > 1 && pos < headEnd + 2) {
    const e = s.indexOf('\r\n', pos);
    if (e < 0) break;
    lines.push({ start: pos, end: e });
    pos = e + 2;
  }
  return lines;
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...interestingBytes)).map(([at, b]): Mutation => (s) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + b + s.slice(i);
  }),
  fc.nat().map((at): Mutation => (s) => {
    const i = at % Math.max(1, s.length);
    return s.slice(0, i) + s.slice(i + 1);
  }),
  fc
    .tuple(fc.constantFrom(...separators), fc.nat(), fc.constantFrom(...replacements))
    .map(([sep, k, rep]): Mutation => (s) => {
      const i = nth(s, sep, k);
      return i < 0 ? s : s.slice(0, i) + rep + s.slice(i + sep.length);
    }),
  fc.nat().map((k): Mutation => (s) => {
    const lines = headLines(s);
    if (lines.length === 0) return s;
    const l = lines[k % lines.length];
    const line = s.slice(l.start, l.end + 2);
    return s.slice(0, l.start) + line + line + s.slice(l.end + 2);
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(' ', '\t')).map(([k, at, ws]): Mutation => (s) => {
    const lines = headLines(s);
    if (lines.length === 0) return s;
    const l = lines[k % lines.length];
    const colon = s.indexOf(':', l.start);
    if (colon < 0 || colon > l.end) return s;
    const i = colon + 1 + (at % (l.end - colon));
    return `${s.slice(0, i)}\r\n${ws}${s.slice(i)}`;
  }),
  fc.tuple(fc.nat(), fc.boolean()).map(([k, second]): Mutation => (s) => {
    const m = /Content-Length: (\d+)\r\n/i.exec(s);
    if (!m) return second ? s.replace('\r\n\r\n', '\r\nTransfer-Encoding: chunked\r\n\r\n') : s;
    const variants = lengthVariants(Number(m[1]));
    const v = variants[k % variants.length];
    const line = second ? `${m[0]}Content-Length: ${v}\r\n` : `Content-Length: ${v}\r\n`;
    return s.slice(0, m.index) + line + s.slice(m.index + m[0].length);
  }),
  fc
    .tuple(fc.nat(), fc.constantFrom('upper', 'zeros', 'plus1', 'minus1', 'space', 'semi', 'x'))
    .map(([k, how]): Mutation => (s) => {
      const bodyAt = s.indexOf('\r\n\r\n') + 4;
      if (!/transfer-encoding: chunked/i.test(s.slice(0, bodyAt))) return s;
      const sizes: { at: number; hex: string }[] = [];
      const re = /(?:^|\r\n)([0-9a-fA-F]+)(?=[;\r])/g;
      const tail = s.slice(bodyAt);
      for (let m = re.exec(tail); m; m = re.exec(tail)) {
        sizes.push({ at: bodyAt + m.index + m[0].length - m[1].length, hex: m[1] });
      }
      if (sizes.length === 0) return s;
      const { at, hex } = sizes[k % sizes.length];
      const n = parseInt(hex, 16);
      const rep = {
        upper: hex.toUpperCase(),
        zeros: `000${hex}`,
        plus1: (n + 1).toString(16),
        minus1: Math.max(0, n - 1).toString(16),
        space: `${hex} `,
        semi: `${hex};`,
        x: `0x${hex}`,
      }[how];
      return s.slice(0, at) + rep + s.slice(at + hex.length);
    }),
  fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.boolean()).map(([at, len, upper]): Mutation => (s) => {
    const i = at % Math.max(1, s.length);
    const part = s.slice(i, i + len);
    return s.slice(0, i) + (upper ? part.toUpperCase() : part.toLowerCase()) + s.slice(i + len);
  }),
  fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', '  ')).map(([k, ws]): Mutation => (s) => {
    const i = nth(s, ':', k);
    return i < 0 ? s : s.slice(0, i) + ws + s.slice(i);
  }),
);

/** A request bent by zero to three mutations. */
export const mutatedRequest: fc.Arbitrary<string> = fc
  .tuple(validRequest, fc.array(mutation, { maxLength: 3 }))
  .map(([s, ms]) => ms.reduce((acc, m) => m(acc), s));
