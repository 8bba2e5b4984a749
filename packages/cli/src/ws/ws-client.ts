/**
 * `connchan ws URL`: a WebSocket client like wscat. Interactive: a prompt, each line typed is
 * sent, what arrives is printed above the prompt, slash commands for control frames and the
 * close, and the end says who closed. With `-x`: sends the messages, waits for as many answers
 * (or the close, or `-w` seconds, whichever comes first) and exits at once.
 */
import {
  conninfo,
  open,
  type WebSocketConnection,
  type WsCloseInfo,
  type WsOpenOptions,
} from 'connchan/ws';
import type { CliIo } from '../command.js';
import { LineConsole } from './line-console.js';
import {
  describeEnd,
  describeEvent,
  promptAction,
  PROMPT_HELP,
  wsUrl,
  type BinaryDisplay,
} from './ws-format.js';

export interface WsClientOptions {
  protocols: string[];
  headers: Record<string, string>;
  /** Messages to send before exiting (`-x`). */
  execute: string[];
  /** With `execute`: the longest wait for the answers, in seconds (`-w`). */
  waitSeconds: number;
  binary: BinaryDisplay;
  tls: WsOpenOptions['tls'];
  deflate: boolean;
  origin?: string;
  /** A proxy URL, false for none; default from the environment. */
  proxy?: string | false;
}

/** `[connected to URL, protocol …, extensions …]`, from the connection's handle. */
function connectedLine(url: string, sock: string): string {
  const protocol = conninfo(sock, 'protocol');
  const extensions = conninfo(sock, 'extensions');
  const agreed = [
    protocol ? `protocol ${protocol}` : '',
    extensions ? `extensions ${extensions}` : '',
  ];
  const more = agreed.filter(Boolean).join(', ');
  return `[connected to ${url}${more ? `, ${more}` : ''}]`;
}

/** How long the closing handshake may take once we are done. */
const CLOSE_WAIT_MS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * @example
 * ```ts
 * const code = await runWsClient('127.0.0.1:8080/echo', { ...options, execute: ['hi'] }, processIo());
 * ```
 */
export async function runWsClient(raw: string, o: WsClientOptions, io: CliIo): Promise<number> {
  const url = wsUrl(raw);
  const terminal = o.execute.length === 0 ? new LineConsole(io) : undefined;
  const print = (line: string) => (terminal ? terminal.print(line) : io.stdout.write(`${line}\n`));
  // Answers are the messages that arrive once ours are sent (not a greeting before).
  let answers = 0;
  let counting = false;
  let answered: (() => void) | undefined;
  let ours: { code: number; reason: string | undefined } | undefined;
  let ended!: (info: WsCloseInfo) => void;
  const done = new Promise<WsCloseInfo>((resolve) => (ended = resolve));
  // The peer's close frame: the end is certain from here (the TCP close may trail behind).
  let closeHeard!: () => void;
  const closing = new Promise<void>((resolve) => (closeHeard = resolve));
  let endTold = false;
  const tellEnd = (info: WsCloseInfo) => {
    if (endTold) return;
    endTold = true;
    const line = describeEnd(info, ours, 'the server');
    terminal?.close();
    print(line);
  };

  let ws: WebSocketConnection;
  try {
    ws = await open(
      url,
      (_sock, type, msg) => {
        const line = describeEvent(type, msg, o.binary);
        if (line !== undefined) print(line);
        if (type === 'text' || type === 'binary') {
          if (counting) answers++;
          answered?.();
        } else if (type === 'connect') {
          print(connectedLine(url, _sock));
        } else if (type === 'close') {
          tellEnd({ ...msg, wasClean: true });
          closeHeard();
        } else if (type === 'disconnect') {
          tellEnd(msg);
          ended(msg);
        }
      },
      {
        protocols: o.protocols,
        headers: o.headers,
        tls: o.tls,
        deflate: o.deflate,
        origin: o.origin,
        proxy: o.proxy,
      },
    );
  } catch (err) {
    terminal?.close();
    io.stderr.write(`connchan ws: ${(err as Error).message}\n`);
    return 1;
  }
  const closeOnce = (code: number, reason?: string) => {
    if (ours !== undefined || endTold || ws.state === 'CLOSED') return;
    if (ws.state === 'CONNECTED') ours = { code, reason };
    ws.close(code, reason);
  };

  if (terminal === undefined) {
    // -x: answers in, the server closed, or -w seconds: whichever comes first.
    counting = true;
    for (const m of o.execute) ws.send('text', m);
    const allAnswered = new Promise<void>((resolve) => {
      answered = () => {
        if (answers >= o.execute.length) resolve();
      };
    });
    await Promise.race([allAnswered, done, sleep(o.waitSeconds * 1000)]);
    closeOnce(1000);
    // Done once the server's close frame is in: its TCP close need not be waited for.
    await Promise.race([closing, done, sleep(CLOSE_WAIT_MS)]);
    return 0;
  }

  terminal.start({ line: (line) => onLine(line), end: () => closeOnce(1000) });
  await done;
  terminal.close();
  return 0;

  function onLine(line: string): void {
    const action = promptAction(line);
    try {
      switch (action.kind) {
        case 'text':
          ws.send('text', action.text);
          break;
        case 'ping':
        case 'pong':
          ws.send(action.kind, action.text);
          break;
        case 'binary':
          ws.send('binary', action.data);
          break;
        case 'close':
          closeOnce(action.code, action.reason);
          break;
        case 'quit':
          closeOnce(1000);
          break;
        case 'help':
          print(`[${PROMPT_HELP}]`);
          break;
        case 'error':
          print(`[error: ${action.message}]`);
          break;
      }
    } catch (err) {
      print(`[error: ${(err as Error).message}]`);
    }
  }
}
