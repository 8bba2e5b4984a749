/**
 * `connchan serve --log-level info|debug --log-format text|json`. At `info`, one line per
 * request answered and one per channel closed: a connection detached into a channel (a
 * WebSocket, a streaming delivery) is logged once, when it ends, as nginx logs a WebSocket.
 * A closed channel's line at `info` has no client address (`-`): asking the socket for it is a
 * system call per connection, 2–4 % of a WebSocket life on the demo's /echo. `debug` adds it,
 * logs each detach as it happens (the upgrade's `101`) and adds the HTTP version, the user agent
 * and the request headers, and the channel's kind and driver. Built on connchan's diagnostics
 * channels.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  DIAGNOSTICS,
  type ChannelCloseMessage,
  type DetachMessage,
  type ResponseMessage,
  type RequestInfo,
} from 'connchan';
import type { ChannelOrigin, ChannelOrigins } from './channel-origins.js';

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

const ms = (n: number) => Math.round(n * 10) / 10;

/** `.000Z` … `.999Z`: a line's milliseconds, made once. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}Z`);

/**
 * The time of a line, as ISO 8601 text: the date and second formatted once per second, the
 * milliseconds taken from a table, and the result kept for the millisecond (a Date and its
 * ISO text per line cost the demo's /echo more than the rest of its log line).
 */
let lastMs = -1;
let lastSecond = -1;
let secondText = '';
let lastTime = '';
function timeText(now: number): string {
  if (now !== lastMs) {
    lastMs = now;
    const millis = now % 1000;
    const second = now - millis;
    if (second !== lastSecond) {
      lastSecond = second;
      secondText = new Date(second).toISOString().slice(0, 19);
    }
    lastTime = secondText + MILLIS[millis];
  }
  return lastTime;
}

// Text lines are written out field by field, one formatter per kind of line for both levels: a
// generic walk over a fields object cost the demo's /echo more than its own upgrade.

/** Whether `v` has white space; printable ASCII is looked at without a regular expression. */
function hasSpace(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c >= 127) return /\s/.test(v);
  }
  return false;
}

/** ` k=v` for a named text field (quoted when it has spaces), or '' for an empty one. */
function named(k: string, v: string | undefined): string {
  return v === undefined || v === '' ? '' : ` ${k}=${hasSpace(v) ? JSON.stringify(v) : v}`;
}

/** ` driver=…`, made once per driver name in a row (most lines have the same). */
let lastDriver = '';
let lastDriverText = '';
function driverText(driver: string): string {
  if (driver !== lastDriver) {
    lastDriver = driver;
    lastDriverText = named('driver', driver);
  }
  return lastDriverText;
}

/** What `debug` adds to a request's text line: its version, user agent and headers. */
function requestDebugText(r: RequestInfo): string {
  let text = ` version=HTTP/${r.version}${named('userAgent', r.headers.get('user-agent') ?? '')}`;
  for (const [k, v] of r.headers) text += `\n    ${k}: ${v}`;
  return text;
}

/** What `debug` adds to a request's JSON line. */
function requestDebugFields(r: RequestInfo): Record<string, unknown> {
  return {
    version: `HTTP/${r.version}`,
    userAgent: r.headers.get('user-agent') ?? '',
    headers: [...r.headers].map(([k, v]) => [k, v]),
  };
}

/** `time peer METHOD /path status bytesB durationms driver=…`. */
function responseText(m: ResponseMessage, debug: boolean): string {
  const req = m.request;
  const line = `${timeText(Date.now())} ${req.peer || '-'} ${req.method} ${req.target} ${m.status} ${m.bytes}B ${ms(m.durationMs)}ms${driverText(req.driver)}`;
  return debug ? line + requestDebugText(req) : line;
}

function responseJson(m: ResponseMessage, debug: boolean): string {
  const req = m.request;
  return JSON.stringify({
    time: timeText(Date.now()),
    event: 'request',
    peer: req.peer,
    method: req.method,
    path: req.target,
    status: m.status,
    bytes: m.bytes,
    durationMs: ms(m.durationMs),
    driver: req.driver,
    ...(debug ? requestDebugFields(req) : undefined),
  });
}

