/**
 * Header lists and the RFC 9110 character rules for field names and values. A {@link HeaderList}
 * keeps the fields exactly as received (order and case), because proxies and signatures need
 * them; lookups by name build a lower-case index only when first asked for.
 */
import { Buffer } from 'node:buffer';

/** RFC 9110 §5.6.2 `tchar`, as the body of a regex character class. */
export const TCHAR_CLASS = "!#$%&'*+\\-.^_`|~0-9A-Za-z";

/**
 * Characters allowed in a field value (RFC 9110 §5.5): HTAB, SP, VCHAR and obs-text. Everything
 * else (NUL, CR, LF, the other controls, DEL, and any code unit above 0xff) is refused.
 */
export const FIELD_VALUE_CLASS = '\\t\\x20-\\x7e\\x80-\\xff';

const TOKEN_RE = new RegExp(`^[${TCHAR_CLASS}]+$`);
const INVALID_VALUE_CHAR_RE = new RegExp(`[^${FIELD_VALUE_CLASS}]`);

/**
 * True when `s` is a non-empty RFC 9110 token (a method, a field name, a transfer coding).
 *
 * @example
 * ```ts
 * isToken('Content-Type'); // true
 * isToken('Bad Name');     // false
 * ```
 */
export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/**
 * True when `s` may be sent as a field value: no CR, LF, NUL or other control except HTAB, and
 * nothing outside latin1 (values travel as bytes).
 *
 * @example
 * ```ts
 * isFieldValue('text/html; charset=utf-8'); // true
 * isFieldValue('a\r\nSet-Cookie: x=1');     // false: header injection
 * ```
 */
export function isFieldValue(s: string): boolean {
  return !INVALID_VALUE_CHAR_RE.test(s);
}

/**
 * Position of the first character not allowed in a field value, or -1.
 *
 * @example
 * ```ts
 * invalidFieldValueIndex('ab\0c'); // 2
 * ```
 */
export function invalidFieldValueIndex(s: string): number {
  const m = INVALID_VALUE_CHAR_RE.exec(s);
  return m === null ? -1 : m.index;
}

