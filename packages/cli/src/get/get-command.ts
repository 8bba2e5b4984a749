/**
 * `connchan get URL`: an HTTP/1.1 request from the command line on connchan's client, like curl.
 * The body goes to stdout (or `-o FILE`) as it arrives; `-v` shows the heads when they happen;
 * a progress line on a terminal, for bodies of unknown length too; curl's exit codes, with
 * whatever arrived before a failure kept.
 */
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { HttpClient, type GeturlOptions, type HttpToken } from 'connchan/http-client';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { ProgressMeter, type ProgressStream } from './progress.js';
import { proxyFilter } from './proxy.js';

export interface GetOptions {
  method?: string;
  headers: [string, string][];
  /** Request body (makes it a POST). */
  data?: string;
  /** Request body from a file, streamed. */
  dataFile?: string;
  output?: string;
  /** `-i`: the response head before the body, in the output. */
  include?: boolean;
  /** `-I`: a HEAD request; the head is the output. */
  head?: boolean;
  verbose?: boolean;
  silent?: boolean;
  showError?: boolean;
  fail?: boolean;
  /** Follow redirects, at most this many (`-L`, `--max-redirs`). */
  maxRedirects?: number;
  timeoutMs?: number;
  keepalive?: boolean;
  /** `-x`: a proxy URL; default from HTTP_PROXY/HTTPS_PROXY/NO_PROXY. */
  proxy?: string;
  /** `--noproxy`: hosts that bypass any proxy (NO_PROXY's syntax). */
  noproxy?: string;
  ca?: string;
  insecure?: boolean;
  /** Draw the progress line when stderr is a terminal (default true). */
  progress?: boolean;
}

export interface GetIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & ProgressStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The body's way out: it drops what must not be shown (redirects followed, `-f` errors). */
class BodySink extends Writable {
  accepting = true;
  readonly #dest: NodeJS.WritableStream;

  constructor(dest: NodeJS.WritableStream) {
    super();
    this.#dest = dest;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    if (!this.accepting || this.#dest.write(chunk)) done();
    else this.#dest.once('drain', done);
  }
}

/** A URL without a scheme is http://, as curl assumes. */
export function withScheme(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
}

function headText(t: HttpToken, prefix: string, eol: string): string {
  return `${prefix}${t.http}${eol}${t.meta.map(([k, v]) => `${prefix}${k}: ${v}${eol}`).join('')}${prefix.trimEnd()}${eol}`;
}

/**
 * @example
 * ```ts
 * const code = await runGet('http://127.0.0.1:8080/stream', { headers: [] });
 * ```
 */
