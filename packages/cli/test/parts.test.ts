// The command line's pure parts: prompt commands, URLs, end-of-connection lines, the progress
// line, curl's exit codes, proxy choice, chat names, option parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEnd, promptAction, wsUrl } from '../src/ws/ws-format.js';
import { formatBytes, ProgressMeter } from '../src/get/progress.js';
import { exitCodeForError } from '../src/get/exit-codes.js';
import { proxyFilter } from '../src/get/proxy.js';
import { withScheme } from '../src/get/get-command.js';
import { chatName } from '../src/demo/chat.js';
import { CommandLineError, integerOption, optionsHelp, parseCommand } from '../src/args.js';

test('prompt commands: text, //, /ping, /pong, /binary, /close, /quit, /help; anything else is an error', () => {
  assert.deepEqual(promptAction('hello'), { kind: 'text', text: 'hello' });
  assert.deepEqual(promptAction(''), { kind: 'text', text: '' });
  assert.deepEqual(promptAction('//etc/passwd'), { kind: 'text', text: '/etc/passwd' });
  assert.deepEqual(promptAction('/ping are you there'), { kind: 'ping', text: 'are you there' });
  assert.deepEqual(promptAction('/pong'), { kind: 'pong', text: '' });
  assert.deepEqual(promptAction('/binary 00 ff 10'), {
    kind: 'binary',
    data: Buffer.from([0, 255, 16]),
  });
  assert.equal(promptAction('/binary 0g').kind, 'error');
  assert.equal(promptAction('/binary 123').kind, 'error');
  assert.deepEqual(promptAction('/close'), { kind: 'close', code: 1000, reason: undefined });
  assert.deepEqual(promptAction('/close 4000 all done'), {
    kind: 'close',
    code: 4000,
    reason: 'all done',
  });
  assert.deepEqual(promptAction('/quit'), { kind: 'quit' });
  assert.deepEqual(promptAction('/help'), { kind: 'help' });
  const unknown = promptAction('/exit now');
  assert.equal(unknown.kind, 'error');
  assert.match((unknown as { message: string }).message, /^unknown command \/exit; commands:/);
});

test('URLs as typed: no scheme is ws:// (http:// for get), http(s) maps to ws(s)', () => {
  assert.equal(wsUrl('127.0.0.1:8080/echo'), 'ws://127.0.0.1:8080/echo');
  assert.equal(wsUrl('localhost:8080'), 'ws://localhost:8080');
  assert.equal(wsUrl('wss://a.test/x'), 'wss://a.test/x');
  assert.equal(wsUrl('https://a.test/x'), 'wss://a.test/x');
  assert.equal(wsUrl('HTTP://a.test/'), 'ws://a.test/');
  assert.equal(withScheme('localhost:8080/channels'), 'http://localhost:8080/channels');
  assert.equal(withScheme('https://a.test/'), 'https://a.test/');
});

test('the end of a connection says who closed', () => {
  const info = (code: number, reason = '', wasClean = true) => ({ code, reason, wasClean });
  assert.equal(
    describeEnd(info(1001, 'bye'), undefined, 'the server'),
    '[disconnected: the server closed with 1001 "bye"]',
  );
  assert.equal(
    describeEnd(info(1000), { code: 1000 }, 'the server'),
    '[disconnected: we closed with 1000; the server answered 1000]',
  );
  assert.equal(
    describeEnd(info(1006, '', false), undefined, 'client conn3'),
    '[disconnected: the connection to client conn3 was lost without a closing handshake (1006)]',
  );
});

