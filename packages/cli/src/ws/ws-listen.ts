/**
 * `connchan ws -l PORT`: a WebSocket server like `wscat --listen`, to try a client against.
 * Every path is accepted; what clients send is printed, each line typed goes to every client
 * connected (the same slash commands as the client), and each end says who closed.
 */
import { createServer } from 'connchan/server';
import { close, conninfo, live, send, shutdown } from 'connchan/ws';
import type { CliIo } from '../command.js';
import { LineConsole } from './line-console.js';
import {
  describeEnd,
  describeEvent,
  promptAction,
  PROMPT_HELP,
  type BinaryDisplay,
} from './ws-format.js';

export interface WsListenOptions {
  host: string;
  port: number;
  /** Subprotocols to agree to (a glob each); none: any the client offers first. */
  protocols: string[];
  binary: BinaryDisplay;
  deflate: boolean;
}

/** Resolves when the server has stopped (Ctrl-C, SIGTERM, or /quit). */
export async function runWsListen(o: WsListenOptions, io: CliIo): Promise<number> {
  const http = createServer({
    name: 'connchan-ws-listen',
    drivers: [{ host: o.host, port: o.port }],
  });
  const terminal = new LineConsole(io);
  const clients = new Set<string>();
  /** The closes we sent first, by socket. */
  const closing = new Map<string, { code: number; reason: string | undefined }>();
  const label = (sock: string) => (clients.size > 1 ? `${sock} ` : '');
  const options = { deflate: o.deflate };
  const handler = (sock: string, type: string, msg: unknown) => {
    if (type === 'connect') {
      clients.add(sock);
      const protocol = conninfo(sock, 'protocol');
      terminal.print(
        `[client ${sock} connected from ${conninfo(sock, 'peername')}${protocol ? `, protocol ${protocol}` : ''}]`,
      );
      return;
    }
    if (type === 'disconnect') {
      clients.delete(sock);
      const line = describeEnd(
        msg as Parameters<typeof describeEnd>[0],
        closing.get(sock),
        `client ${sock}`,
      );
      closing.delete(sock);
      terminal.print(line);
      return;
    }
    const line = describeEvent(type, msg, o.binary);
    if (line !== undefined) terminal.print(`${label(sock)}${line}`);
  };
  const globs = o.protocols.length > 0 ? o.protocols : ['*'];
  for (const glob of globs) live(http, '/*', handler as Parameters<typeof live>[2], glob, options);
  let bound;
  try {
    [bound] = await http.listen();
  } catch (err) {
    terminal.close();
    io.stderr.write(
      `connchan ws: cannot listen on ${o.host}:${o.port}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  terminal.print(
    `[listening on ws://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}/ — ${terminal.interactive ? 'Ctrl-C' : 'SIGTERM'} stops]`,
  );

  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const toAll = (fn: (sock: string) => void) => {
    if (clients.size === 0) terminal.print('[error: no client is connected]');
    for (const sock of clients) fn(sock);
  };
  const onLine = (text: string) => {
    const action = promptAction(text);
    try {
      switch (action.kind) {
        case 'text':
          toAll((s) => send(s, 'text', action.text));
          break;
        case 'ping':
        case 'pong':
          toAll((s) => send(s, action.kind, action.text));
          break;
        case 'binary':
          toAll((s) => send(s, 'binary', action.data));
          break;
        case 'close':
          toAll((s) => {
            closing.set(s, { code: action.code, reason: action.reason });
            close(s, action.code, action.reason);
          });
          break;
        case 'quit':
          stopped();
          break;
        case 'help':
          terminal.print(`[${PROMPT_HELP}; /quit stops listening]`);
          break;
        case 'error':
          terminal.print(`[error: ${action.message}]`);
          break;
      }
    } catch (err) {
      terminal.print(`[error: ${(err as Error).message}]`);
    }
  };
  // A terminal's Ctrl-D or Ctrl-C stops; piped input that ends does not (signals do).
  terminal.start({ line: onLine, end: () => terminal.interactive && stopped() });
  process.once('SIGINT', stopped);
  process.once('SIGTERM', stopped);
  await stop;
  process.off('SIGINT', stopped);
  process.off('SIGTERM', stopped);
  for (const s of clients) closing.set(s, { code: 1001, reason: undefined });
  await shutdown({ server: http.name, code: 1001, deadlineMs: 1000 });
  terminal.close();
  terminal.print('[stopped listening]');
  await http.close({ graceMs: 200 });
  return 0;
}
