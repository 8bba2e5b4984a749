// Interop with Debian's python3-websockets, both directions. /usr/bin/python3 explicitly: the
// python3 on PATH may be another installation without the module.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { live, open, send, type WsCloseInfo } from '../../src/ws/index.js';
import { startPeer } from '../helpers/peer-process.js';
import { needPeer } from '../helpers/peers.js';
import { testCert } from '../helpers/tls.js';
import { startServer } from '../ws/ws-helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const PY = '/usr/bin/python3';
const CHECK = [PY, '-c', 'import websockets'];
const PEERS = join(import.meta.dirname, 'peers');

describe('python3-websockets client → connchan server', { timeout: 30_000 }, () => {
  for (const tls of [false, true]) {
    test(`${tls ? 'wss' : 'ws'}: text, binary, 1 MiB, fragmented, ping, compression, close code`, async (t) => {
      if (!needPeer(t, 'python3-websockets', CHECK)) return;
      let closeInfo: WsCloseInfo | undefined;
      const srv = await startServer(
        (http) =>
          live(
            http,
            '/echo',
            (sock, type, msg) => {
              if (type === 'close') closeInfo = msg;
              else if (type === 'text') send(sock, type, msg);
              else if (type === 'binary') send(sock, type, msg);
            },
            'chat',
          ),
        { tls },
      );
      try {
        const args = [
          join(PEERS, 'py_client.py'),
          `${srv.url.replace('127.0.0.1', 'localhost')}/echo`,
        ];
        if (tls) {
          const dir = tempDir('connchan-py-');
          writeFileSync(join(dir, 'ca.pem'), (await testCert()).cert);
          args.push(join(dir, 'ca.pem'));
        }
        const out = JSON.parse(await startPeer(PY, args).output());
        assert.deepEqual(out, {
          extensions: ['permessage-deflate'],
          subprotocol: 'chat',
          text: 'héllo',
          binary: [0, 1, 2, 255],
          big_ok: true,
          fragmented: 'fragmented',
          pong: true,
          close_code: 4001,
        });
        assert.deepEqual(closeInfo, { code: 4001, reason: 'py bye', wasClean: false });
      } finally {
        await srv.close();
      }
    });
  }
});

describe('connchan client → python3-websockets server', { timeout: 30_000 }, () => {
  test('text, binary, 1 MiB, fragmented both ways, ping/pong, compression, server close code', async (t) => {
    if (!needPeer(t, 'python3-websockets', CHECK)) return;
    const p = startPeer(PY, [join(PEERS, 'py_server.py')]);
    try {
      const port = Number(await p.nextLine());
      const conn = await open(`ws://127.0.0.1:${port}/`);
      assert.equal(conn.compressed, true);
      const next = () => new Promise<string | Buffer>((r) => conn.once('message', (m) => r(m)));
      let reply = next();
      send(conn, 'text', 'compressed?');
      assert.equal(await reply, 'permessage-deflate');
      reply = next();
      send(conn, 'text', 'héllo');
      assert.equal(await reply, 'héllo');
      const big = randomBytes(1 << 20);
      reply = next();
      send(conn, 'binary', big);
      assert.ok(((await reply) as Buffer).equals(big));
      reply = next();
      send(conn, 'text', 'frag', false);
      send(conn, 'text', 'ment');
      assert.equal(await reply, 'fragment');
      reply = next();
      send(conn, 'text', 'send-fragmented');
      assert.equal(await reply, 'abc');
      const pong = new Promise<Buffer>((r) => conn.once('pong', r));
      send(conn, 'ping', 'node-ping');
      assert.equal((await pong).toString(), 'node-ping');
      send(conn, 'text', 'close-me');
      assert.deepEqual(await conn.closed(), { code: 4002, reason: 'py bye', wasClean: true });
    } finally {
      await p.stop();
    }
  });
});
