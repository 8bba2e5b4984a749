/**
 * `connchan serve`: the demo server on embedded defaults: HTTP on 127.0.0.1:8080 and HTTPS on
 * 127.0.0.1:8443 with a self-signed certificate made on first start and kept in the data
 * directory. Every endpoint is served on both; requests, upgrades and channel closes are
 * logged at `info`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createServer, type DriverOptions, type HttpServer } from 'connchan/server';
import { shutdown as shutdownWebSockets } from 'connchan/ws';
import { ensureSelfSignedCertificate } from '../tls/certificate-files.js';
import { addDemo } from '../demo/demo.js';
import { ChannelOrigins } from './channel-origins.js';
import { startRequestLog, type LogFormat, type LogLevel } from './request-log.js';

export interface ServeOptions {
  /** The server's name: its channel table's. */
  name: string;
  host: string;
  /** HTTP port; 0 picks a free one. */
  httpPort: number;
  /** HTTPS port; 0 picks a free one. */
  httpsPort: number;
  /** Serve HTTPS too. */
  tls: boolean;
  /** PEM files; default: a self-signed certificate in `dataDir`. */
  certFile?: string;
  keyFile?: string;
  dataDir: string;
  maxConnections: number;
  trustedProxies: string[];
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Where log lines go. Default: stdout. */
  log?: (line: string) => void;
}

export const DEFAULT_SERVE_OPTIONS: Readonly<ServeOptions> = Object.freeze({
  name: 'connchan-demo',
  host: '127.0.0.1',
  httpPort: 8080,
  httpsPort: 8443,
  tls: true,
  dataDir: join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'connchan'),
  maxConnections: 10_000,
  trustedProxies: [],
  logLevel: 'info',
  logFormat: 'text',
});

export interface RunningServer {
  server: HttpServer;
  /** `http://…/` first, then `https://…/` when TLS is on. */
  urls: string[];
  /** The certificate file used for HTTPS (to trust it in a browser). */
  certPath?: string;
  /** Reads the certificate and key files again (SIGHUP); returns what it did. */
  reloadCertificate(): string;
  close(graceMs?: number): Promise<void>;
}

/** A batch of log lines is written once it holds this many bytes… */
export const LOG_BATCH_CHARS = 8 * 1024;
/** …or once its first line has waited this long (as nginx's `access_log … flush=`). */
export const LOG_FLUSH_MS = 50;

/**
 * Room for a batch: a line that fits (at worst 3 bytes per UTF-16 unit) goes in; a longer one
 * (a debug line with large headers) is written on its own, after the batch before it.
 */
const BATCH_ROOM = 2 * LOG_BATCH_CHARS;

/** A log writer: takes whole lines (without their newline); `flush` writes what waits. */
export interface LineWriter {
  (line: string): void;
  /** Writes the lines that wait, now (before the process exits). */
  flush(): void;
}

/**
 * A log writer that gathers lines and writes them at once: in writes of about
 * {@link LOG_BATCH_CHARS} bytes of UTF-8, and no line waits longer than {@link LOG_FLUSH_MS}.
 * Each chunk is a buffer of its own (the writer may keep it). Measured on the demo's `/echo`
 * under a storm of WebSocket lives: a line per write cost it a tenth of its handshake rate; a
 * write at the first turn of the event loop that added no line still made 0.7 writes per life
 * (most turns carry one or two lives, and many carry none) and cost it about 2 %. `connchan
 * serve` writes its log and its messages through one of these, so they keep their order.
 *
 * @example
 * ```ts
 * const log = batchedLines((chunk) => process.stdout.write(chunk));
 * log('one'); log('two'); // one write of "one\ntwo\n", LOG_FLUSH_MS later
 * log.flush(); // or at once
 * ```
 */