export async function runGet(
  rawUrl: string,
  o: GetOptions,
  io: GetIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const say = (message: string) => {
    if (!o.silent || o.showError) io.stderr.write(`connchan get: ${message}\n`);
  };
  const url = withScheme(rawUrl);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    say(`malformed URL "${rawUrl}"`);
    return EXIT.badUrl;
  }
  const client = new HttpClient({
    keepalive: o.keepalive ?? false,
    tls:
      o.ca || o.insecure
        ? { ca: o.ca ? readFileSync(o.ca, 'utf8') : undefined, insecure: o.insecure }
        : undefined,
  });
  try {
    const proxy = proxyFilter(target, o.proxy, o.noproxy, io.env);
    if (proxy) client.configure({ proxyfilter: proxy.filter, proxyauth: proxy.authorization });
  } catch (err) {
    say((err as Error).message);
    return EXIT.unsupported;
  }

  const out: NodeJS.WritableStream = o.output ? createWriteStream(o.output) : io.stdout;
  const sink = new BodySink(out);
  const stop = new AbortController();
  let writeFailed: Error | undefined;
  const onOutputError = (err: Error) => {
    writeFailed = err;
    stop.abort();
  };
  out.on('error', onOutputError);
  const showProgress =
    o.progress !== false &&
    !o.silent &&
    io.stderr.isTTY === true &&
    (o.output !== undefined || io.stdout.isTTY !== true);
  const meter = showProgress ? new ProgressMeter(io.stderr) : undefined;
  const maxRedirects = o.maxRedirects ?? 0;
  let failedStatus = 0;

  const options: GeturlOptions = {
    headers: o.headers,
    binary: true,
    channel: sink,
    signal: stop.signal,
    onHead: (t) => {
      if (o.verbose) {
        io.stderr.write(`> ${t.requestLine}\n`);
        for (const [k, v] of t.requestHeaders) io.stderr.write(`> ${k}: ${v}\n`);
        io.stderr.write('>\n');
        io.stderr.write(headText(t, '< ', '\n'));
      }
      const followed =
        maxRedirects > 0 &&
        REDIRECTS.has(t.ncode) &&
        t.redirects.length < maxRedirects &&
        t.meta.some(([k]) => k.toLowerCase() === 'location');
      if (o.fail && t.ncode >= 400 && !followed) {
        failedStatus = t.ncode;
        sink.accepting = false;
        stop.abort();
        return;
      }
      sink.accepting = !followed;
      if (o.include || o.head) out.write(headText(t, '', '\r\n'));
    },
  };
  if (meter) options.progress = (_t, total, current) => meter.update(current, total);
  if (o.method) options.method = o.method.toUpperCase();
  if (o.head) options.validate = true;
  if (o.timeoutMs) options.timeout = o.timeoutMs;
  if (maxRedirects > 0) options.followRedirects = maxRedirects;
  if (o.data !== undefined) options.query = o.data;
  else if (o.dataFile !== undefined) {
    // A file is streamed, not read whole; its size comes from the file system.
    options.querychannel = createReadStream(o.dataFile);
    options.headers = [...o.headers, ['Content-Length', String(statSync(o.dataFile).size)]];
    // curl's default for --data-binary; the library sends no type for a stream of its own.
    if (!o.headers.some(([name]) => name.toLowerCase() === 'content-type'))
      options.type = 'application/x-www-form-urlencoded';
  }

  let token: HttpToken | undefined;
  let failure: unknown;
  try {
    token = await client.geturl(target.href, options);
  } catch (err) {
    failure = err;
  }
  meter?.finish();
  if (out !== io.stdout) {
    out.end();
    if (!writeFailed) await once(out, 'close').catch(() => undefined);
  }
  out.off('error', onOutputError);
  await client.close();

  if (writeFailed) {
    say(`failed writing the body: ${writeFailed.message}`);
    return EXIT.write;
  }
  if (failedStatus) {
    say(`the requested URL returned error: ${failedStatus}`);
    return EXIT.httpError;
  }
  if (failure !== undefined || token === undefined) {
    say((failure as Error).message);
    return exitCodeForError(failure);
  }
  return outcome(token, maxRedirects, options, say);
}

/** The exit code of a transaction that ended with a token. */
function outcome(
  t: HttpToken,
  maxRedirects: number,
  options: GeturlOptions,
  say: (message: string) => void,
): number {
  switch (t.status) {
    case 'ok':
      break;
    case 'timeout':
      say(`operation timed out after ${options.timeout} ms with ${t.currentsize} bytes received`);
      return EXIT.timeout;
    case 'eof':
      if (t.ncode === 0) {
        say('empty reply from server');
        return EXIT.emptyReply;
      }
      say(
        `transfer closed with ${t.totalsize > 0 ? `${t.totalsize - t.currentsize} bytes` : 'the body'} outstanding`,
      );
      return EXIT.partial;
    default:
      say(`${t.status}${t.error ? `: ${t.error}` : ''}`);
      return EXIT.recv;
  }
  if (maxRedirects > 0 && REDIRECTS.has(t.ncode) && t.redirects.length >= maxRedirects) {
    say(`maximum (${maxRedirects}) redirects followed`);
    return EXIT.redirects;
  }
  return EXIT.ok;
}
