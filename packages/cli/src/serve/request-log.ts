/**
 * `connchan serve --log-level info|debug --log-format text|json`: one line per request
 * answered, per connection detached (a WebSocket upgrade, a streaming delivery) and per
 * channel closed. `debug` adds the HTTP version, the user agent and the request headers, and
 * the channel's kind and driver. Built on connchan's diagnostics channels.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS, type DetachMessage, type ResponseMessage, type RequestInfo } from 'connchan';
import type { ChannelOrigins } from './channel-origins.js';

export type LogLevel = 'silent' | 'info' | 'debug';
export type LogFormat = 'text' | 'json';

export interface RequestLogOptions {
  /** The server's name: only its events are logged. */
  server: string;
  level: LogLevel;
  format: LogFormat;
  origins: ChannelOrigins;
  write: (line: string) => void;
}

/** One event: what every format shows, in the order the text format shows it. */
type Fields = Record<string, string | number | boolean | [string, string][] | undefined>;

const ms = (n: number) => Math.round(n * 10) / 10;

/** What `debug` adds about a request, after the fields every level shows. */
function addDebugFields(f: Fields, r: RequestInfo): void {
  f.version = `HTTP/${r.version}`;
  f.userAgent = r.headers.get('user-agent') ?? '';
  f.headers = [...r.headers].map(([k, v]) => [k, v] as [string, string]);
}

/**
 * The time of a line, as ISO 8601 text: made once per millisecond, not once per line (a
 * WebSocket life logs two lines, and a burst of them shares the millisecond).
 */
let lastMs = -1;
let lastTime = '';
function timeText(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = new Date(now).toISOString();
  }
  return lastTime;
}

/** `time peer METHOD /path status bytes duration driver …`, a line a person reads. */
function textLine(event: string, f: Fields): string {
  // Written out field by field: a WebSocket life logs two of these, and the generic
  // entries/filter/map/join version cost the demo's /echo more than its own upgrade.
  const time = timeText();
  let line =
    event === 'close'
      ? `${time} ${f.peer || '-'} close`
      : `${time} ${f.peer} ${f.method} ${f.path}`;
  if (event !== 'request' && event !== 'close') line += ` ${event}`;
  for (const k in f) {
    const v = f[k];
    if (v === undefined || v === '' || isHeadField(k)) continue;
    line += ` ${fieldText(k, v)}`;
  }
  const headers = f.headers;
  if (Array.isArray(headers)) for (const [k, v] of headers) line += `\n    ${k}: ${v}`;
  return line;
}

/** The fields the text format puts first, without their names. */
function isHeadField(k: string): boolean {
  return k === 'peer' || k === 'method' || k === 'path' || k === 'headers';
}

/** ` k=v` as textLine writes a string field, or '' for an empty one. */
function named(k: string, v: string | undefined): string {
  return v === undefined || v === '' ? '' : ` ${k}=${/\s/.test(v) ? JSON.stringify(v) : v}`;
}

function fieldText(k: string, v: Exclude<Fields[string], undefined>): string {
  if (k === 'status') return String(v);
  if (k === 'bytes') return `${String(v)}B`;
  if (k === 'durationMs') return `${String(v)}ms`;
  return `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`;
}

/**
 * Starts logging; returns the function that stops it.
 *
 * @example
 * ```ts
 * const stop = startRequestLog({ server: 'demo', level: 'info', format: 'json', origins, write: console.log });
 * ```
 */
export function startRequestLog(o: RequestLogOptions): () => void {
  if (o.level === 'silent') return () => {};
  const debug = o.level === 'debug';
  const emit = (event: string, f: Fields) =>
    o.write(
      o.format === 'json' ? JSON.stringify({ time: timeText(), event, ...f }) : textLine(event, f),
    );
  // `info` in text, the default: each line written out directly, no fields object to walk (a
  // WebSocket life logs two lines; the generic path cost a few per cent of the demo's lives).
  const plain = o.format === 'text' && !debug;

  const onResponse = (m: unknown) => {
    const r = m as ResponseMessage;
    if (r.server !== o.server) return;
    const req = r.request;
    if (plain) {
      o.write(
        `${timeText()} ${req.peer} ${req.method} ${req.target} ${r.status} ${r.bytes}B ${ms(r.durationMs)}ms${named('driver', req.driver)}`,
      );
      return;
    }
    const f: Fields = {
      peer: req.peer,
      method: req.method,
      path: req.target,
      status: r.status,
      bytes: r.bytes,
      durationMs: ms(r.durationMs),
      driver: req.driver,
    };
    if (debug) addDebugFields(f, req);
    emit('request', f);
  };
  const onDetach = (m: unknown) => {
    const d = m as DetachMessage;
    if (d.server !== o.server) return;
    // The origins heard the detach first (they subscribed first) and know what it was.
    const websocket =
      o.origins.get(d.channel)?.websocket ??
      /websocket/i.test(d.request.headers.get('upgrade') ?? '');
    const req = d.request;
    if (plain) {
      o.write(
        `${timeText()} ${req.peer} ${req.method} ${req.target} ${websocket ? 'upgrade 101' : 'detach'}${named('channel', d.channel)} ${ms(d.durationMs)}ms${named('driver', req.driver)}`,
      );
      return;
    }
    const f: Fields = {
      peer: req.peer,
      method: req.method,
      path: req.target,
      status: websocket ? 101 : undefined,
      channel: d.channel,
      durationMs: ms(d.durationMs),
      driver: req.driver,
    };
    if (debug) addDebugFields(f, req);
    emit(websocket ? 'upgrade' : 'detach', f);
  };
  o.origins.onClose((c, origin) => {
    if (plain) {
      o.write(
        `${timeText()} ${c.peer || '-'} close${named('channel', c.name)}${named('endpoint', origin?.endpoint)}${origin?.websocket ? ' websocket=true' : ''} sent=${c.sent} received=${c.received} ${ms(Date.now() - c.startTime)}ms`,
      );
      return;
    }
    emit('close', {
      peer: c.peer,
      channel: c.name,
      endpoint: origin?.endpoint,
      websocket: origin?.websocket || undefined,
      sent: c.sent,
      received: c.received,
      durationMs: ms(Date.now() - c.startTime),
      kind: debug ? c.kind : undefined,
      driver: debug ? c.driver : undefined,
    });
  });
  subscribe(DIAGNOSTICS.response, onResponse);
  subscribe(DIAGNOSTICS.detach, onDetach);
  return () => {
    unsubscribe(DIAGNOSTICS.response, onResponse);
    unsubscribe(DIAGNOSTICS.detach, onDetach);
  };
}
