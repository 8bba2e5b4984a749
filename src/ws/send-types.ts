/**
 * What `send` accepts: as a type (tcllib: `text`, `binary`, `ping`, case-insensitive, or an
 * opcode number), as `ws`-style data (a string is text, bytes are binary), how a payload
 * becomes a Buffer without copying, and why a send was refused ({@link WsSendError}).
 */
import { Buffer } from 'node:buffer';
import { ConnchanError, UsageError } from '../errors.js';
import { Opcode } from '../proto/ws/opcodes.js';
import type { WsData, WsSendOptions } from './types.js';

/** Why `send` refused a message: the `code` of the {@link WsSendError} it leaves. */
export type WsSendRefusal =
  'ERR_WS_CLOSING' | 'ERR_WS_CLOSED' | 'ERR_WS_BUFFER_OVERFLOW' | 'ERR_WS_WRITE_FAILED';

const REFUSAL_TEXT: Readonly<Record<WsSendRefusal, string>> = {
  ERR_WS_CLOSING: 'the closing handshake has started (a close frame was sent)',
  ERR_WS_CLOSED: 'the connection is closed',
  ERR_WS_BUFFER_OVERFLOW: 'the send buffer would pass maxBufferedBytes',
  ERR_WS_WRITE_FAILED: 'the connection failed while writing',
};

/**
 * Why `send` returned -1, from `conn.sendError`: `ERR_WS_CLOSING` (a close frame went out
 * already: nothing may follow it), `ERR_WS_CLOSED`, `ERR_WS_BUFFER_OVERFLOW` (the message would
 * pass `maxBufferedBytes`; the connection then closes with 1008) or `ERR_WS_WRITE_FAILED` (the
 * TCP connection broke). Made when asked for, so a refused send costs no allocation.
 *
 * @example
 * ```ts
 * if (conn.send(data) === -1 && conn.sendError?.code === 'ERR_WS_BUFFER_OVERFLOW') metrics.slow++;
 * ```
 */
export class WsSendError extends ConnchanError {
  declare readonly code: WsSendRefusal;

  constructor(name: string, code: WsSendRefusal) {
    super(`WebSocket ${name}: send refused: ${REFUSAL_TEXT[code]}`, { code });
  }
}

const NAMED_OPCODES: Readonly<Record<string, number>> = {
  text: Opcode.TEXT,
  binary: Opcode.BINARY,
  ping: Opcode.PING,
  pong: Opcode.PONG,
  close: Opcode.CLOSE,
  continuation: Opcode.CONTINUATION,
};

/** @internal */
export function badType(what: string): UsageError {
  return new UsageError(`cannot send ${what}`, { code: 'ERR_WS_INVALID_TYPE' });
}

/** @internal The name of an opcode, for messages. */
export function opcodeName(opcode: number): string {
  for (const [name, value] of Object.entries(NAMED_OPCODES)) if (value === opcode) return name;
  return `opcode ${opcode}`;
}

/**
 * `text`/`binary`/`ping`/`pong`/`close` (any case) or an opcode number (0, 1, 2, 8, 9, 10) →
 * the opcode.
 *
 * @throws UsageError `ERR_WS_INVALID_TYPE` for anything else.
 * @example
 * ```ts
 * toOpcode('Text'); // 1
 * toOpcode(9);      // 9 (ping)
 * ```
 */
export function toOpcode(type: string | number): number {
  // The common spellings first: no lower-casing (an allocation) per message.
  if (type === 'text') return Opcode.TEXT;
  if (type === 'binary') return Opcode.BINARY;
  if (typeof type === 'number') {
    if (type === 0 || type === 1 || type === 2 || type === 8 || type === 9 || type === 10) {
      return type;
    }
    throw badType(`opcode ${type} (known: 0, 1, 2, 8, 9, 10)`);
  }
  const op = NAMED_OPCODES[type.toLowerCase()];
  if (op === undefined) throw badType(`type ${JSON.stringify(type)} (text, binary, ping, pong)`);
  return op;
}

/** @internal A Buffer view of any Uint8Array (no copy). */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * @internal The opcode for `ws`-style data: `options.binary` when given, else text for a
 * string and binary for bytes.
 */
export function wsOpcode(data: WsData, options: WsSendOptions | undefined): number {
  const binary = options?.binary;
  if (binary === undefined) return typeof data === 'string' ? Opcode.TEXT : Opcode.BINARY;
  return binary ? Opcode.BINARY : Opcode.TEXT;
}

/** @internal `ws`-style data as a string or a Buffer view (no copy). */
export function wsPayload(data: WsData): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) {
    return Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw badType(`a ${typeof data} (strings, ArrayBuffers and views only)`);
}
