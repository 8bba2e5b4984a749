/**
 * Hosts and request-target forms (RFC 9112 §3.2, RFC 3986 §3.2.2): a Host value or an authority
 * is `uri-host [":" port]` with `uri-host = IP-literal / IPv4address / reg-name`; a target is
 * origin-form (`/path?query`), absolute-form (`http://host/path`), authority-form (CONNECT's
 * `host:port`) or asterisk-form (`*`, OPTIONS only). Checked by hand, char by char: these run on
 * every request's Host and must not allocate.
 */
import { HttpErrorCode, httpError } from './errors.js';

/** 1 for RFC 3986 `unreserved` and `sub-delims`, the characters of a reg-name besides `%XX`. */
const REG_NAME = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=") {
  REG_NAME[c.charCodeAt(0)] = 1;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * True when `s[start, end)` is a valid Host field value or authority: `uri-host [":" port]`,
 * the port digits only (RFC 3986 allows it empty). An empty host is valid only when
 * `allowEmpty` (a Host field may be empty, RFC 9112 §3.2; an http URI's host may not).
 *
 * @example
 * ```ts
 * isValidHost('example.com:8080', 0, 16, true); // true
 * isValidHost('a b', 0, 3, true);               // false
 * isValidHost('[::1]:80', 0, 8, true);          // true
 * ```
 */
export function isValidHost(s: string, start: number, end: number, allowEmpty: boolean): boolean {
  let i = start;
  if (i < end && s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= end || !isIpLiteral(s, i + 1, close)) return false;
    i = close + 1;
  } else {
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 128 && REG_NAME[c] === 1) i++;
      else if (
        c === 0x25 /* % */ &&
        i + 2 < end &&
        isHex(s.charCodeAt(i + 1)) &&
        isHex(s.charCodeAt(i + 2))
      )
        i += 3;
      else break;
    }
    if (i === start && !allowEmpty) return false;
  }
  if (i === end) return true;
  if (s.charCodeAt(i) !== 0x3a /* : */) return false;
  for (i++; i < end; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** RFC 3986 `IPv6address / IPvFuture` (between the brackets of an IP-literal). */
function isIpLiteral(s: string, start: number, end: number): boolean {
  if (start < end && (s.charCodeAt(start) | 0x20) === 0x76 /* v */) {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    let i = start + 1;
    while (i < end && isHex(s.charCodeAt(i))) i++;
    if (i === start + 1 || i >= end || s.charCodeAt(i) !== 0x2e) return false;
    if (++i === end) return false;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (!(c === 0x3a || (c < 128 && REG_NAME[c] === 1))) return false;
    }
    return true;
  }
  return isIpv6(s.slice(start, end));
}

const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const H16_RE = /^[0-9A-Fa-f]{1,4}$/;

/**
 * True for an RFC 4291 / RFC 3986 IPv6 address in text form (no zone identifier).
 *
 * @example
 * ```ts
 * isIpv6('::1');              // true
 * isIpv6('::ffff:127.0.0.1'); // true
 * isIpv6('1::2::3');          // false
 * ```
 */
export function isIpv6(a: string): boolean {
  const dbl = a.indexOf('::');
  if (dbl >= 0 && a.indexOf('::', dbl + 1) >= 0) return false;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const all = dbl < 0 ? groups(a) : [...groups(a.slice(0, dbl)), ...groups(a.slice(dbl + 2))];
  if (all.length === 0 && dbl < 0) return false;
  let words = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (i === all.length - 1 && g.includes('.')) {
      if (!IPV4_RE.test(g)) return false;
      words += 2;
    } else if (H16_RE.test(g)) {
      words += 1;
    } else {
      return false;
    }
  }
  return dbl < 0 ? words === 8 : words <= 7;
}

/**
 * Checks a request target that is not origin-form (does not start with `/`) against the form
 * its method allows, and returns the authority of an absolute-form target (the request's host,
 * RFC 9112 §3.2.2), or undefined for asterisk- and authority-form. Throws `ProtocolError` 400.
 *
 * - absolute-form: `http` or `https`, `://`, a non-empty host without userinfo (RFC 9110 §4.2.4
 *   treats userinfo in an http URI as an error), then an optional path and query;
 * - authority-form: only for CONNECT, `host:port` with a port;
 * - asterisk-form: only `*`, only for OPTIONS.
 *
 * @example
 * ```ts
 * checkTargetForm('GET', 'http://example.com:8080/a?b'); // 'example.com:8080'
 * checkTargetForm('GET', 'ftp://x/');                    // throws ERR_HTTP_INVALID_TARGET
 * ```
 */
export function checkTargetForm(method: string, target: string): string | undefined {
  if (method === 'CONNECT') {
    const colon = target.lastIndexOf(':');
    if (colon > 0 && colon < target.length - 1 && isValidHost(target, 0, target.length, false))
      return undefined;
    throw invalidTarget('CONNECT needs an authority-form target (host:port)');
  }
  if (target === '*') {
    if (method === 'OPTIONS') return undefined;
    throw invalidTarget('the asterisk-form target is only for OPTIONS');
  }
  const sep = target.indexOf('://');
  const scheme = sep < 0 ? '' : target.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw invalidTarget(
      'a request target must start with "/", or be an absolute http(s) URI (RFC 9112 §3.2)',
    );
  }
  const hostStart = sep + 3;
  let hostEnd = hostStart;
  while (hostEnd < target.length) {
    const c = target.charCodeAt(hostEnd);
    if (c === 0x2f || c === 0x3f) break; // "/" or "?"
    hostEnd++;
  }
  if (target.indexOf('@', hostStart) >= 0 && target.indexOf('@', hostStart) < hostEnd) {
    throw invalidTarget('userinfo in an http(s) URI (RFC 9110 §4.2.4)');
  }
  if (!isValidHost(target, hostStart, hostEnd, false)) {
    throw invalidTarget(
      `invalid host in the request target ${JSON.stringify(target.slice(0, 80))}`,
    );
  }
  return target.slice(hostStart, hostEnd);
}

/**
 * The path and query of a target (`/a?b` of `http://h/a?b`): origin-form as it is, absolute-form
 * from its first `/` or `?` after the authority (`/` when it has none).
 *
 * @example
 * ```ts
 * originOf('http://example.com?x=1'); // '/?x=1'
 * ```
 */
export function originOf(target: string): string {
  if (target.charCodeAt(0) === 0x2f || target === '*') return target;
  const sep = target.indexOf('://');
  if (sep < 0) return target;
  let i = sep + 3;
  while (i < target.length && target.charCodeAt(i) !== 0x2f && target.charCodeAt(i) !== 0x3f) i++;
  if (i === target.length) return '/';
  return target.charCodeAt(i) === 0x3f ? `/${target.slice(i)}` : target.slice(i);
}

function invalidTarget(message: string): Error {
  return httpError(HttpErrorCode.INVALID_TARGET, message, 400);
}
