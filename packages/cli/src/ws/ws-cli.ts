/**
 * `connchan ws`'s command line: wscat's flags (`-x`, `-w` in seconds, `-l`, `-p`, `-H`, `-o`)
 * and a few of our own, parsed into the client's or the listener's options.
 */
import { readFileSync } from 'node:fs';
import {
  choiceOption,
  CommandLineError,
  headerOption,
  integerOption,
  optionsHelp,
  parseCommand,
  secondsOption,
  type OptionTable,
} from '../args.js';
import { standardAnswer, type Command } from '../command.js';
import { runWsClient } from './ws-client.js';
import { runWsListen } from './ws-listen.js';

const OPTIONS = {
  execute: {
    type: 'string',
    short: 'x',
    multiple: true,
    value: 'MESSAGE',
    help: 'send MESSAGE, print the answers, exit',
  },
  wait: {
    type: 'string',
    short: 'w',
    value: 'SECONDS',
    help: 'with -x: wait at most this long for the answers (default 2)',
  },
  listen: {
    type: 'string',
    short: 'l',
    value: 'PORT',
    help: 'be the server: listen on PORT for clients',
  },
  host: {
    type: 'string',
    value: 'HOST',
    help: 'with -l: the address to listen on (default 127.0.0.1)',
  },
  protocol: {
    type: 'string',
    short: 'p',
    multiple: true,
    value: 'NAME',
    help: 'subprotocol to offer (with -l: to accept)',
  },
  header: {
    type: 'string',
    short: 'H',
    multiple: true,
    value: 'LINE',
    help: 'extra request header "Name: value"',
  },
  origin: { type: 'string', short: 'o', value: 'ORIGIN', help: 'Origin header' },
  binary: {
    type: 'string',
    value: 'hex|length',
    help: 'how binary messages are shown (default hex)',
  },
  ca: { type: 'string', value: 'FILE', help: 'trust this CA certificate (PEM) for wss://' },
  insecure: { type: 'boolean', short: 'k', help: 'do not verify the server certificate' },
  'no-deflate': { type: 'boolean', help: 'do not offer (with -l: accept) permessage-deflate' },
  proxy: {
    type: 'string',
    value: 'URL',
    help: 'HTTP proxy for a CONNECT tunnel; default HTTP(S)_PROXY',
  },
  'no-proxy': { type: 'boolean', help: 'connect directly, whatever the environment says' },
} as const satisfies OptionTable;

const HELP = `Usage: connchan ws [options] URL
       connchan ws -l PORT [options]

A WebSocket client, like wscat: what arrives is printed ("< text"), each line typed is sent.
A URL without a scheme is ws://. The end says who closed: us, or the peer, or nobody (1006).
With -x it sends the messages, waits for as many answers (or the close, at most -w seconds)
and exits as soon as they are in. With -l it is the server, for trying a client: every path
is accepted, lines typed go to every connected client.

At the prompt: /ping [text], /pong [text], /close [code [reason]], /binary HEX, /quit, /help;
a line starting with // sends text that starts with /; anything else is sent as text.

Options:
${optionsHelp(OPTIONS)}
`;

export const wsCommand: Command = {
  name: 'ws',
  summary: 'a WebSocket client like wscat (prompt, /commands, -x), or a server with -l PORT',
  help: HELP,
  async run(args, io) {
    const { values: v, positionals } = parseCommand('ws', OPTIONS, args);
    const answer = standardAnswer(v, HELP);
    if (answer !== undefined) {
      io.stdout.write(answer);
      return 0;
    }
    const binary = choiceOption('ws', 'binary', v.binary ?? 'hex', ['hex', 'length'] as const);
    if (v.listen !== undefined) {
      if (positionals.length > 0) {
        throw new CommandLineError('connchan ws: -l listens; it takes no URL');
      }
      return runWsListen(
        {
          host: v.host ?? '127.0.0.1',
          port: integerOption('ws', 'listen', v.listen, 0, 65535),
          protocols: v.protocol ?? [],
          binary,
          deflate: !v['no-deflate'],
        },
        io,
      );
    }
    if (positionals.length !== 1) {
      throw new CommandLineError(
        `connchan ws: expected one URL, got ${positionals.length} (see connchan ws --help)`,
      );
    }
    return runWsClient(
      positionals[0],
      {
        protocols: v.protocol ?? [],
        headers: Object.fromEntries(headerOption('ws', v.header ?? [])),
        execute: v.execute ?? [],
        waitSeconds: v.wait === undefined ? 2 : secondsOption('ws', 'wait', v.wait),
        binary,
        tls: {
          ...(v.ca ? { ca: readFileSync(v.ca, 'utf8') } : {}),
          ...(v.insecure ? { insecure: true } : {}),
        },
        deflate: !v['no-deflate'],
        origin: v.origin,
        proxy: v['no-proxy'] ? false : v.proxy,
      },
      io,
    );
  },
};
