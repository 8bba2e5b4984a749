/**
 * `connchan serve`'s command line: flags over a JSON config file over the embedded defaults;
 * prints where it listens, stops cleanly on SIGINT/SIGTERM, reloads the certificate on SIGHUP.
 *
 * Options are declared once in OPTIONS (flag, help) and mapped once in `fromFlags` and
 * CONFIG_KEYS (config file): a new option is one entry in each, as `--workers` and `--redis` are.
 */
import { readFileSync } from 'node:fs';
import {
  choiceOption,
  CommandLineError,
  integerOption,
  optionsHelp,
  parseCommand,
  type OptionTable,
  type OptionValues,
} from '../args.js';
import { standardAnswer, type CliIo, type Command } from '../command.js';
import {
  batchedLines,
  DEFAULT_SERVE_OPTIONS,
  serve,
  type LineWriter,
  type ServeOptions,
} from './serve.js';
import { parseWorkers, serveCluster, type ClusterServeOptions } from './serve-cluster.js';

/** What the command line asks for: the server's options, and the cluster's when it has one. */
export type ServeRequest = Partial<ServeOptions> & { workers?: number | 'auto'; redis?: string };

const D = DEFAULT_SERVE_OPTIONS;
const OPTIONS = {
  host: { type: 'string', value: 'HOST', help: `address to listen on (default ${D.host})` },
  'http-port': {
    type: 'string',
    value: 'PORT',
    help: `HTTP port, 0 picks a free one (default ${D.httpPort})`,
  },
  'https-port': {
    type: 'string',
    value: 'PORT',
    help: `HTTPS port, 0 picks a free one (default ${D.httpsPort})`,
  },
  'no-tls': { type: 'boolean', help: 'serve plain HTTP only' },
  cert: {
    type: 'string',
    value: 'FILE',
    help: 'TLS certificate (PEM); default: a self-signed one in the data directory',
  },
  key: { type: 'string', value: 'FILE', help: 'TLS private key (PEM)' },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    help: `where the self-signed certificate is kept (default ${D.dataDir})`,
  },
  'max-connections': {
    type: 'string',
    value: 'N',
    help: `connections served at once (default ${D.maxConnections})`,
  },
  'trusted-proxy': {
    type: 'string',
    multiple: true,
    value: 'ADDR',
    help: 'reverse-proxy mode: trust X-Forwarded-For from this IP or CIDR',
  },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    help: 'silent, info (a line per request and per channel closed) or debug (also upgrades, detaches, headers, the address of a closed channel; default info)',
  },
  'log-format': {
    type: 'string',
    value: 'FORMAT',
    help: 'text or json (one object per line) (default text)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'a JSON file with any of the options above (flags win)',
  },
  workers: {
    type: 'string',
    value: 'N|auto',
    help: 'worker processes on the same ports (auto: one per core); default: this process',
  },
  redis: {
    type: 'string',
    value: 'URL',
    help: 'join a cluster of machines through Redis (default: CONNCHAN_REDIS_URL)',
  },
} as const satisfies OptionTable;

/** The config file's keys, each with the type its value must have. */
const CONFIG_KEYS: Record<string, 'string' | 'number' | 'boolean' | 'string[]'> = {
  host: 'string',
  httpPort: 'number',
  httpsPort: 'number',
  tls: 'boolean',
  certFile: 'string',
  keyFile: 'string',
  dataDir: 'string',
  maxConnections: 'number',
  trustedProxies: 'string[]',
  logLevel: 'string',
  logFormat: 'string',
  workers: 'number',
  redis: 'string',
};

const HELP = `Usage: connchan serve [options]

Runs the demo application: a page with an echo tester, a chat room and the live channel
dashboard, over HTTP and HTTPS (a self-signed certificate is made on first start). Endpoints:
/ (the page), /echo and /chat (WebSockets), POST /echo, /channels (the channel table as JSON),
/stream?count=N&interval=T (a detached streaming delivery), /dashboard (the table, pushed).

SIGINT and SIGTERM stop it cleanly; SIGHUP reads the certificate files again. With --workers
or --redis the chat rooms, the dashboard and closing a channel span every worker and machine.

Options:
${optionsHelp(OPTIONS)}
`;

