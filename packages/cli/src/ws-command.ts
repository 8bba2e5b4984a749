/**
 * `connchan ws URL`: an interactive WebSocket client like wscat. Prints what arrives (text,
 * binary as hex or length, pings, pongs, the close), sends each line typed, and knows a few
 * commands: `/ping [text]`, `/close [code] [reason]`, `/binary HEX`, `/quit`. With `--execute`
 * it sends the given messages, waits for as many answers (or `--wait`), and exits.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { open, type WsOpenOptions } from 'connchan/ws';
import type { WebSocketConnection } from 'connchan/ws';

export interface WsCommandOptions {
  protocol: string[];
  header: string[];
  execute: string[];
  wait: string;
  binary: 'hex' | 'length';
  ca?: string;
  insecure?: boolean;
  deflate: boolean;
  origin?: string;
}

function parseHeaders(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`bad header "${line}": expected "Name: value"`);
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function describe(type: string, msg: unknown, binary: 'hex' | 'length'): string | undefined {
  switch (type) {
    case 'text':
      return `< ${msg as string}`;
    case 'binary': {
      const b = msg as Buffer;
      return binary === 'hex'
        ? `< binary ${b.length} bytes: ${b.subarray(0, 64).toString('hex')}${b.length > 64 ? '…' : ''}`
        : `< binary ${b.length} bytes`;
    }
    case 'ping':
      return `< ping ${(msg as Buffer).toString()}`.trimEnd();
    case 'pong':
      return `< pong ${(msg as Buffer).toString()}`.trimEnd();
    case 'close': {
      const c = msg as { code: number; reason: string };
      return `[closed by peer: ${c.code}${c.reason ? ` ${c.reason}` : ''}]`;
    }
    case 'timeout':
      return '[keep-alive timeout]';
    case 'error':
      return `[error: ${(msg as Error).message}]`;
    default:
      return undefined;
  }
}

export async function runWsCommand(
  url: string,
  o: WsCommandOptions,
  out: (line: string) => void = console.log,
): Promise<number> {
  const tls: WsOpenOptions['tls'] = {};
  if (o.ca) tls.ca = readFileSync(o.ca, 'utf8');
  if (o.insecure) tls.insecure = true;
  let answers = 0;
  let onAnswer: (() => void) | undefined;
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  const ws: WebSocketConnection = await open(
    url,
    (_sock, type, msg) => {
      const line = describe(type, msg, o.binary);
      if (line !== undefined) out(line);
      if (type === 'text' || type === 'binary') {
        answers++;
        onAnswer?.();
      }
      if (type === 'disconnect') closed();
    },
    {
      protocols: o.protocol,
      headers: parseHeaders(o.header),
      tls,
      deflate: o.deflate,
      origin: o.origin,
    },
  );
  out(
    `[connected${ws.protocol ? `, protocol ${ws.protocol}` : ''}${ws.extensions ? `, extensions ${ws.extensions}` : ''}]`,
  );

  if (o.execute.length > 0) {
    for (const m of o.execute) ws.send('text', m);
    const waitMs = Number.parseInt(o.wait, 10);
    await Promise.race([
      new Promise<void>((resolve) => {
        onAnswer = () => answers >= o.execute.length && resolve();
        onAnswer();
      }),
      new Promise((r) => setTimeout(r, waitMs)),
      done,
    ]);
    ws.close(1000);
    await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
    return 0;
  }

  const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY === true });
  rl.on('line', (line) => {
    const [cmd, ...rest] = line.split(' ');
    try {
      if (cmd === '/quit') rl.close();
      else if (cmd === '/ping') ws.send('ping', rest.join(' '));
      else if (cmd === '/close')
        ws.close(rest[0] ? Number(rest[0]) : 1000, rest.slice(1).join(' ') || undefined);
      else if (cmd === '/binary') ws.send('binary', Buffer.from(rest.join(''), 'hex'));
      else ws.send('text', line);
    } catch (err) {
      out(`[error: ${(err as Error).message}]`);
    }
  });
  rl.on('close', () => ws.close(1000));
  await done;
  rl.close();
  return 0;
}
