// Interop with headless Chromium (Debian's chromium, driven by playwright-core): a page served
// by our server opens WebSockets to it. Browsers cannot send pings, but text, binary, 1 MiB,
// compression and close codes in both directions are all observable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { close, live, send, type WsCloseInfo } from '../../src/ws/index.js';
import { until } from '../helpers/channel-pair.js';
import { needPeer } from '../helpers/peers.js';
import { CHROMIUM_CHECK, launchChromium } from '../helpers/browser.js';
import { startServer } from '../ws/ws-helpers.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>ws</title><script>
function once(ws, type) { return new Promise((r) => ws.addEventListener(type, r, { once: true })); }
async function run() {
  const out = {};
  const url = location.origin.replace('http', 'ws') + '/echo';
  const ws = new WebSocket(url, ['chat']);
  ws.binaryType = 'arraybuffer';
  await once(ws, 'open');
  out.protocol = ws.protocol;
  out.extensions = ws.extensions;
  ws.send('héllo');
  out.text = (await once(ws, 'message')).data;
  ws.send(new Uint8Array([0, 1, 2, 255]));
  out.binary = Array.from(new Uint8Array((await once(ws, 'message')).data));
  const big = 'x'.repeat(1 << 20);
  ws.send(big);
  out.big = (await once(ws, 'message')).data === big;
  ws.send('close-me');
  const ev = await once(ws, 'close');
  out.serverClose = [ev.code, ev.reason, ev.wasClean];
  const ws2 = new WebSocket(url);
  await once(ws2, 'open');
  ws2.close(4020, 'page bye');
  const ev2 = await once(ws2, 'close');
  out.pageClose = [ev2.code, ev2.wasClean];
  return out;
}
</script>`;

describe('headless Chromium ↔ connchan server', { timeout: 60_000 }, () => {
  for (const tls of [false, true]) {
    test(`${tls ? 'wss' : 'ws'}: text, binary, 1 MiB, compression, close codes both ways`, async (t) => {
      if (!needPeer(t, 'chromium', CHROMIUM_CHECK)) return;
      let pageClose: WsCloseInfo | undefined;
      const srv = await startServer(
        (http) => {
          http.get('/', (ctx) => ctx.send(PAGE, 200, 'text/html; charset=utf-8'));
          live(http, '/echo', (sock, type, msg) => {
            if (type === 'text' && msg === 'close-me') close(sock, 4010, 'srv bye');
            else if (type === 'close') pageClose = msg;
            else if (type === 'text' || type === 'binary') send(sock, type, msg);
          });
        },
        { tls },
      );
      const browser = await launchChromium();
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        const page = await context.newPage();
        await page.goto(`${tls ? 'https' : 'http'}://127.0.0.1:${srv.port}/`, { timeout: 15_000 });
        const out = await page.evaluate('run()');
        assert.deepEqual(out, {
          protocol: 'chat',
          extensions: 'permessage-deflate',
          text: 'héllo',
          binary: [0, 1, 2, 255],
          big: true,
          serverClose: [4010, 'srv bye', true],
          pageClose: [4020, true],
        });
        await until(() => pageClose !== undefined, 'page close seen by the server');
        assert.equal(pageClose?.code, 4020);
        assert.equal(pageClose?.reason, 'page bye');
      } finally {
        await browser.close();
        await srv.close();
      }
    });
  }
});
