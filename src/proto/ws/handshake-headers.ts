/**
 * Header plumbing shared by both sides of the opening handshake: looking fields up (from Node's
 * `IncomingHttpHeaders` or a raw `[name, value, …]` list), comma-list tokens, and writing extra
 * header lines safely (no CR/LF injection, no overriding the handshake's own fields).
 */
import { UsageError } from '../../errors.js';
import { isToken } from './extension-header.js';

/** Looks up a header by lower-case name; several lines of one field come joined with `, `. */
export type HeaderGetter = (name: string) => string | undefined;

/** Extra header lines to send: a name maps to one value or to several lines. */
export type HeaderFields = Readonly<Record<string, string | readonly string[]>>;

/**
 * Wraps Node's `IncomingHttpHeaders` (or any record with lower-case keys) as a
 * {@link HeaderGetter}; array values are joined with `, `.
 *
 * @example
 * ```ts
 * server.on('upgrade', (req, socket) => {
 *   const info = validateClientRequest({ method: req.method ?? '', httpVersion: req.httpVersion,
 *     getHeader: headerGetter(req.headers) });
 * });
 * ```
 */
export function headerGetter(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): HeaderGetter {
  return (name) => {
    const v = headers[name];
    return v === undefined || typeof v === 'string' ? v : v.join(', ');
  };
}

/**
 * Builds a {@link HeaderGetter} from raw `[name, value, name, value, …]` pairs (Node's
 * `rawHeaders`, our HTTP parser's output); names match case-insensitively.
 *
 * @example
 * ```ts
 * const get = headerGetterFromRaw(['Upgrade', 'websocket', 'connection', 'Upgrade']);
 * get('upgrade'); // 'websocket'
 * ```
 */
export function headerGetterFromRaw(raw: readonly string[]): HeaderGetter {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const prev = map.get(name);
    map.set(name, prev === undefined ? raw[i + 1] : `${prev}, ${raw[i + 1]}`);
  }
  return (name) => map.get(name);
}

/** Splits a comma list (RFC 7230 `#rule`), trimming OWS and skipping empty elements. */
export function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

/**
 * True when the comma list holds `token` (lower-case ASCII letters; matched ASCII
 * case-insensitively). `name/version` counts too. Scans the value in place: every opening
 * handshake asks this twice, and splitting the list cost each a few arrays and strings.
 */
export function listHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const n = value.length;
  for (let start = 0; start <= n; ) {
    let end = value.indexOf(',', start);
    if (end < 0) end = n;
    let a = start;
    let b = end;
    while (a < b && isOws(value.charCodeAt(a))) a++;
    while (b > a && isOws(value.charCodeAt(b - 1))) b--;
    const slash = value.indexOf('/', a);
    if (slash >= 0 && slash < b) b = slash;
    if (b - a === token.length && sameLetters(value, a, token)) return true;
    start = end + 1;
  }
  return false;
}

/** Optional whitespace around list elements (RFC 9110 §5.6.3: SP and HTAB). */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Whether `value` at `at` spells `token` (lower-case letters), ignoring ASCII case. */
function sameLetters(value: string, at: number, token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    let c = value.charCodeAt(at + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== token.charCodeAt(i)) return false;
  }
  return true;
}

export function show(value: string | undefined): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

export function badHeader(what: string): UsageError {
  return new UsageError(`invalid ${what} for a WebSocket handshake`, {
    code: 'ERR_WS_INVALID_HEADER',
  });
}

// Field values: HTAB, visible ASCII, space and obs-text; no CR, LF or NUL (no header injection).
const VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function line(name: string, value: string): string {
  if (!VALUE_RE.test(value)) throw badHeader(`value ${show(value)} of header ${name}`);
  return `${name}: ${value}\r\n`;
}

export function extraLines(headers: HeaderFields | undefined, own: ReadonlySet<string>): string {
  if (headers === undefined) return '';
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    if (!isToken(name)) throw badHeader(`header name ${JSON.stringify(name)}`);
    if (own.has(name.toLowerCase()))
      throw badHeader(`extra header ${name} (the handshake sets it)`);
    for (const v of typeof value === 'string' ? [value] : value) out += line(name, v);
  }
  return out;
}

// 16 bytes in base64 are 22 significant characters and "==". The 4 unused bits of the last
// character are not checked: the accept value hashes the string, so they cannot hurt, and
// rejecting sloppy encoders would only lose clients (ws accepts them too).
export const KEY_RE = /^[A-Za-z0-9+/]{22}==$/;