/** `time peer `: the line's start, kept while the millisecond and the peer stay the same. */
let lastStartTime = '';
let lastStartPeer = '';
let lastStart = '';
function lineStart(time: string, peer: string): string {
  if (time !== lastStartTime || peer !== lastStartPeer) {
    lastStartTime = time;
    lastStartPeer = peer;
    lastStart = `${time} ${peer} `;
  }
  return lastStart;
}

/** ` endpoint=/path websocket=true`: the same for every channel of one origin. */
let lastOrigin: ChannelOrigin | undefined;
let lastOriginText = '';
function originText(origin: ChannelOrigin | undefined): string {
  if (origin !== lastOrigin) {
    lastOrigin = origin;
    lastOriginText =
      named('endpoint', origin?.endpoint) + (origin?.websocket ? ' websocket=true' : '');
  }
  return lastOriginText;
}

/** `time peer METHOD /path upgrade 101|detach channel=… durationms driver=…` (debug only). */
function detachText(m: DetachMessage, websocket: boolean): string {
  const req = m.request;
  const line = `${lineStart(timeText(Date.now()), req.peer)}${req.method} ${req.target} ${websocket ? 'upgrade 101' : 'detach'}${named('channel', m.channel)} ${ms(m.durationMs)}ms${driverText(req.driver)}`;
  return line + requestDebugText(req);
}

function detachJson(m: DetachMessage, websocket: boolean): string {
  const req = m.request;
  return JSON.stringify({
    time: timeText(Date.now()),
    event: websocket ? 'upgrade' : 'detach',
    peer: req.peer,
    method: req.method,
    path: req.target,
    status: websocket ? 101 : undefined,
    channel: m.channel,
    durationMs: ms(m.durationMs),
    driver: req.driver,
    ...requestDebugFields(req),
  });
}

/** `time - close channel=… endpoint=… websocket=true sent=… received=… durationms` (debug: the peer). */
function closeText(
  c: ChannelCloseMessage,
  origin: ChannelOrigin | undefined,
  debug: boolean,
): string {
  const now = Date.now();
  const line = `${lineStart(timeText(now), (debug && c.peer) || '-')}close${named('channel', c.name)}${originText(origin)} sent=${c.sent} received=${c.received} ${ms(now - c.startTime)}ms`;
  return debug ? line + named('kind', c.kind) + named('driver', c.driver) : line;
}

function closeJson(
  c: ChannelCloseMessage,
  origin: ChannelOrigin | undefined,
  debug: boolean,
): string {
  const now = Date.now();
  return JSON.stringify({
    time: timeText(now),
    event: 'close',
    peer: debug ? c.peer : undefined,
    channel: c.name,
    endpoint: origin?.endpoint,
    websocket: origin?.websocket || undefined,
    sent: c.sent,
    received: c.received,
    durationMs: ms(now - c.startTime),
    kind: debug ? c.kind : undefined,
    driver: debug ? c.driver : undefined,
  });
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
  const json = o.format === 'json';
  const write = o.write;

  const onResponse = (message: unknown) => {
    const m = message as ResponseMessage;
    if (m.server !== o.server) return;
    write(json ? responseJson(m, debug) : responseText(m, debug));
  };
  // Detaches and closes come through the origins, which know what each channel was. A detach
  // gets its own line at debug only: at info, a WebSocket life is one line, not two (measured:
  // the second line cost the demo's /echo about 2 % of its lives).
  const stopDetaches = debug
    ? o.origins.onDetach((m, origin) => {
        write(json ? detachJson(m, origin.websocket) : detachText(m, origin.websocket));
      })
    : () => {};
  const stopCloses = o.origins.onClose((c, origin) => {
    write(json ? closeJson(c, origin, debug) : closeText(c, origin, debug));
  });
  subscribe(DIAGNOSTICS.response, onResponse);
  return () => {
    unsubscribe(DIAGNOSTICS.response, onResponse);
    stopDetaches();
    stopCloses();
  };
}
