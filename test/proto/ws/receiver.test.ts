import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NEED_DATA } from '../../../src/proto/need-data.js';
import { WsReceiver } from '../../../src/proto/ws/receiver.js';
import { assertProtocolError, drainEvents, hex, plainEvent } from './helpers.js';

describe('WsReceiver', () => {
  test('decodes the RFC 6455 §5.7 examples into events', () => {
    const r = new WsReceiver({ role: 'client' });
    r.feed(hex('8105 48656c6c6f  0103 48656c  8905 48656c6c6f  8002 6c6f  8a05 48656c6c6f'));
    assert.deepEqual(drainEvents(r).map(plainEvent), [
      { type: 'text', data: 'Hello' },
      { type: 'ping', data: '48656c6c6f' },
      { type: 'text', data: 'Hello' },
      { type: 'pong', data: '48656c6c6f' },
    ]);
  });

  test('a masked message for a server', () => {
    const r = new WsReceiver({ role: 'server' });
    r.feed(hex('8185 37fa213d 7f9f4d5158'));
    assert.deepEqual(r.next(), { type: 'text', data: 'Hello' });
    assert.equal(r.next(), NEED_DATA);
  });

  test('reports the frame buffer, fragments and a pending header', () => {
    const r = new WsReceiver({ role: 'client' });
    r.feed(hex('0103 48656c 827e 0100 0102'));
    assert.equal(r.next(), NEED_DATA);
    assert.equal(r.fragmentBytes, 3);
    assert.equal(r.bufferedBytes, 6);
    assert.deepEqual(r.pendingHeader(), { opcode: 2, fin: true, length: 256, received: 2 });
  });

  test('after the close event it is done and drops further bytes', () => {
    const r = new WsReceiver({ role: 'client' });
    r.feed(hex('8802 03e8 8101 61'));
    assert.deepEqual(r.next(), { type: 'close', code: 1000, reason: '' });
    assert.equal(r.closed, true);
    assert.equal(r.next(), NEED_DATA);
    r.feed(hex('8101 62'));
    assert.equal(r.next(), NEED_DATA);
  });

  test('passes protocol errors through with their close codes', () => {
    const r = new WsReceiver({ role: 'server', maxMessageBytes: 4 });
    r.feed(hex('8185 37fa213d 7f9f4d5158'));
    assertProtocolError(() => r.next(), 1009);
    const s = new WsReceiver({ role: 'server', maxPayloadBytes: 4 });
    s.feed(hex('8185'));
    assertProtocolError(() => s.next(), 1009, 'ERR_WS_PAYLOAD_TOO_BIG');
    const t = new WsReceiver({ role: 'server' });
    t.feed(hex('8105 48656c6c6f'));
    assertProtocolError(() => t.next(), 1002);
  });
});
