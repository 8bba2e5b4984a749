import { test } from 'node:test';
import assert from 'node:assert/strict';
import { read, status, wsencode } from '../../src/channels/index.js';
import { ProtocolError } from '../../src/errors.js';
import { channelPair, delay } from '../helpers/channel-pair.js';

for (const tls of [false, true]) {
  test(`read({websocket}) returns the reference dict, frame by frame (${tls ? 'TLS' : 'plain'})`, async () => {
    const pair = await channelPair({ tls });
    const name = pair.server.name;
    try {
      const frame = wsencode('Hello', { mask: true });
      // Half a frame: incomplete, with the bytes counted.
      pair.client.write(frame.subarray(0, 4));
      await delay(30);
      let r = await read(name, { websocket: true });
      assert.equal(r.frame, 'incomplete');
      assert.equal(r.bytes, 4);
      assert.equal(r.unprocessed, 4);
      assert.equal(status(name).framebuffer, 4);
      pair.client.write(frame.subarray(4));
      r = await read(name, { websocket: true });
      assert.equal(r.frame, 'complete');
      assert.equal(r.fin, true);
      assert.equal(r.opcode, 1);
      assert.equal(r.payload?.toString(), 'Hello');
      assert.equal(r.haveData, false);

      // Two frames in one read: the second is parsed from leftovers (haveData) without reading.
      pair.client.write(
        Buffer.concat([wsencode('a', { mask: true }), wsencode('b', { mask: true })]),
      );
      await delay(30);
      r = await read(name, { websocket: true });
      assert.equal(r.payload?.toString(), 'a');
      assert.equal(r.haveData, true);
      r = await read(name, { websocket: true });
      assert.equal(r.payload?.toString(), 'b');
      assert.equal(r.bytes, 0);

      // Fragments with a ping between them: the ping comes on its own, the message whole.
      pair.client.write(wsencode('frag1-', { mask: true, fin: false }));
      r = await read(name, { websocket: true });
      assert.equal(r.frame, 'complete');
      assert.equal(r.fin, false);
      assert.equal(r.opcode, undefined);
      assert.equal(r.fragments, 6);
      assert.equal(status(name).fragments, 6);
      pair.client.write(wsencode('PING', { mask: true, opcode: 'ping' }));
      r = await read(name, { websocket: true });
      assert.equal(r.opcode, 9);
      assert.equal(r.payload?.toString(), 'PING');
      assert.equal(r.fragments, 6, 'the fragmented message is untouched');
      pair.client.write(wsencode('frag2', { mask: true, opcode: 'continue' }));
      r = await read(name, { websocket: true });
      assert.equal(r.opcode, 1);
      assert.equal(r.payload?.toString(), 'frag1-frag2');
      assert.equal(r.fragments, 0);

      // A client frame without a mask breaks the protocol: 1002.
      pair.client.write(wsencode('bad'));
      await assert.rejects(
        read(name, { websocket: true }),
        (e: unknown) => e instanceof ProtocolError && e.closeCode === 1002,
      );
    } finally {
      await pair.close();
    }
  });
}

test('read({websocket}) rejects invalid UTF-8 text with 1007 and reports EOF', async () => {
  const pair = await channelPair();
  try {
    pair.client.write(wsencode(Buffer.from([0xce, 0xba, 0xe1, 0xbd]), { mask: true, fin: false }));
    const r = await read(pair.server.name, { websocket: true });
    assert.equal(r.fin, false);
    pair.client.write(wsencode(Buffer.from([0xff]), { mask: true, opcode: 'continue' }));
    await assert.rejects(
      read(pair.server.name, { websocket: true }),
      (e: unknown) => e instanceof ProtocolError && e.closeCode === 1007,
    );
    const other = await channelPair();
    other.client.socket.end();
    const eof = await read(other.server.name, { websocket: true });
    assert.equal(eof.frame, 'incomplete');
    assert.equal(eof.eof, true);
    assert.equal(eof.bytes, 0);
    await other.close();
  } finally {
    await pair.close();
  }
});
