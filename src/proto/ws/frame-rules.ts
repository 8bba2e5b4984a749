/**
 * The single-frame rules of RFC 6455 §5.2 that a header can break, for the frame decoder: each
 * failure is a {@link ProtocolError} carrying the close code to send.
 */
import { ProtocolError } from '../../errors.js';
import { isKnownOpcode } from './opcodes.js';

const TWO_POW_32 = 0x100000000;

/** Throws the decoder's ProtocolError (close code 1002 unless said). */
export function fail(message: string, code: string, closeCode = 1002): never {
  throw new ProtocolError(`Invalid WebSocket frame: ${message}`, { code, closeCode });
}

/**
 * The full set of single-frame rules on the first two header bytes (the cold path): `maskBit`
 * is the MASK bit a valid frame has (0x80 for a server), `allowRsv1` whether permessage-deflate
 * was negotiated.
 */
export function checkHeader(b0: number, b1: number, maskBit: number, allowRsv1: boolean): void {
  if ((b0 & 0x30) !== 0) fail('RSV2 and RSV3 must be clear', 'ERR_WS_UNEXPECTED_RSV_2_3');
  const opcode = b0 & 0x0f;
  if (!isKnownOpcode(opcode)) fail(`invalid opcode ${opcode}`, 'ERR_WS_INVALID_OPCODE');
  const control = opcode >= 0x8;
  if ((b0 & 0x40) !== 0) {
    if (!allowRsv1) fail('RSV1 must be clear', 'ERR_WS_UNEXPECTED_RSV_1');
    if (control || opcode === 0) {
      fail('RSV1 must be clear on continuation and control frames', 'ERR_WS_UNEXPECTED_RSV_1');
    }
  }
  if (control) {
    if (b0 < 0x80) fail('FIN must be set on control frames', 'ERR_WS_FRAGMENTED_CONTROL_FRAME');
    if ((b1 & 0x7f) > 125) {
      fail('control frame payload longer than 125 bytes', 'ERR_WS_INVALID_CONTROL_PAYLOAD_LENGTH');
    }
  }
  if ((b1 & 0x80) !== maskBit) {
    if (maskBit !== 0) fail('MASK must be set on client frames', 'ERR_WS_EXPECTED_MASK');
    fail('MASK must be clear on server frames', 'ERR_WS_UNEXPECTED_MASK');
  }
}

/** The 1009 failure of a declared payload length above `max`. */
export function payloadTooBig(length: number, max: number): never {
  fail(
    `payload length ${length} exceeds the limit of ${max} bytes`,
    'ERR_WS_PAYLOAD_TOO_BIG',
    1009,
  );
}

/** Reads a 64-bit extended payload length; rejects one with the most significant bit set. */
export function readLength64(buf: Uint8Array, at: number): number {
  const hi = ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
  const lo = ((buf[at + 4] << 24) | (buf[at + 5] << 16) | (buf[at + 6] << 8) | buf[at + 7]) >>> 0;
  if (hi >= 0x80000000) {
    fail(
      'the most significant bit of a 64-bit payload length must be 0',
      'ERR_WS_INVALID_PAYLOAD_LENGTH',
    );
  }
  // Above 2^53 the number is no longer exact; any such length is far above every limit anyway.
  return hi * TWO_POW_32 + lo;
}
