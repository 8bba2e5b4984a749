import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Opcode, isControlOpcode, isKnownOpcode } from '../../../src/proto/ws/opcodes.js';

describe('opcodes', () => {
  test('have the RFC 6455 values', () => {
    assert.deepEqual(
      [Opcode.CONTINUATION, Opcode.TEXT, Opcode.BINARY, Opcode.CLOSE, Opcode.PING, Opcode.PONG],
      [0, 1, 2, 8, 9, 10],
    );
  });

  test('isKnownOpcode accepts the six defined opcodes and nothing else', () => {
    for (let op = -1; op <= 16; op++) {
      assert.equal(isKnownOpcode(op), [0, 1, 2, 8, 9, 10].includes(op), `opcode ${op}`);
    }
  });

  test('isControlOpcode is true for 0x8–0xF only', () => {
    for (let op = 0; op <= 16; op++)
      assert.equal(isControlOpcode(op), op >= 8 && op <= 15, `opcode ${op}`);
  });
});
