/**
 * What `send` accepts as a type (tcllib: `text`, `binary`, `ping`, case-insensitive, or an
 * opcode number) and how a payload becomes a Buffer without copying.
 */
import { Buffer } from 'node:buffer';
import { UsageError } from '../errors.js';
import { Opcode } from '../proto/ws/opcodes.js';

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