/** Lower-cases ASCII letters only (field names are tokens: ASCII by construction). */
function lowerCode(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

const NO_FIELDS: string[] = [];

/**
 * Ordered header fields as received: names in their original case, values with surrounding
 * whitespace removed. `get`, `getAll` and `has` compare names case-insensitively.
 *
 * A parsed list keeps the head's text and the offsets of each name and value, and slices strings
 * only when asked: a server that reads three fields of fifteen does not pay for the other twelve.
 *
 * @example
 * ```ts
 * const h = new HeaderList(['Accept', 'text/html', 'accept', 'application/json']);
 * h.get('ACCEPT');    // 'text/html, application/json'
 * h.getAll('accept'); // ['text/html', 'application/json']
 * [...h];             // [['Accept', 'text/html'], ['accept', 'application/json']]
 * ```
 */
export class HeaderList implements Iterable<[string, string]> {
  /** `[name, value, …]`: given, or built from #src/#offs on first use. */
  #raw: string[] | undefined;
  /** Text of a parsed head, and `[nameStart, nameEnd, valueStart, valueEnd, …]` into it. */
  #src = '';
  #offs: number[] | undefined = undefined;
  /**
   * Or, for a request head, only `[lineStart, lineEnd, …]` (lineEnd at the CR): the parser's
   * cheapest record. Lookups by name work on it directly; anything else turns it into #offs.
   */
  #lines: number[] | undefined = undefined;
  /** Lower-case names for lookups in #raw, built on the first lookup. */
  #lower: string[] | undefined = undefined;

  /** Takes ownership of `raw` (`[name, value, …]`); it is neither copied nor validated. */
  constructor(raw?: string[]) {
    this.#raw = raw ?? [];
  }

  /**
   * Internal to the parsers: a list over `src`, whose fields are at `offs` (four numbers per
   * field: name start and end, value start and end). Nothing is sliced until asked for.
   *
   * @example
   * ```ts
   * HeaderList.fromOffsets('Host: a\r\n', [0, 4, 6, 7]).get('host'); // 'a'
   * ```
   */
  static fromOffsets(src: string, offs: number[]): HeaderList {
    const h = new HeaderList(NO_FIELDS);
    h.#raw = undefined;
    h.#src = src;
    h.#offs = offs;
    return h;
  }

  /**
   * Internal to the parsers: a list over `src`, whose field lines start and end (at their CR) at
   * `lines` (two numbers per field). The lines must have been validated as field lines.
   *
   * @example
   * ```ts
   * HeaderList.fromLines('Host: a\r\n', [0, 7]).get('host'); // 'a'
   * ```
   */
  static fromLines(src: string, lines: number[]): HeaderList {
    const h = new HeaderList(NO_FIELDS);
    h.#raw = undefined;
    h.#src = src;
    h.#lines = lines;
    return h;
  }

  /**
   * Internal: the field lines of a parsed request head as one compact string (each line ending in
   * CRLF), for keeping a request's fields long after the request at the cost of one string;
   * {@link fromHeadText} makes the list again. Undefined for a list not made by a request parser.
   */
  get headText(): string | undefined {
    const l = this.#lines;
    if (l === undefined) return undefined;
    if (l.length === 0) return '';
    const text = this.#src.slice(l[0], l[l.length - 1] + 2);
    // A fresh flat copy: a slice would keep the parser's whole input text alive.
    return Buffer.from(text, 'latin1').toString('latin1');
  }

  /**
   * Internal: the list over a {@link headText} string.
   *
   * @example
   * ```ts
   * HeaderList.fromHeadText('Host: a\r\nUpgrade: websocket\r\n').get('upgrade'); // 'websocket'
   * ```
   */
  static fromHeadText(text: string): HeaderList {
    const lines: number[] = [];
    for (let pos = 0; pos < text.length;) {
      const cr = text.indexOf('\r\n', pos);
      if (cr < 0) break;
      lines.push(pos, cr);
      pos = cr + 2;
    }
    return HeaderList.fromLines(text, lines);
  }

  /** The fields as `[name, value, name, value, …]`, in order, names in their original case. */
  get raw(): readonly string[] {
    return this.#fields();
  }

  /** Number of field lines. */
  get size(): number {
    if (this.#lines !== undefined) return this.#lines.length >> 1;
    return this.#offs !== undefined ? this.#offs.length >> 2 : (this.#raw as string[]).length >> 1;
  }

  /** The name of field line `i` as received. */
  nameAt(i: number): string {
    const o = this.#offsets();
    return o !== undefined ? this.#src.slice(o[4 * i], o[4 * i + 1]) : this.#fields()[2 * i];
  }

  /** The value of field line `i`. */
  valueAt(i: number): string {
    const l = this.#lines;
    if (l !== undefined) {
      // One field of a request head: find its colon and trim, without converting the rest.
      const src = this.#src;
      const cr = l[2 * i + 1];
      let vs = src.indexOf(':', l[2 * i]) + 1;
      let ve = cr;
      while (vs < ve && isOws(src.charCodeAt(vs))) vs++;
      while (ve > vs && isOws(src.charCodeAt(ve - 1))) ve--;
      return src.slice(vs, ve);
    }
    const o = this.#offs;
    return o !== undefined
      ? this.#src.slice(o[4 * i + 2], o[4 * i + 3])
      : this.#fields()[2 * i + 1];
  }

  /**
   * All values of `name` joined with `", "` (RFC 9110 §5.3), or `undefined` when absent. Do not
   * use it for `Set-Cookie`, whose values may not be joined: use {@link getAll}.
   */
  get(name: string): string | undefined {
    const l = this.#lines;
    if (l !== undefined) return this.#getLine(l, name);
    let out: string | undefined;
    for (let i = this.#find(name, 0); i >= 0; i = this.#find(name, i + 1)) {
      const v = this.valueAt(i);
      out = out === undefined ? v : `${out}, ${v}`;
    }
    return out;
  }

  /** Every value of `name`, one per field line, in order (empty when absent). */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = this.#find(name, 0); i >= 0; i = this.#find(name, i + 1))
      out.push(this.valueAt(i));
    return out;
  }

  /** True when at least one field line is named `name`. */
  has(name: string): boolean {
    return this.#find(name, 0) >= 0;
  }

  /** Iterates `[name, value]` pairs in order. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const raw = this.#fields();
    for (let i = 0; i < raw.length; i += 2) yield [raw[i], raw[i + 1]];
  }

  /** A plain object with lower-case names; repeated fields are joined with `", "`. */
  toObject(): Record<string, string> {
    const raw = this.#fields();
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i].toLowerCase();
      out[k] = k in out ? `${out[k]}, ${raw[i + 1]}` : raw[i + 1];
    }
    return out;
  }

  /** What `console.log` and `util.inspect` show: the pairs. */
  [Symbol.for('nodejs.util.inspect.custom')](): [string, string][] {
    return [...this];
  }

  /** Index of the first field at or after `from` named `name` (any case), or -1. */
  #find(name: string, from: number): number {
    const l = this.#lines;
    if (l !== undefined) return this.#findLine(l, name, from);
    const o = this.#offs;
    if (o === undefined) {
      const lower = (this.#lower ??= this.#fields()
        .filter((_, i) => i % 2 === 0)
        .map(lowerName));
      return lower.indexOf(name.toLowerCase(), from);
    }
    const src = this.#src;
    const len = name.length;
    next: for (let i = 4 * from; i < o.length; i += 4) {
      const at = o[i];
      if (o[i + 1] - at !== len) continue;
      for (let k = 0; k < len; k++) {
        if (lowerCode(src.charCodeAt(at + k)) !== lowerCode(name.charCodeAt(k))) continue next;
      }
      return i >> 2;
    }
    return -1;
  }

  /**
   * #find over #lines: a line is named `name` when a colon follows `name.length` characters
   * that match it and hold no colon (so the name ends exactly there). No colon is searched for.
   */
  #findLine(l: number[], name: string, from: number): number {
    const src = this.#src;
    const len = name.length;
    next: for (let i = 2 * from; i < l.length; i += 2) {
      const at = l[i];
      if (src.charCodeAt(at + len) !== COLON || at + len >= l[i + 1]) continue;
      for (let k = 0; k < len; k++) {
        const c = src.charCodeAt(at + k);
        if (c === COLON || lowerCode(c) !== lowerCode(name.charCodeAt(k))) continue next;
      }
      return i >> 1;
    }
    return -1;
  }

  /** {@link get} over #lines, in one pass: the colon of a matching line is known. */
  #getLine(l: number[], name: string): string | undefined {
    const src = this.#src;
    const len = name.length;
    let out: string | undefined;
    next: for (let i = 0; i < l.length; i += 2) {
      const at = l[i];
      const colon = at + len;
      let ve = l[i + 1];
      if (colon >= ve || src.charCodeAt(colon) !== COLON) continue;
      for (let k = 0; k < len; k++) {
        const c = src.charCodeAt(at + k);
        if (c === COLON || lowerCode(c) !== lowerCode(name.charCodeAt(k))) continue next;
      }
      let vs = colon + 1;
      while (vs < ve && isOws(src.charCodeAt(vs))) vs++;
      while (ve > vs && isOws(src.charCodeAt(ve - 1))) ve--;
      const v = src.slice(vs, ve);
      out = out === undefined ? v : `${out}, ${v}`;
    }
    return out;
  }

  /** #offs, made from #lines on first use when the list came from {@link fromLines}. */
  #offsets(): number[] | undefined {
    const l = this.#lines;
    if (l === undefined) return this.#offs;
    const src = this.#src;
    const o = new Array<number>(l.length * 2);
    for (let i = 0, j = 0; i < l.length; i += 2, j += 4) {
      const colon = src.indexOf(':', l[i]);
      let vs = colon + 1;
      let ve = l[i + 1];
      while (vs < ve && isOws(src.charCodeAt(vs))) vs++;
      while (ve > vs && isOws(src.charCodeAt(ve - 1))) ve--;
      o[j] = l[i];
      o[j + 1] = colon;
      o[j + 2] = vs;
      o[j + 3] = ve;
    }
    this.#lines = undefined;
    return (this.#offs = o);
  }

  #fields(): string[] {
    if (this.#raw !== undefined) return this.#raw;
    const o = this.#offsets() as number[];
    const src = this.#src;
    const raw = new Array<string>(o.length >> 1);
    for (let i = 0; i < o.length; i += 2) raw[i >> 1] = src.slice(o[i], o[i + 1]);
    return (this.#raw = raw);
  }
}

const COLON = 0x3a;

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function lowerName(s: string): string {
  return s.toLowerCase();
}