export function batchedLines(write: (chunk: Buffer) => void): LineWriter {
  // Each line is encoded into the batch as it comes, while it is fresh. Lines kept as strings
  // and joined per batch spent most of the batch's write walking each line's pieces (a line
  // built by concatenation is a tree of them) once they had gone cold: in alternated runs of
  // WebSocket lives on the demo's /echo, this is 1–2 % ahead.
  let batch = Buffer.allocUnsafe(BATCH_ROOM);
  let used = 0;
  /**
   * Armed by the first line after it last fired, and left to run when a full batch leaves
   * early: under load that is one timer per {@link LOG_FLUSH_MS}, not one per batch (a timer
   * made and cleared per batch cost the demo's /echo about 1 % of its lives). It keeps the
   * process up until the lines are out.
   */
  let timer: NodeJS.Timeout | undefined;
  const writePending = (): void => {
    if (used === 0) return;
    const chunk = batch.subarray(0, used);
    batch = Buffer.allocUnsafe(BATCH_ROOM);
    used = 0;
    write(chunk);
  };
  const onTimer = (): void => {
    timer = undefined;
    writePending();
  };
  const flush = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    writePending();
  };
  const log = (line: string): void => {
    if (used + 3 * line.length + 1 > BATCH_ROOM) {
      writePending();
      if (3 * line.length + 1 > BATCH_ROOM) {
        write(Buffer.from(`${line}\n`));
        return;
      }
    }
    used += batch.write(line, used);
    batch[used++] = 0x0a;
    if (used >= LOG_BATCH_CHARS) writePending();
    else timer ??= setTimeout(onTimer, LOG_FLUSH_MS);
  };
  return Object.assign(log, { flush });
}

function certificatePair(o: ServeOptions): { cert: string; key: string; certPath: string } {
  if (o.certFile && o.keyFile) {
    return {
      cert: readFileSync(o.certFile, 'utf8'),
      key: readFileSync(o.keyFile, 'utf8'),
      certPath: o.certFile,
    };
  }
  return ensureSelfSignedCertificate(o.dataDir, [o.host]);
}

/**
 * @example
 * ```ts
 * const running = await serve({ httpPort: 0, httpsPort: 0 });
 * console.log(running.urls);
 * await running.close();
 * ```
 */
export async function serve(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const o: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...options };
  // A writer made here is this server's to flush when it closes; one passed in, its caller's.
  let ownLog: LineWriter | undefined;
  const write = o.log ?? (ownLog = batchedLines((chunk) => process.stdout.write(chunk)));
  const drivers: DriverOptions[] = [{ name: 'http', host: o.host, port: o.httpPort }];
  let certPath: string | undefined;
  if (o.tls) {
    const pair = certificatePair(o);
    certPath = pair.certPath;
    drivers.push({ name: 'https', host: o.host, port: o.httpsPort, tls: pair });
  }
  const server = createServer({
    name: o.name,
    drivers,
    limits: { maxConnections: o.maxConnections },
    trustedProxies: o.trustedProxies,
    onError: (err, ctx) => {
      if (o.logLevel !== 'silent')
        write(`connchan serve: ${ctx.method} ${ctx.path} failed: ${String(err)}`);
    },
  });
  const origins = new ChannelOrigins(server.name);
  const stopLog = startRequestLog({
    server: server.name,
    level: o.logLevel,
    format: o.logFormat,
    origins,
    write,
  });
  const demo = addDemo(server, origins);
  let bound;
  try {
    bound = await server.listen();
  } catch (err) {
    demo.stop();
    stopLog();
    origins.stop();
    throw err;
  }
  return {
    server,
    urls: bound.map((d) => d.url),
    certPath,
    reloadCertificate: () => {
      if (!o.tls) return 'no HTTPS driver: nothing to reload';
      // A bad pair throws and leaves the old certificate in place; open connections keep theirs.
      const pair = certificatePair(o);
      server.setSecureContext({ cert: pair.cert, key: pair.key }, { driver: 'https' });
      return `reloaded ${pair.certPath}`;
    },
    close: async (graceMs = 2000) => {
      demo.stop();
      // WebSockets get a proper close (1001 "going away") before the server closes the rest.
      await shutdownWebSockets({ server: server.name, code: 1001, deadlineMs: graceMs });
      await server.close({ graceMs });
      stopLog();
      origins.stop();
      ownLog?.flush();
    },
  };
}
