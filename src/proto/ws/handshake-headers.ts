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

/** True when the comma list holds `token` (ASCII case-insensitive). `name/version` counts too. */
export function listHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const el of listElements(value)) {
    const slash = el.indexOf('/');
    const name = slash < 0 ? el : el.slice(0, slash);
    if (name.toLowerCase() === token) return true;
  }
  return false;
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
