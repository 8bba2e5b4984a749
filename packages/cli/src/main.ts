/**
 * The `connchan` command line. `connchan serve` runs the demo server on its embedded defaults.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { serve, DEFAULT_SERVE_OPTIONS, type ServeOptions } from './serve.js';
import { parseWorkers, serveCluster } from './serve-cluster.js';
import { runWsCommand, type WsCommandOptions } from './ws-command.js';
import { runGetCommand, type GetCommandOptions } from './get-command.js';

interface ServeFlags {
  host: string;
  httpPort: string;
  httpsPort: string;
  tls: boolean;
  cert?: string;
  key?: string;
  dataDir: string;
  maxConnections: string;
  trustedProxy: string[];
  logLevel: ServeOptions['logLevel'];
  config?: string;
  workers?: string;
  redis?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('connchan')
    .description('Long-lived network connections for Node.js: channels, WebSockets, HTTP/1.1.');

  program
    .command('serve')
    .description('run the demo server (HTTP and HTTPS, channel dashboard, echo, chat)')
    .option('--host <host>', 'address to listen on', DEFAULT_SERVE_OPTIONS.host)
    .option(
      '--http-port <port>',
      'HTTP port (0 picks a free one)',
      String(DEFAULT_SERVE_OPTIONS.httpPort),
    )
    .option(
      '--https-port <port>',
      'HTTPS port (0 picks a free one)',
      String(DEFAULT_SERVE_OPTIONS.httpsPort),
    )
    .option('--no-tls', 'serve plain HTTP only')
    .option(
      '--cert <file>',
      'TLS certificate (PEM); default: a self-signed one in the data directory',
    )
    .option('--key <file>', 'TLS private key (PEM)')
    .option(
      '--data-dir <dir>',
      'where the self-signed certificate is kept',
      DEFAULT_SERVE_OPTIONS.dataDir,
    )
    .option(
      '--max-connections <n>',
      'connections served at once',
      String(DEFAULT_SERVE_OPTIONS.maxConnections),
    )
    .option(
      '--trusted-proxy <addr>',
      'reverse-proxy mode: trust X-Forwarded-For from this IP or CIDR (repeatable)',
      collect,
      [],
    )
    .addOption(
      new Option('--log-level <level>', 'logging')
        .choices(['silent', 'info', 'debug'])
        .default('info'),
    )
    .option('--config <file>', 'JSON file with any of the options above (flags win)')
    .option('--workers <n|auto>', 'worker processes on the same ports (auto: one per core)')
    .option(
      '--redis <url>',
      'join a cluster of machines through Redis (default: CONNCHAN_REDIS_URL)',
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const fromFile: Partial<ServeOptions> = flags.config
        ? (JSON.parse(readFileSync(flags.config, 'utf8')) as Partial<ServeOptions>)
        : {};
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      const options: Partial<ServeOptions> = { ...fromFile };
      if (given('host') || !fromFile.host) options.host = flags.host;
      if (given('httpPort') || fromFile.httpPort === undefined)
        options.httpPort = Number(flags.httpPort);
      if (given('httpsPort') || fromFile.httpsPort === undefined)
        options.httpsPort = Number(flags.httpsPort);
      if (given('tls') || fromFile.tls === undefined) options.tls = flags.tls;
      if (flags.cert) options.certFile = flags.cert;
      if (flags.key) options.keyFile = flags.key;
      if (given('dataDir') || !fromFile.dataDir) options.dataDir = flags.dataDir;
      if (given('maxConnections') || fromFile.maxConnections === undefined)
        options.maxConnections = Number(flags.maxConnections);
      if (flags.trustedProxy.length > 0) options.trustedProxies = flags.trustedProxy;
      if (given('logLevel') || !fromFile.logLevel) options.logLevel = flags.logLevel;
      const redis = flags.redis ?? process.env.CONNCHAN_REDIS_URL;
      if (flags.workers !== undefined || redis !== undefined) {
        await serveCluster(options, {
          workers: flags.workers === undefined ? 0 : parseWorkers(flags.workers),
          redis,
        });
        return;
      }
      const running = await serve(options);
      if (options.logLevel !== 'silent') {
        console.log('connchan serve: the demo application is up');
        for (const url of running.urls) console.log(`  ${url}`);
        if (running.certPath)
          console.log(`  HTTPS uses ${running.certPath} (self-signed unless you gave --cert)`);
        console.log('  Ctrl-C stops it.');
      }
      const stop = () => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('get')
    .description(
      'an HTTP/1.1 request (like curl): prints the body or saves it, with a progress bar on a terminal',
    )
    .argument('<url>', 'http:// or https:// URL')
    .option('-X, --request <method>', 'method (default GET, or POST with a body)')
    .option('-H, --header <line>', 'request header "Name: value" (repeatable)', collect, [])
    .option('-d, --data <text>', 'request body')
    .option('--data-file <file>', 'request body from a file (streamed)')
    .option('-o, --output <file>', 'write the body to a file')
    .option('--keepalive', 'ask for a persistent connection')
    .option('--proxy <host:port>', 'HTTP proxy (CONNECT for https)')
    .option('-L, --location [max]', 'follow redirects (at most max, default 10)')
    .option('-v, --verbose', 'print the request and response heads to stderr')
    .option('--ca <file>', 'trust this CA certificate (PEM) for https')
    .option('-k, --insecure', 'do not verify the server certificate')
    .option('--timeout <time>', 'give up after this long (e.g. 5s, 500ms)')
    .option('-f, --fail', 'exit with 22 on an HTTP status of 400 or more')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (url: string, flags: GetCommandOptions) => {
      process.exitCode = await runGetCommand(url, flags);
    });

  program
    .command('ws')
    .description(
      'an interactive WebSocket client (like wscat): prints what arrives, sends each line typed',
    )
    .argument('<url>', 'ws:// or wss:// URL')
    .option('-p, --protocol <name>', 'subprotocol to offer (repeatable)', collect, [])
    .option('-H, --header <line>', 'extra request header "Name: value" (repeatable)', collect, [])
    .option(
      '-x, --execute <message>',
      'send this message, wait for the answers, and exit (repeatable)',
      collect,
      [],
    )
    .option('-w, --wait <ms>', 'with --execute: longest wait for the answers', '5000')
    .addOption(
      new Option('--binary <how>', 'show binary messages as')
        .choices(['hex', 'length'])
        .default('hex'),
    )
    .option('--ca <file>', 'trust this CA certificate (PEM) for wss://')
    .option('-k, --insecure', 'do not verify the server certificate')
    .option('--no-deflate', 'do not offer permessage-deflate')
    .option('-o, --origin <origin>', 'Origin header')
    .addHelpText(
      'after',
      '\nCommands while connected: /ping [text], /close [code] [reason], /binary HEX, /quit',
    )
    .action(async (url: string, flags: WsCommandOptions) => {
      process.exitCode = await runWsCommand(url, flags);
    });

  await program.parseAsync(argv);
}
