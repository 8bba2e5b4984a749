/**
 * RFC 6455 §5.2 opcodes. Data frames are 0x0–0x2 (0x3–0x7 reserved), control frames are 0x8–0xA
 * (0xB–0xF reserved).
 *
 * @example
 * ```ts
 * encodeFrame({ opcode: Opcode.TEXT, payload: Buffer.from('hi') });
 * ```
 */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** One of the six opcodes RFC 6455 defines. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/**
 * True for the control opcodes (0x8–0xF: close, ping, pong and the reserved 0xB–0xF). Control
 * frames may not be fragmented and carry at most 125 bytes (RFC 6455 §5.5).
 *
 * @example
 * ```ts
 * isControlOpcode(Opcode.PING); // true
 * isControlOpcode(Opcode.TEXT); // false
 * ```
 */
export function isControlOpcode(opcode: number): boolean {
  return opcode >= 0x8 && opcode <= 0xf;
}

/**
 * True for an opcode RFC 6455 defines (0, 1, 2, 8, 9, 10); false for the reserved ones and for
 * anything outside 0–15.
 *
 * @example
 * ```ts
 * isKnownOpcode(0xa); // true (pong)
 * isKnownOpcode(0x3); // false (reserved)
 * ```
 */
export function isKnownOpcode(opcode: number): opcode is Opcode {
  return (
    opcode === 0 || opcode === 1 || opcode === 2 || opcode === 8 || opcode === 9 || opcode === 10
  );
}
