/**
 * What `connchan ws` prints for WebSocket events, how it reads a URL, and the commands typed
 * at its prompt. Pure functions: the tests call them directly.
 */
import type { WsCloseInfo } from 'connchan/ws';

export type BinaryDisplay = 'hex' | 'length';

/** A URL as typed: no scheme is ws://, http(s):// is ws(s)://. */
export function wsUrl(raw: string): string {
  if (/^https?:\/\//i.test(raw)) return raw.replace(/^http/i, 'ws');
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `ws://${raw}`;
}

/** The line for a received message or control frame, or undefined for events not shown. */
export function describeEvent(
  type: string,
  msg: unknown,
  binary: BinaryDisplay,
): string | undefined {
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
    case 'timeout':
      return '[keep-alive timeout]';
    case 'error':
      return `[error: ${(msg as Error).message}]`;
    default:
      return undefined;
  }
}

function codeText(code: number, reason: string): string {
  return `${code}${reason ? ` "${reason}"` : ''}`;
}

/**
 * Who ended the connection and how, from the `disconnect` event's close information.
 *
 * @param ours - the close we sent first, if we did.
 * @param peer - `the server` or `client connN`.
 */
export function describeEnd(
  info: WsCloseInfo,
  ours: { code: number; reason?: string | undefined } | undefined,
  peer: string,
): string {
  if (info.code === 1006 || (!info.wasClean && ours === undefined)) {
    return `[disconnected: the connection to ${peer} was lost without a closing handshake (1006)]`;
  }
  if (ours !== undefined) {
    return `[disconnected: we closed with ${codeText(ours.code, ours.reason ?? '')}; ${peer} answered ${codeText(info.code, info.reason)}]`;
  }
  return `[disconnected: ${peer} closed with ${codeText(info.code, info.reason)}]`;
}

/** What a line typed at the prompt asks for. */
export type PromptAction =
  | { kind: 'text'; text: string }
  | { kind: 'ping' | 'pong'; text: string }
  | { kind: 'binary'; data: Buffer }
  | { kind: 'close'; code: number; reason: string | undefined }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

export const PROMPT_HELP =
  'commands: /ping [text], /pong [text], /close [code [reason]], /binary HEX, /quit, /help; ' +
  'a line starting with // sends text starting with /';

/**
 * @example
 * ```ts
 * promptAction('/close 1001 bye'); // { kind: 'close', code: 1001, reason: 'bye' }
 * promptAction('//etc'); // { kind: 'text', text: '/etc' }
 * ```
 */
export function promptAction(line: string): PromptAction {
  if (!line.startsWith('/')) return { kind: 'text', text: line };
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  const space = line.indexOf(' ');
  const cmd = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? '' : line.slice(space + 1);
  switch (cmd) {
    case '/ping':
    case '/pong':
      return { kind: cmd.slice(1) as 'ping' | 'pong', text: rest };
    case '/binary': {
      const hex = rest.replace(/\s+/g, '');
      if (!/^([0-9a-f]{2})*$/i.test(hex)) {
        return { kind: 'error', message: `/binary takes hex digits in pairs, not "${rest}"` };
      }
      return { kind: 'binary', data: Buffer.from(hex, 'hex') };
    }
    case '/close': {
      const m = /^\s*(\d+)?\s*(.*)$/.exec(rest)!;
      const code = m[1] === undefined ? 1000 : Number(m[1]);
      return { kind: 'close', code, reason: m[2] || undefined };
    }
    case '/quit':
      return { kind: 'quit' };
    case '/help':
      return { kind: 'help' };
    default:
      return { kind: 'error', message: `unknown command ${cmd}; ${PROMPT_HELP}` };
  }
}
