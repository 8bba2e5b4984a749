/**
 * `Sec-WebSocket-Extensions` parsing and formatting (RFC 6455 §9.1, with RFC 7230's list,
 * whitespace and quoted-string rules):
 *
 * ```
 * Sec-WebSocket-Extensions = 1#extension
 * extension                = extension-token *( OWS ";" OWS extension-param )
 * extension-param          = token [ BWS "=" BWS ( token / quoted-string ) ]
 * ```
 *
 * A quoted value must be a token once its backslash escapes are removed (RFC 6455 §9.1), so
 * quoting never lets more through; it only changes the spelling. Names and values keep their
 * case: RFC 6455 does not make extension names case-insensitive, and ws, wsproto and Python's
 * websockets all compare them exactly. Empty list elements (`a, , b`) are skipped, as RFC 7230 §7
 * asks of recipients. Several offers of the same extension stay separate and in order: they are
 * alternatives in order of preference (RFC 6455 §9.1).
 */
import { ProtocolError, UsageError } from '../../errors.js';

/** One `name[=value]` parameter of an extension. `value` is undefined for a bare name. */
export interface ExtensionParam {
  readonly name: string;
  readonly value?: string | undefined;
}

/** One element of the header: an extension name with its parameters, in the order sent. */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: readonly ExtensionParam[];
}

/** tchar of RFC 7230 §3.2.6: `!#$%&'*+-.^_`|~`, digits and letters. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

const SP = 0x20;
const HTAB = 0x09;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

/**
 * True when `s` is a non-empty RFC 7230 token (the syntax of header names, extension names,
 * parameter names and subprotocol names).
 *
 * @example
 * ```ts
 * isToken('permessage-deflate'); // true
 * isToken('two words');          // false
 * ```
 */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** The parse state: the header text and a cursor, so helpers can report positions. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  skipOws(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== SP && c !== HTAB) return;
      this.pos++;
    }
  }

  /** Reads a token, or returns undefined (cursor unmoved) when none starts here. */
  token(): string | undefined {
    const start = this.pos;
    while (this.pos < this.text.length && isTchar(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > start ? this.text.slice(start, this.pos) : undefined;
  }

  /** Reads a quoted-string starting at the opening quote and returns it unescaped. */
  quoted(): string {
    let out = '';
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === DQUOTE) {
        this.pos++;
        return out;
      }
      if (c === BACKSLASH) {
        const next = this.text.charCodeAt(this.pos + 1);
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (!(next === HTAB || (next >= 0x20 && next !== 0x7f && next <= 0xff))) {
          throw this.fail('a backslash in a quoted-string must escape a visible character');
        }
        out += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
      if (!(c === HTAB || (c >= 0x20 && c !== 0x7f && c <= 0xff))) {
        throw this.fail('control character inside a quoted-string');
      }
      out += this.text[this.pos];
      this.pos++;
    }
    throw this.fail('unterminated quoted-string');
  }

  fail(what: string): ProtocolError {
    const shown = this.text.length > 120 ? `${this.text.slice(0, 120)}…` : this.text;
    return new ProtocolError(
      `invalid Sec-WebSocket-Extensions header ${JSON.stringify(shown)}: ${what} at position ${this.pos}`,
      { code: 'ERR_WS_INVALID_EXTENSIONS_HEADER', status: 400 },
    );
  }
}

/**
 * Parses a `Sec-WebSocket-Extensions` value (several header lines joined with `, `) into the
 * list of extensions, each with its parameters, in the order received. Quoted values are
 * unescaped. An empty value gives an empty list.
 *
 * @throws ProtocolError `ERR_WS_INVALID_EXTENSIONS_HEADER` with status 400 when the value does
 *   not follow the grammar (a server answers the request with it; a client fails the
 *   connection).
 * @example
 * ```ts
 * parseExtensions('permessage-deflate; client_max_window_bits, x-foo; a="b"');
 * // [ { name: 'permessage-deflate', params: [{ name: 'client_max_window_bits' }] },
 * //   { name: 'x-foo', params: [{ name: 'a', value: 'b' }] } ]
 * ```
 */
export function parseExtensions(header: string): ExtensionOffer[] {
  const out: ExtensionOffer[] = [];
  const cur = new Cursor(header);
  for (;;) {
    cur.skipOws();
    if (cur.done) return out;
    if (cur.peek() === 0x2c) {
      cur.pos++; // empty list element
      continue;
    }
    const name = cur.token();
    if (name === undefined) throw cur.fail('expected an extension name');
    const params: ExtensionParam[] = [];
    cur.skipOws();
    while (!cur.done && cur.peek() === 0x3b) {
      cur.pos++;
      cur.skipOws();
      const pname = cur.token();
      if (pname === undefined) throw cur.fail('expected a parameter name after ";"');
      cur.skipOws();
      let value: string | undefined;
      if (!cur.done && cur.peek() === 0x3d) {
        cur.pos++;
        cur.skipOws();
        if (!cur.done && cur.peek() === DQUOTE) {
          const at = cur.pos;
          value = cur.quoted();
          if (!isToken(value)) {
            cur.pos = at;
            throw cur.fail(`quoted value of "${pname}" is not a token once unescaped`);
          }
        } else {
          value = cur.token();
          if (value === undefined) throw cur.fail(`expected a value for "${pname}" after "="`);
        }
        cur.skipOws();
      }
      params.push(value === undefined ? { name: pname } : { name: pname, value });
    }
    out.push({ name, params });
    if (cur.done) return out;
    if (cur.peek() !== 0x2c) throw cur.fail(`unexpected ${JSON.stringify(header[cur.pos])}`);
    cur.pos++;
  }
}

/**
 * Formats extensions as a `Sec-WebSocket-Extensions` value: `name; p; q=v, other`. Every name
 * and value must be a token (RFC 6455 allows nothing else, even quoted).
 *
 * @throws UsageError `ERR_WS_INVALID_EXTENSION` when a name or value is not a token.
 * @example
 * ```ts
 * formatExtensions([{ name: 'permessage-deflate', params: [{ name: 'server_max_window_bits', value: '10' }] }]);
 * // 'permessage-deflate; server_max_window_bits=10'
 * ```
 */
export function formatExtensions(extensions: readonly ExtensionOffer[]): string {
  let out = '';
  for (const ext of extensions) {
    if (!isToken(ext.name)) throw invalid(`extension name ${JSON.stringify(ext.name)}`);
    if (out.length > 0) out += ', ';
    out += ext.name;
    for (const p of ext.params) {
      if (!isToken(p.name)) throw invalid(`parameter name ${JSON.stringify(p.name)}`);
      out += `; ${p.name}`;
      if (p.value === undefined) continue;
      if (!isToken(p.value)) throw invalid(`value ${JSON.stringify(p.value)} of "${p.name}"`);
      out += `=${p.value}`;
    }
  }
  return out;
}

function invalid(what: string): UsageError {
  return new UsageError(`${what} is not an RFC 7230 token`, { code: 'ERR_WS_INVALID_EXTENSION' });
}
