/**
 * `open URL`: connect (TCP or TLS by scheme), send an HTTP request and return the channel, with
 * the response left for the caller to read. Unlike NaviServer it sends a Host header, never
 * puts the URL fragment on the request line, and sends the whole head (and an optional body)
 * through the send queue. `readResponseHead` parses the response head off the channel.
 */
import { dial, type ClientTlsOptions } from '../io/dial.js';
import { parseTimeValue, type TimeValue } from '../io/time-value.js';
import { writeRequestHead, type HeaderInit } from '../proto/http1/writers.js';
import { ResponseParser } from '../proto/http1/response-parser.js';
import type { ResponseHead } from '../proto/http1/response-head.js';
import { NEED_DATA, PAUSED } from '../proto/need-data.js';
import { ConnchanError, UsageError } from '../errors.js';
import { ChannelTable } from './channel-table.js';
import { driverClientTls } from './driver-defaults.js';
import type { Channel, ChannelLimits } from './channel.js';

export interface OpenOptions extends ClientTlsOptions {
  /** Default GET (upper-cased). */
  method?: string;
  /** Extra request headers. Host is added unless given. */
  headers?: HeaderInit;
  /** Request body, sent after the head with its Content-Length. */
  body?: string | Uint8Array;
  /** Connect timeout. Default 1 s. */
  timeout?: TimeValue;
  /** HTTP version of the request line. Default 1.0, as ns_connchan open. */
  version?: '1.0' | '1.1';
  /** Server name for SNI and certificate checks (ns_connchan's -hostname). */
  hostname?: string;
  /** Connect to this Unix-domain socket; the URL still gives Host and path (ns_connchan's -unix_socket). */
  unixSocket?: string;
  server?: string;
  driver?: string;
  limits?: Partial<ChannelLimits>;
  /**
   * Keep the channel after the peer finished sending (TCP half-close), so that it can still be
   * written to; it leaves the table only once the connection is closed. Default false.
   */
  halfOpen?: boolean;
  signal?: AbortSignal;
}

/**
 * Opens a channel to an `http://` or `https://` URL and sends the request.
 *
 * @example
 * ```ts
 * const chan = await openChannel('https://example.org/', { version: '1.1' });
 * const head = await readResponseHead(chan);
 * console.log(head.status, (await chan.read()).toString());
 * ```
 */
export async function openChannel(url: string | URL, options: OpenOptions = {}): Promise<Channel> {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`cannot open ${u.href}: only http and https URLs`, {
      code: 'ERR_CHAN_UNSUPPORTED_SCHEME',
    });
  }
  const secure = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : secure ? 443 : 80;
  const timeoutMs =
    options.timeout === undefined ? 1000 : parseTimeValue(options.timeout, 'timeout');
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: [string, string][] = [];
  const given = options.headers ? [...headerPairs(options.headers)] : [];
  if (!given.some(([k]) => k.toLowerCase() === 'host')) headers.push(['Host', u.host]);
  headers.push(...given);
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  if (body && !given.some(([k]) => k.toLowerCase() === 'content-length'))
    headers.push(['Content-Length', String(body.length)]);
  // Build the head before connecting, so a bad header fails without a connection.
  const head = writeRequestHead({
    method,
    target: `${u.pathname}${u.search}`,
    version: options.version ?? '1.0',
    headers,
  });
  const socket = await dial({
    host,
    port,
    timeoutMs,
    signal: options.signal,
    unixSocket: options.unixSocket,
    tls: secure
      ? {
          ...driverClientTls(options.server, options.driver),
          ...definedTls(options),
          servername: options.hostname ?? options.servername,
        }
      : undefined,
  });
  const channel = ChannelTable.of(options.server).create({
    socket,
    kind: 'open',
    driver: options.driver ?? (secure ? 'https' : 'http'),
    role: 'client',
    limits: options.limits,
    halfOpen: options.halfOpen,
  });
  channel.write(head, { buffered: true });
  if (body && body.length > 0) channel.write(body, { buffered: true });
  return channel;
}

/** The TLS fields the caller actually set (so that unset ones do not hide a driver's). */
function definedTls(o: OpenOptions): ClientTlsOptions {
  const out: ClientTlsOptions = {};
  if (o.ca !== undefined) out.ca = o.ca;
  if (o.cert !== undefined) out.cert = o.cert;
  if (o.key !== undefined) out.key = o.key;
  if (o.insecure !== undefined) out.insecure = o.insecure;
  if (o.alpnProtocols !== undefined) out.alpnProtocols = o.alpnProtocols;
  return out;
}

function* headerPairs(h: HeaderInit): Iterable<[string, string]> {
  if (Symbol.iterator in h) {
    for (const [k, v] of h as Iterable<readonly [string, string]>) yield [k, v];
    return;
  }
  for (const [k, v] of Object.entries(h)) {
    if (Array.isArray(v)) for (const x of v) yield [k, String(x)];
    else yield [k, String(v)];
  }
}

/**
 * Reads and parses the response head (skipping 1xx interim responses other than 101) from a
 * channel opened with {@link openChannel}; the body's bytes stay in the channel to be read.
 */
export async function readResponseHead(
  channel: Channel,
  options: { method?: string; timeoutMs?: number } = {},
): Promise<ResponseHead> {
  const parser = new ResponseParser();
  parser.expectResponse(options.method ?? 'GET');
  for (;;) {
    const data = await channel.read({ timeoutMs: options.timeoutMs });
    if (data.length === 0) {
      throw new ConnchanError(
        `channel "${channel.name}": connection closed before a response head`,
        { code: 'ERR_CHAN_NO_RESPONSE' },
      );
    }
    parser.feed(data);
    for (let ev = parser.next(); ev !== NEED_DATA && ev !== PAUSED; ev = parser.next()) {
      if (ev.type === 'response' || ev.type === 'upgrade') {
        // Hand back everything after the head, untouched, for the caller to read.
        channel.unread(parser.takeUnparsed());
        return ev.head;
      }
    }
  }
}
