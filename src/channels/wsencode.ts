/**
 * `wsencode`: one WebSocket frame as bytes, for writing to any channel. Unlike NaviServer it
 * refuses frames the protocol forbids (fragmented or oversized control frames).
 */
import { encodeFrameMerged } from '../proto/ws/frame-encoder.js';
import { Opcode } from '../proto/ws/opcodes.js';
import { UsageError } from '../errors.js';
import { nextMaskKey } from '../io/mask-keys.js';

export type OpcodeName = 'continue' | 'text' | 'binary' | 'close' | 'ping' | 'pong';

const OPCODES: Readonly<Record<OpcodeName, Opcode>> = {
  continue: Opcode.CONTINUATION,
  text: Opcode.TEXT,
  binary: Opcode.BINARY,
  close: Opcode.CLOSE,
  ping: Opcode.PING,
  pong: Opcode.PONG,
};

export interface WsEncodeOptions {
  /** Default `text`. */
  opcode?: OpcodeName | Opcode;
  /** FIN bit. Default true. */
  fin?: boolean;
  /** Mask with a random key (client frames). Default false. */
  mask?: boolean;
  /** Take a string's characters as bytes (latin1) instead of encoding it as UTF-8. */
  binary?: boolean;
}

/**
 * Encodes `data` as one frame. Strings are UTF-8 encoded, unless `binary` is set or the opcode
 * is `binary`, when each character is one byte (needed for `continue` fragments of binary data
 * given as strings).
 *
 * @example
 * ```ts
 * wsencode('Hello Wörld').toString('hex');                              // '810c48656c6c6f2057c3b6726c64'
 * wsencode('Hello World', { fin: false, opcode: 'binary' }).toString('hex'); // '020b48656c6c6f20576f726c64'
 * ```
 */
export function wsencode(data: string | Uint8Array, options: WsEncodeOptions = {}): Buffer {
  const opcode =
    typeof options.opcode === 'string' ? OPCODES[options.opcode] : (options.opcode ?? Opcode.TEXT);
  if (opcode === undefined) {
    throw new UsageError(
      `bad opcode "${String(options.opcode)}": must be continue, text, binary, close, ping, or pong`,
      {
        code: 'ERR_WS_INVALID_OPCODE',
      },
    );
  }
  const asBytes = options.binary || opcode === Opcode.BINARY;
  const payload = typeof data === 'string' ? Buffer.from(data, asBytes ? 'latin1' : 'utf8') : data;
  return encodeFrameMerged({
    opcode,
    fin: options.fin ?? true,
    payload,
    maskKey: options.mask ? nextMaskKey() : undefined,
  });
}
