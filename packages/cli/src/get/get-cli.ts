/**
 * `connchan get`'s command line: curl's flags where curl has one, parsed into {@link GetOptions}.
 */
import {
  CommandLineError,
  headerOption,
  integerOption,
  optionsHelp,
  parseCommand,
  secondsOption,
  type OptionTable,
} from '../args.js';
import { parseTimeValue } from 'connchan/io';
import { runGet, type GetIo, type GetOptions } from './get-command.js';
import { standardAnswer, type Command } from '../command.js';

const OPTIONS = {
  request: {
    type: 'string',
    short: 'X',
    value: 'METHOD',
    help: 'method (default GET, POST with -d)',
  },
  header: {
    type: 'string',
    short: 'H',
    multiple: true,
    value: 'LINE',
    help: 'request header "Name: value"',
  },
  data: { type: 'string', short: 'd', value: 'TEXT', help: 'request body (makes it a POST)' },
  'data-file': { type: 'string', value: 'FILE', help: 'request body from FILE, streamed' },
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'write the body to FILE instead of stdout',
  },
  include: { type: 'boolean', short: 'i', help: 'put the response head before the body' },
  head: { type: 'boolean', short: 'I', help: 'a HEAD request: print the response head' },
  verbose: { type: 'boolean', short: 'v', help: 'print the request and response heads to stderr' },
  silent: { type: 'boolean', short: 's', help: 'no progress line, no error messages' },
  'show-error': { type: 'boolean', short: 'S', help: 'with -s: still print error messages' },
  fail: {
    type: 'boolean',
    short: 'f',
    help: 'no body and exit 22 on an HTTP status of 400 or more',
  },
  location: { type: 'boolean', short: 'L', help: 'follow redirects' },
  'max-redirs': { type: 'string', value: 'N', help: 'with -L: at most N redirects (default 10)' },
  'max-time': {
    type: 'string',
    short: 'm',
    value: 'SECONDS',
    help: 'give up after this long (exit 28)',
  },
  timeout: { type: 'string', value: 'TIME', help: 'the same as a time string: 5s, 500ms' },
  keepalive: { type: 'boolean', help: 'ask for a persistent connection' },
  proxy: {
    type: 'string',
    short: 'x',
    value: 'URL',
    help: 'HTTP proxy (CONNECT for https); default HTTP_PROXY / HTTPS_PROXY',
  },
  noproxy: { type: 'string', value: 'HOSTS', help: 'hosts that bypass the proxy (as NO_PROXY)' },
  ca: { type: 'string', value: 'FILE', help: 'trust this CA certificate (PEM) for https' },
  cacert: { type: 'string', value: 'FILE', help: "the same as --ca (curl's name)" },
  insecure: { type: 'boolean', short: 'k', help: 'do not verify the server certificate' },
  'no-progress': { type: 'boolean', help: 'no progress line, even on a terminal' },
} as const satisfies OptionTable;

const HELP = `Usage: connchan get [options] URL

An HTTP/1.1 request, like curl. The body goes to stdout (or -o FILE) as it arrives; on a
terminal a progress line shows bytes, rate and, when the length is known, the time left.
A URL without a scheme is http://. HTTP_PROXY, HTTPS_PROXY and NO_PROXY are honoured.

Exit status as curl's: 0 done, 3 malformed URL, 6 unknown host, 7 could not connect,
18 body cut short, 22 HTTP error with -f, 28 timed out, 35 TLS handshake failed,
47 too many redirects, 52 empty reply, 56 connection reset, 60 certificate not trusted.
What arrived before a failure is kept.

Options:
${optionsHelp(OPTIONS)}
`;

function parseGet(args: string[]): { url: string; options: GetOptions } | string {
  const { values: v, positionals } = parseCommand('get', OPTIONS, args);
  const answer = standardAnswer(v, HELP);
  if (answer !== undefined) return answer;
  if (positionals.length !== 1) {
    throw new CommandLineError(
      `connchan get: expected one URL, got ${positionals.length} (see connchan get --help)`,
    );
  }
  if (v.data !== undefined && v['data-file'] !== undefined) {
    throw new CommandLineError('connchan get: -d and --data-file cannot be used together');
  }
  let timeoutMs: number | undefined;
  if (v['max-time'] !== undefined)
    timeoutMs = secondsOption('get', 'max-time', v['max-time']) * 1000;
  else if (v.timeout !== undefined) {
    try {
      timeoutMs = parseTimeValue(v.timeout, 'timeout');
    } catch (err) {
      throw new CommandLineError(`connchan get: ${(err as Error).message}`);
    }
  }
  const maxRedirs =
    v['max-redirs'] === undefined
      ? 10
      : integerOption('get', 'max-redirs', v['max-redirs'], 1, 1000);
  return {
    url: positionals[0],
    options: {
      method: v.request,
      headers: headerOption('get', v.header ?? []),
      data: v.data,
      dataFile: v['data-file'],
      output: v.output,
      include: v.include,
      head: v.head,
      verbose: v.verbose,
      silent: v.silent,
      showError: v['show-error'],
      fail: v.fail,
      maxRedirects: v.location ? maxRedirs : 0,
      timeoutMs,
      keepalive: v.keepalive,
      proxy: v.proxy,
      noproxy: v.noproxy,
      ca: v.ca ?? v.cacert,
      insecure: v.insecure,
      progress: !v['no-progress'],
    },
  };
}

export const getCommand: Command = {
  name: 'get',
  summary: 'an HTTP/1.1 request, like curl: the body as it arrives, progress, curl exit codes',
  help: HELP,
  async run(args, io) {
    const parsed = parseGet(args);
    if (typeof parsed === 'string') {
      io.stdout.write(parsed);
      return 0;
    }
    return runGet(parsed.url, parsed.options, io as GetIo);
  },
};
