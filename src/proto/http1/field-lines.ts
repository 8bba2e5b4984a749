/**
 * Walking the field lines of a head (or of a trailer section) that has already been checked by
 * one regex, and gathering on the way the few fields that decide framing: Content-Length,
 * Transfer-Encoding, Connection, Host, Expect, Upgrade. Names are recognised by length first and
 * then compared case-insensitively in place, so the other fields cost one `slice` each.
 */
import { FIELD_VALUE_CLASS, HeaderList, TCHAR_CLASS } from './headers.js';
import { HttpErrorCode, httpError } from './errors.js';
import { diagnoseFieldLines } from './field-diagnosis.js';
import { parseContentLength } from './framing-values.js';

/**
 * Regex source for `*( field-line CRLF ) CRLF`. A field line cannot start with CR, so a match
 * ends at the first blank line: the end of the head.
 */
export const FIELD_LINES_SRC = `(?:[${TCHAR_CLASS}]+:[${FIELD_VALUE_CLASS}]*\\r\\n)*\\r\\n`;

const TRAILERS_RE = new RegExp(`^${FIELD_LINES_SRC}$`);

/** Connection option bits. */
export const CONN_CLOSE = 1;
export const CONN_KEEP_ALIVE = 2;
export const CONN_UPGRADE = 4;

/**
 * What a walk over the field lines found. One instance per parser, reset per head, so that
 * parsing a request allocates nothing for it.
 *
 * @example
 * ```ts
 * const scan = new FieldScan();
 * scanFieldLines('Content-Length: 5\r\n\r\n', 0, 21, [], scan, 100, 400);
 * scan.contentLength; // 5
 * ```
 */
export class FieldScan {
  /** Content-Length value, or -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding field values, or undefined when absent (rare: an array is fine). */
  transferEncoding: string[] | undefined = undefined;
  /** OR of CONN_* bits from every Connection field. */
  connection = 0;
  hostCount = 0;
  /** Where the (last) Host value is in the head's text. */
  hostStart = 0;
  hostEnd = 0;
  /** The last Host value found valid on this connection (kept across heads: a cache). */
  lastValidHost = '';
  /** The Expect field values, joined; undefined when absent (rare: a string is fine). */
  expect: string | undefined = undefined;
  upgrade: string | undefined = undefined;

  reset(): void {
    this.contentLength = -1;
    this.transferEncoding = undefined;
    this.connection = 0;
    this.hostCount = 0;
    this.expect = undefined;
    this.upgrade = undefined;
  }
}

/**
 * True when `s[at…]` equals the lower-case literal `lit`, ignoring ASCII case. Only valid for
 * literals made of letters, digits and '-', on input known to be token characters.
 */