test('the progress line: a bar, percent and time left for a known length; bytes, rate, time for an unknown one', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  assert.equal(formatBytes(20 * 1024 * 1024), '20 MiB');
  const written: string[] = [];
  const meter = new ProgressMeter({ write: (s: string) => written.push(s), columns: 80 });
  meter.update(512 * 1024, 1024 * 1024);
  const known = meter.line();
  assert.match(
    known,
    /^\[#+\.+\] {2}50% {2}512 KiB \/ 1\.0 MiB {2}[\d.]+ (B|KiB|MiB|GiB)\/s {2}ETA \d+:\d\d$/,
  );
  assert.ok(known.length <= 79, 'fits the terminal');
  assert.match(written[0], /^\r\[#/, 'drawn from the start of the line');
  const unknown = new ProgressMeter({ write: () => {}, columns: 80 });
  unknown.update(2048, 0);
  assert.match(unknown.line(), /^[|/\\-] 2\.0 KiB {2}[\d.]+ (B|KiB|MiB|GiB)\/s {2}0:00$/);
  assert.match(unknown.line(undefined, true), /^ {2}2\.0 KiB .* done$/);
  const quiet: string[] = [];
  new ProgressMeter({ write: (s: string) => quiet.push(s) }).finish();
  assert.deepEqual(quiet, [], 'nothing received, nothing drawn');
});

test("curl's exit codes from connchan's errors and their causes", () => {
  const err = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });
  assert.equal(exitCodeForError(err('ERR_UNKNOWN_HOST', err('ENOTFOUND'))), 6);
  assert.equal(exitCodeForError(err('ERR_CONNECT_REFUSED', err('ECONNREFUSED'))), 7);
  assert.equal(exitCodeForError(err('ERR_CONNECT_TIMEOUT')), 28);
  assert.equal(exitCodeForError(err('ERR_TLS_HANDSHAKE', err('DEPTH_ZERO_SELF_SIGNED_CERT'))), 60);
  assert.equal(exitCodeForError(err('ERR_TLS_HANDSHAKE', err('ERR_SSL_WRONG_VERSION_NUMBER'))), 35);
  assert.equal(exitCodeForError(err('ERR_HTTP_CLIENT_EOF')), 52);
  assert.equal(exitCodeForError(err('ERR_HTTP_CLIENT_INVALID_URL')), 3);
  assert.equal(exitCodeForError(err('ERR_HTTP_CLIENT_UNSUPPORTED_SCHEME')), 1);
  assert.equal(exitCodeForError(err('ERR_HTTP_INVALID_STATUS_LINE')), 8);
});

test('the proxy: -x over the environment, per scheme, NO_PROXY and --noproxy bypass', () => {
  const env = {
    HTTP_PROXY: 'http://p1:3128',
    HTTPS_PROXY: 'http://user:pw@p2:8080',
    NO_PROXY: '.internal',
  };
  const http = proxyFilter(new URL('http://a.test/'), undefined, undefined, env)!;
  assert.deepEqual(http.filter('a.test'), ['p1', 3128]);
  assert.equal(http.filter('db.internal'), undefined);
  const https = proxyFilter(new URL('https://a.test/'), undefined, undefined, env)!;
  assert.deepEqual(https.filter('a.test'), ['p2', 8080]);
  assert.equal(https.authorization, `Basic ${Buffer.from('user:pw').toString('base64')}`);
  const flag = proxyFilter(new URL('https://a.test/'), 'p3:1080', undefined, env)!;
  assert.deepEqual(flag.filter('a.test'), ['p3', 1080]);
  assert.equal(proxyFilter(new URL('http://a.test/'), undefined, undefined, {}), undefined);
  const none = proxyFilter(new URL('http://a.test/'), undefined, '*', env)!;
  assert.equal(none.filter('a.test'), undefined);
  assert.throws(
    () => proxyFilter(new URL('http://a.test/'), 'https://p4:443', undefined, {}),
    /over TLS/,
  );
});

test('chat names: control characters out, 32 characters at most, a guest name when empty', () => {
  assert.equal(chatName('  ada  ', 'conn7'), 'ada');
  assert.equal(chatName('a\u0000d\u001ba', 'conn7'), 'ada');
  assert.equal(chatName('x'.repeat(40), 'conn7'), 'x'.repeat(32));
  assert.equal(chatName('', 'conn7'), 'guest-7');
  assert.equal(chatName(null, 'conn12'), 'guest-12');
});

test('options: parseArgs with repeatable options, help text from the table, clear usage errors', () => {
  const table = {
    header: { type: 'string', short: 'H', multiple: true, value: 'LINE', help: 'a header' },
    fail: { type: 'boolean', short: 'f', help: 'fail' },
  } as const;
  const { values, positionals } = parseCommand('get', table, [
    '-H',
    'A: 1',
    '--header',
    'B: 2',
    '-f',
    'url',
  ]);
  assert.deepEqual(values.header, ['A: 1', 'B: 2']);
  assert.equal(values.fail, true);
  assert.deepEqual(positionals, ['url']);
  assert.match(optionsHelp(table), /^ {2}-H, --header LINE +a header \(repeatable\)$/m);
  assert.match(optionsHelp(table), /^ {2}-V, --version +show the versions/m);
  assert.throws(
    () => parseCommand('get', table, ['--nope']),
    (e: unknown) => {
      return (
        e instanceof CommandLineError &&
        e.exitCode === 2 &&
        /^connchan get: Unknown option '--nope'/.test(e.message)
      );
    },
  );
  assert.equal(integerOption('serve', 'port', '8080', 0, 65535), 8080);
  assert.throws(() => integerOption('serve', 'port', '80.5', 0, 65535), /whole number/);
  assert.throws(() => integerOption('serve', 'port', '70000', 0, 65535), /from 0 to 65535/);
});
