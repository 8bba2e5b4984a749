import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlushWaiters } from '../../src/channels/flush-waiters.js';
import { TimeoutError } from '../../src/io/errors.js';
import { channelPair } from '../helpers/channel-pair.js';

const settled = async (p: Promise<void>): Promise<string> => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof TimeoutError ? `timeout ${e.timeoutMs}` : String(e);
  }
};

test('each waiter keeps its own deadline under one timer; releaseAll lets the rest go', async () => {
  const w = new FlushWaiters('c1');
  // Its timer is unref'd (a socket keeps a real channel's process alive): this test holds it.
  const hold = setInterval(() => {}, 1000);
  const t0 = Date.now();
  const long = settled(w.wait(10_000));
  const short = settled(w.wait(40)); // due before the pending timer: the timer is moved up
  const mid = settled(w.wait(150));
  assert.equal(await short, 'timeout 40');
  assert.ok(Date.now() - t0 < 1000, 'the short deadline did not wait for the long one');
  assert.equal(await mid, 'timeout 150');
  w.releaseAll();
  assert.equal(await long, 'resolved');
  const again = settled(w.wait(10_000)); // the timer (still pending for 10 s) is reused
  w.releaseAll();
  assert.equal(await again, 'resolved');
  clearInterval(hold);
});

test('flush below the high-water mark resolves when the bytes are out, without a drain event', async () => {
  const pair = await channelPair();
  try {
    const sock = pair.server.socket;
    sock.cork(); // keeps a small write queued, below the mark: no 'drain' will be emitted
    pair.server.write(Buffer.alloc(100, 1));
    assert.ok(pair.server.sendBuffer > 0 && !sock.writableNeedDrain);
    const flushed = settled(pair.server.flush(2000));
    setTimeout(() => sock.uncork(), 30);
    assert.equal(await flushed, 'resolved');
    assert.equal(pair.server.sendBuffer, 0);
  } finally {
    await pair.close();
  }
});