function eqLowerAt(s: string, at: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) {
    if ((s.charCodeAt(at + i) | 0x20) !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Walks the field lines of `s` from `pos` up to the blank line that ends at `end`, appending
 * four offsets per field to `offs` (name start, name end, value start, value end; the value
 * without surrounding whitespace). The text must already have matched {@link FIELD_LINES_SRC}.
 * With a `scan`, framing fields are recorded (and Content-Length validated) as they pass.
 *
 * @example
 * ```ts
 * const offs: number[] = [];
 * scanFieldLines('Host: a\r\n\r\n', 0, 11, offs, undefined, 100, 400); // offs = [0, 4, 6, 7]
 * ```
 */
export function scanFieldLines(
  s: string,
  pos: number,
  end: number,
  offs: number[],
  scan: FieldScan | undefined,
  maxCount: number,
  status: number | undefined,
): void {
  const stop = end - 2;
  while (pos < stop) {
    const colon = s.indexOf(':', pos);
    // The regex guarantees the value holds no CR, so the next CR ends the line.
    const cr = s.indexOf('\r', colon);
    let vs = colon + 1;
    let ve = cr;
    // Almost always exactly one SP before the value and none after it.
    if (s.charCodeAt(vs) === 0x20 && s.charCodeAt(vs + 1) > 0x20) {
      vs++;
    } else {
      while (vs < ve && isOws(s.charCodeAt(vs))) vs++;
    }
    while (ve > vs && isOws(s.charCodeAt(ve - 1))) ve--;
    if (offs.push(pos, colon, vs, ve) > 4 * maxCount) {
      throw httpError(
        HttpErrorCode.TOO_MANY_HEADERS,
        `more than ${maxCount} header fields`,
        status === undefined ? undefined : 431,
      );
    }
    if (scan !== undefined && FRAMING_INITIAL[s.charCodeAt(pos)] === 1) {
      noteField(s, pos, colon - pos, vs, ve, scan, status);
    }
    pos = cr + 2;
  }
}

/**
 * Like {@link scanFieldLines}, but records only where each field line starts and ends (at its
 * CR), two numbers per field, for {@link HeaderList.fromLines}, and returns how many numbers it
 * wrote (the array's length is not used: it may be a reused scratch). One search per line. Names are
 * not measured; a line is only looked at more closely when it may be a framing field (its first
 * letter, then a colon right after a framing name's length).
 *
 * @example
 * ```ts
 * const lines: number[] = [];
 * scanFieldLineBounds('Host: a\r\n\r\n', 0, 11, lines, new FieldScan(), 100, 400); // 2: lines = [0, 7]
 * ```
 */
export function scanFieldLineBounds(
  s: string,
  pos: number,
  end: number,
  lines: number[],
  scan: FieldScan,
  maxCount: number,
  status: number | undefined,
): number {
  const stop = end - 2;
  // Written by index from 0, not pushed: a caller may pass a reused scratch array (its slots
  // past the returned count are stale).
  let n = 0;
  while (pos < stop) {
    // The regex guarantees the line holds no CR before its end.
    const cr = s.indexOf('\r', pos);
    lines[n] = pos;
    lines[n + 1] = cr;
    n += 2;
    if (n > 2 * maxCount) {
      throw httpError(
        HttpErrorCode.TOO_MANY_HEADERS,
        `more than ${maxCount} header fields`,
        status === undefined ? undefined : 431,
      );
    }
    if (FRAMING_INITIAL[s.charCodeAt(pos)] === 1) noteFramingLine(s, pos, cr, scan, status);
    pos = cr + 2;
  }
  return n;
}

/**
 * A line whose first letter is that of a framing field: if a colon follows the length of the
 * framing name with that letter, hand it to {@link noteField}, which compares the letters. (A
 * shorter name puts its colon earlier, where the letters cannot match.)
 */
function noteFramingLine(
  s: string,
  pos: number,
  cr: number,
  scan: FieldScan,
  status: number | undefined,
): void {
  const c = s.charCodeAt(pos) | 0x20;
  const len =
    c === 0x68
      ? 4
      : c === 0x65
        ? 6
        : c === 0x75
          ? 7
          : c === 0x74
            ? 17
            : s.charCodeAt(pos + 10) === 0x3a
              ? 10
              : 14;
  const colon = pos + len;
  if (colon >= cr || s.charCodeAt(colon) !== 0x3a) return;
  let vs = colon + 1;
  let ve = cr;
  while (vs < ve && isOws(s.charCodeAt(vs))) vs++;
  while (ve > vs && isOws(s.charCodeAt(ve - 1))) ve--;
  noteField(s, pos, len, vs, ve, scan, status);
}

/** 1 for the first letters of the framing fields (c, e, h, t, u in either case): a cheap filter. */
const FRAMING_INITIAL = new Uint8Array(128);
for (const ch of 'cehtuCEHTU') FRAMING_INITIAL[ch.charCodeAt(0)] = 1;

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function noteField(
  s: string,
  at: number,
  len: number,
  vs: number,
  ve: number,
  scan: FieldScan,
  status: number | undefined,
): void {
  switch (len) {
    case 4:
      if (eqLowerAt(s, at, 'host')) {
        scan.hostCount++;
        scan.hostStart = vs;
        scan.hostEnd = ve;
      }
      return;
    case 6:
      if (eqLowerAt(s, at, 'expect')) {
        const v = s.slice(vs, ve);
        scan.expect = scan.expect === undefined ? v : `${scan.expect}, ${v}`;
      }
      return;
    case 7:
      if (eqLowerAt(s, at, 'upgrade')) {
        const v = s.slice(vs, ve);
        scan.upgrade = scan.upgrade === undefined ? v : `${scan.upgrade}, ${v}`;
      }
      return;
    case 10:
      if (eqLowerAt(s, at, 'connection')) scan.connection |= connectionOptions(s, vs, ve);
      return;
    case 14:
      if (eqLowerAt(s, at, 'content-length')) {
        // A server (status set) is as strict as llhttp: one field, digits only, no HTAB after
        // them; RFC 9110 §8.6 allows refusing what a client merely may repair.
        const server = status !== undefined;
        if (server && tabAfter(s, ve)) throw tabInContentLength(status);
        const n = parseContentLength(s.slice(vs, ve), status, !server);
        if (scan.contentLength >= 0 && (server || scan.contentLength !== n)) {
          throw httpError(
            HttpErrorCode.INVALID_CONTENT_LENGTH,
            server
              ? 'more than one Content-Length field'
              : `several Content-Length fields with different values (${scan.contentLength} and ${n})`,
            status,
          );
        }
        scan.contentLength = n;
      }
      return;
    case 17:
      if (eqLowerAt(s, at, 'transfer-encoding'))
        (scan.transferEncoding ??= []).push(s.slice(vs, ve));
      return;
  }
}

/** CONN_* bits named by the Connection value `s[vs, ve)` (a comma-separated token list). */
function connectionOptions(s: string, vs: number, ve: number): number {
  const n = ve - vs;
  if (n === 10 && eqLowerAt(s, vs, 'keep-alive')) return CONN_KEEP_ALIVE;
  if (n === 5 && eqLowerAt(s, vs, 'close')) return CONN_CLOSE;
  if (n === 7 && eqLowerAt(s, vs, 'upgrade')) return CONN_UPGRADE;
  let bits = 0;
  for (const part of s.slice(vs, ve).split(',')) {
    const t = part.trim().toLowerCase();
    if (t === 'close') bits |= CONN_CLOSE;
    else if (t === 'keep-alive') bits |= CONN_KEEP_ALIVE;
    else if (t === 'upgrade') bits |= CONN_UPGRADE;
  }
  return bits;
}

/** Whether the whitespace from `i` (after a value, up to its CR) holds an HTAB. */
function tabAfter(s: string, i: number): boolean {
  for (let c = s.charCodeAt(i); c === 0x20 || c === 0x09; c = s.charCodeAt(++i)) {
    if (c === 0x09) return true;
  }
  return false;
}

function tabInContentLength(status: number | undefined): Error {
  return httpError(
    HttpErrorCode.INVALID_CONTENT_LENGTH,
    'HTAB after the Content-Length value',
    status,
  );
}

/**
 * Parses a trailer section `s` (field lines then the blank line). Trailers are returned apart
 * from the header section, so framing fields in them do no harm.
 *
 * @example
 * ```ts
 * parseTrailerLines('X-Sum: 42\r\n\r\n', 100, 400).get('x-sum'); // '42'
 * ```
 */
export function parseTrailerLines(
  s: string,
  maxCount: number,
  status: number | undefined,
): HeaderList {
  if (!TRAILERS_RE.test(s)) {
    diagnoseFieldLines(s, 0, status);
    throw httpError(HttpErrorCode.INVALID_HEADER_NAME, 'malformed trailer section', status);
  }
  const offs: number[] = [];
  scanFieldLines(s, 0, s.length, offs, undefined, maxCount, status);
  return HeaderList.fromOffsets(s, offs);
}
