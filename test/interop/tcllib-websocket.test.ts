// Interop with Debian's tcllib `websocket` package under tclsh, both directions (tcllib does not
// implement permessage-deflate, so these run uncompressed).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { live, open, send, type WsCloseInfo } from '../../src/ws/index.js';
import { until } from '../helpers/channel-pair.js';
import { startPeer } from '../helpers/peer-process.js';
import { needPeer } from '../helpers/peers.js';
import { testCert } from '../helpers/tls.js';
import { startServer } from '../ws/ws-helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const CHECK = ['sh', '-c', 'echo "package require websocket; package require tls" | tclsh'];
const PEERS = join(import.meta.dirname, 'peers');

// Each line of the client's output is a Tcl list "key value"; values here have no braces but may
// have spaces.
function tclLines(out: string): string[][] {
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const m = /^(\S+) (.*)$/.exec(l);
      return m ? [m[1], m[2].replace(/^\{(.*)\}$/, '$1')] : [l];
    });
}

describe('tcllib websocket client → connchan server', { timeout: 30_000 }, () => {
  for (const tls of [false, true]) {
    test(`${tls ? 'wss' : 'ws'}: text, binary, 1 MiB, fragmented, ping/pong, close code and reason`, async (t) => {
      if (!needPeer(t, 'tcllib', CHECK)) return;
      let closeInfo: WsCloseInfo | undefined;
      const srv = await startServer(
        (http) =>
          live(http, '/echo', (sock, type, msg) => {
            if (type === 'disconnect') closeInfo = msg;
            else if (type === 'text') send(sock, type, msg);
            else if (type === 'binary') send(sock, type, msg);
          }),
        { tls },
      );
      try {
        const dir = tempDir('connchan-tcl-');
        writeFileSync(join(dir, 'ca.pem'), (await testCert()).cert);
        const lines = tclLines(
          await startPeer('tclsh', [
            join(PEERS, 'tcl_client.tcl'),
            `${srv.url.replace('127.0.0.1', 'localhost')}/echo`,
            join(dir, 'ca.pem'),
          ]).output(),
        );
        assert.deepEqual(lines, [
          ['connect', 'CONNECTED'],
          ['text', 'héllo'],
          ['binary', '0 1 2 255'],
          ['big', '1'],
          ['text', 'fragment'],
          ['pong', 'tcl-ping'],
          ...lines.slice(6, -2).filter((l) => l[0] === 'close'),
          ['disconnect', '1'],
          ['done'],
        ]);
        // tcllib 1.4.2's close marks its connection CLOSED before sending the close frame, and
        // its send refuses on a socket that is not CONNECTED: no close frame ever leaves, the
        // TCP connection just ends. We report that as an abnormal closure.
        await until(() => closeInfo !== undefined, 'server disconnect');
        assert.deepEqual(closeInfo, { code: 1006, reason: '', wasClean: false });
      } finally {
        await srv.close();
      }
    });
  }
});

describe('connchan client → tcllib websocket server', { timeout: 30_000 }, () => {
  test('text, binary, 1 MiB, fragmented both ways, ping/pong, close code and reason', async (t) => {
    if (!needPeer(t, 'tcllib', CHECK)) return;
    const p = startPeer('tclsh', [join(PEERS, 'tcl_server.tcl')]);
    try {
      const port = Number(await p.nextLine());
      // tcllib 1.4.2's test fails (a Tcl error, no answer) on a request without
      // Sec-WebSocket-Protocol ("key protocols not known in dictionary"), so we offer one.
      const conn = await open(`ws://127.0.0.1:${port}/echo`, undefined, { protocols: ['chat'] });
      assert.equal(conn.protocol, 'chat');
      assert.equal(conn.compressed, false);
      const next = () =>
        new Promise<string | Buffer>((r) => {
          const onText = (m: string) => done(m);
          const onBin = (m: Buffer) => done(m);
          const done = (m: string | Buffer) => {
            conn.off('text', onText);
            conn.off('binary', onBin);
            r(m);
          };
          conn.on('text', onText);
          conn.on('binary', onBin);
        });
      let reply = next();
      send(conn, 'text', 'héllo');
      assert.equal(await reply, 'héllo');
      reply = next();
      send(conn, 'binary', Buffer.from([0, 1, 2, 255]));
      assert.deepEqual(await reply, Buffer.from([0, 1, 2, 255]));
      const big = 'abcdefgh'.repeat(131072);
      reply = next();
      send(conn, 'text', big);
      assert.equal(await reply, big);
      reply = next();
      send(conn, 'text', 'frag', false);
      send(conn, 'text', 'ment');
      assert.equal(await reply, 'fragment');
      reply = next();
      send(conn, 'text', 'fragments');
      assert.equal(await reply, 'xyz');
      const pong = new Promise<Buffer>((r) => conn.once('pong', r));
      send(conn, 'ping', 'node-ping');
      assert.equal((await pong).toString(), 'node-ping');
      send(conn, 'text', 'close-me');
      // tcllib's close sends no close frame (see above): the connection just ends.
      assert.deepEqual(await conn.closed(), { code: 1006, reason: '', wasClean: false });
      // Our close code and reason reach tcllib's handler.
      const second = await open(`ws://127.0.0.1:${port}/echo`, undefined, { protocols: ['chat'] });
      const line = p.nextLine((l) => l.includes('close'));
      second.close(4005, 'node bye');
      assert.equal(await line, 'close 4005 {node bye}');
      await second.closed();
    } finally {
      await p.stop();
    }
  });
});