function readConfig(file: string): ServeRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CommandLineError(`connchan serve: --config ${file}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CommandLineError(`connchan serve: --config ${file}: expected a JSON object`);
  }
  for (const [k, v] of Object.entries(parsed)) {
    const want = CONFIG_KEYS[k];
    const ok =
      want === 'string[]'
        ? Array.isArray(v) && v.every((x) => typeof x === 'string')
        : want !== undefined && typeof v === want;
    if (!ok) {
      throw new CommandLineError(
        want === undefined
          ? `connchan serve: --config ${file}: unknown key "${k}" (known: ${Object.keys(CONFIG_KEYS).join(', ')})`
          : `connchan serve: --config ${file}: "${k}" must be a ${want}`,
      );
    }
  }
  return parsed as ServeRequest;
}

function fromFlags(v: OptionValues<typeof OPTIONS>): ServeRequest {
  const o: ServeRequest = {};
  if (v.host !== undefined) o.host = v.host;
  if (v['http-port'] !== undefined)
    o.httpPort = integerOption('serve', 'http-port', v['http-port'], 0, 65535);
  if (v['https-port'] !== undefined)
    o.httpsPort = integerOption('serve', 'https-port', v['https-port'], 0, 65535);
  if (v['no-tls']) o.tls = false;
  if (v.cert !== undefined) o.certFile = v.cert;
  if (v.key !== undefined) o.keyFile = v.key;
  if (v['data-dir'] !== undefined) o.dataDir = v['data-dir'];
  if (v['max-connections'] !== undefined) {
    o.maxConnections = integerOption(
      'serve',
      'max-connections',
      v['max-connections'],
      1,
      10_000_000,
    );
  }
  if (v['trusted-proxy'] !== undefined) o.trustedProxies = v['trusted-proxy'];
  if (v['log-level'] !== undefined) {
    o.logLevel = choiceOption('serve', 'log-level', v['log-level'], [
      'silent',
      'info',
      'debug',
    ] as const);
  }
  if (v['log-format'] !== undefined) {
    o.logFormat = choiceOption('serve', 'log-format', v['log-format'], ['text', 'json'] as const);
  }
  if (v.workers !== undefined) o.workers = parseWorkers(v.workers);
  if (v.redis !== undefined) o.redis = v.redis;
  return o;
}

/** The options a command line asks for: defaults, then the config file, then the flags. */
export function serveOptions(args: string[]): ServeRequest | string {
  const { values: v, positionals } = parseCommand('serve', OPTIONS, args);
  const answer = standardAnswer(v, HELP);
  if (answer !== undefined) return answer;
  if (positionals.length > 0) {
    throw new CommandLineError(`connchan serve: unexpected argument "${positionals[0]}"`);
  }
  const merged = { ...(v.config ? readConfig(v.config) : {}), ...fromFlags(v) };
  if ((merged.certFile === undefined) !== (merged.keyFile === undefined)) {
    throw new CommandLineError('connchan serve: --cert and --key go together');
  }
  return merged;
}

async function runServe(args: string[], io: CliIo): Promise<number> {
  const request = serveOptions(args);
  if (typeof request === 'string') {
    io.stdout.write(request);
    return 0;
  }
  const { workers, redis = io.env.CONNCHAN_REDIS_URL, ...options } = request;
  // The log and the command's messages, in batches: a write per line cost /echo a tenth of its
  // WebSocket lives (serve.ts). What waits is written before the process exits.
  const say = batchedLines((chunk) => io.stdout.write(chunk));
  process.once('exit', say.flush);
  if (workers !== undefined || redis !== undefined) {
    const c: ClusterServeOptions = { workers: workers ?? 0, redis };
    await serveCluster({ ...options, log: say }, c);
    // The cluster drains on SIGINT/SIGTERM and ends the process itself.
    return new Promise<number>(() => {});
  }
  try {
    return await serveUntilSignal(options, say);
  } finally {
    say.flush();
    process.off('exit', say.flush);
  }
}

/** Serves in this process until SIGINT or SIGTERM, then closes. */
async function serveUntilSignal(options: Partial<ServeOptions>, say: LineWriter): Promise<number> {
  const running = await serve({ ...options, log: say });
  const quiet = options.logLevel === 'silent';
  if (!quiet) {
    say('connchan serve: the demo application is up');
    for (const url of running.urls) say(`  ${url}`);
    if (running.certPath)
      say(`  HTTPS uses ${running.certPath} (self-signed unless you gave --cert)`);
    say('  Ctrl-C stops it.');
  }
  const reload = () => {
    try {
      say(`connchan serve: SIGHUP: ${running.reloadCertificate()}`);
    } catch (err) {
      say(`connchan serve: SIGHUP: certificate reload failed, keeping the old one: ${String(err)}`);
    }
  };
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.off('SIGHUP', reload);
  if (!quiet) say('connchan serve: stopping');
  await running.close();
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'the demo server: HTTP and HTTPS, live channel dashboard, echo, chat, streaming',
  help: HELP,
  run: runServe,
};
