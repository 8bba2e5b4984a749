// Shared helpers of the proto/http1 tests: drive a parser over chunks, and turn its events
// into plain values that deepEqual can compare.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { ProtocolError } from '../../../src/errors.js';
import {
  NEED_DATA,
  PAUSED,
  type HeaderList,
  type RequestEvent,
  type RequestParser,
  type ResponseEvent,
  type ResponseParser,
} from '../../../src/proto/http1/index.js';

export const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A plain, comparable copy of an event; data stays a Buffer so that data can be joined. */
export type Plain = Record<string, unknown> & { type: string };

export function plainHeaders(h: HeaderList | undefined): string[] | undefined {
  return h === undefined ? undefined : [...h.raw];
}

export function plainEvent(ev: RequestEvent | ResponseEvent): Plain {
  switch (ev.type) {
    case 'request':
    case 'response':
    case 'upgrade':
      return { type: ev.type, ...ev.head, headers: plainHeaders(ev.head.headers) };
    case 'informational':
      return { ...ev, headers: plainHeaders(ev.headers) };
    case 'end':
      return { type: 'end', trailers: plainHeaders(ev.trailers) };
    default:
      return { ...ev };
  }
}

/** Appends `ev`, joining consecutive data events (how data is split is not part of the contract). */
function pushJoined(out: Plain[], ev: Plain): void {
  const last = out[out.length - 1];
  if (ev.type === 'data' && last?.type === 'data') {
    last.data = Buffer.concat([last.data as Buffer, ev.data as Buffer]);
  } else if (ev.type === 'data') {
    out.push({ type: 'data', data: Buffer.from(ev.data as Buffer) });
  } else {
    out.push(ev);
  }
}

export interface DriveResult {
  events: Plain[];
  /** The first error thrown, if any (the drive stops there). */
  error?: unknown;
  /** How many times next() returned PAUSED. */
  pauses: number;
}

/**
 * Feeds `chunks` one by one, draining events after each, calling `nextMessage()` on PAUSED when
 * `autoResume` (request parsers). With `eof`, ends with feedEof() and drains again.
 */
export function drive(
  parser: RequestParser | ResponseParser,
  chunks: Uint8Array[],
  opts: { eof?: boolean; autoResume?: boolean } = {},
): DriveResult {
  const events: Plain[] = [];
  let pauses = 0;
  const drain = (): boolean => {
    for (let guard = 0; guard < 1e6; guard++) {
      const ev = parser.next();
      if (ev === NEED_DATA) return true;
      if (ev === PAUSED) {
        pauses++;
        if (opts.autoResume && 'nextMessage' in parser) {
          parser.nextMessage();
          continue;
        }
        return true;
      }
      if (ev.type === 'eof') {
        events.push({ type: 'eof' });
        return false;
      }
      pushJoined(events, plainEvent(ev));
    }
    throw new Error('parser did not settle');
  };
  try {
    for (const c of chunks) {
      parser.feed(c);
      if (!drain()) return { events, pauses };
    }
    if (opts.eof) {
      parser.feedEof();
      drain();
    }
  } catch (error) {
    return { events, error, pauses };
  }
  return { events, pauses };
}

/** Splits `buf` at the given cut points (any numbers; taken modulo the length, sorted). */
export function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  if (buf.length === 0) return [buf];
  const points = [...new Set(cuts.map((c) => c % buf.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    if (p === prev) continue;
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Asserts that `fn` (or a drive result's error) is a ProtocolError with this status and code. */
export function assertProtocolError(
  err: unknown,
  status: number | undefined,
  code?: string,
): ProtocolError {
  assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
  assert.equal(err.status, status, `status of "${err.message}"`);
  if (code !== undefined) assert.equal(err.code, code, `code of "${err.message}"`);
  return err;
}
