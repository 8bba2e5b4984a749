// A real browser against `connchan serve`: echo, a chat between two pages, the live dashboard
// showing the pages' own channels, closing one from the dashboard, over HTTP and HTTPS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../src/serve.js';
import { needPeer } from '../../../test/helpers/peers.js';
import { CHROMIUM_CHECK, launchChromium } from '../../../test/helpers/browser.js';

// The few DOM names the page functions below use (they run in the browser, not in Node).
declare const document: { getElementById(id: string): { textContent: string | null } | null };

test(
  'the demo page in Chromium: echo, chat, dashboard, close from the dashboard',
  { timeout: 60_000 },
  async (t) => {
    if (!needPeer(t, 'chromium', CHROMIUM_CHECK)) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'connchan-e2e-'));
    const running = await serve({ httpPort: 0, httpsPort: 0, dataDir, logLevel: 'silent' });
    const browser = await launchChromium(['--ignore-certificate-errors']);
    try {
      for (const url of running.urls) {
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const one = await context.newPage();
        const two = await context.newPage();
        await one.goto(url);
        await two.goto(url);

        // Echo.
        await one.waitForFunction(() =>
          document.getElementById('echo-out')!.textContent!.includes('[open]'),
        );
        await one.fill('#echo-in', `echo over ${url.startsWith('https') ? 'wss' : 'ws'}`);
        await one.click('#echo-send');
        await one.waitForFunction(
          (text) => document.getElementById('echo-out')!.textContent!.includes(`< ${text}`),
          `echo over ${url.startsWith('https') ? 'wss' : 'ws'}`,
        );

        // Chat between the two pages.
        await two.waitForFunction(() =>
          document.getElementById('chat-out')!.textContent!.includes('[joined]'),
        );
        await one.waitForFunction(() =>
          document.getElementById('chat-out')!.textContent!.includes('[joined]'),
        );
        await one.fill('#chat-in', 'hello from page one');
        await one.click('#chat-send');
        await two.waitForFunction(() =>
          /: hello from page one/.test(document.getElementById('chat-out')!.textContent!),
        );
        const chatLine = await two.evaluate(() =>
          document
            .getElementById('chat-out')!
            .textContent!.split('\n')
            .find((l: string) => l.endsWith(': hello from page one'))!,
        );
        const oneChat = chatLine.split(':')[0];

        // The dashboard lists the pages' channels, page one's chat among them.
        await one.waitForSelector(`#channels tr[data-name="${oneChat}"]`, { timeout: 5000 });
        const rows = await one.$$eval('#channels tbody tr', (trs) => trs.length);
        assert.ok(rows >= 6, `at least the six WebSockets of two pages are listed, got ${rows}`);
        const driver = await one.$eval(
          `#channels tr[data-name="${oneChat}"] td:nth-child(2)`,
          (td) => td.textContent,
        );
        assert.equal(driver, url.startsWith('https') ? 'https' : 'http');

        // Close page one's chat channel from page two's dashboard.
        await two.waitForSelector(`#channels tr[data-name="${oneChat}"] button.close`);
        await two.click(`#channels tr[data-name="${oneChat}"] button.close`);
        await one.waitForFunction(() =>
          /\[left \d+\]/.test(document.getElementById('chat-out')!.textContent!),
        );
        const left = await one.evaluate(
          () => /\[left (\d+)\]/.exec(document.getElementById('chat-out')!.textContent!)![1],
        );
        assert.equal(
          left,
          '1000',
          'a WebSocket closed from the dashboard gets a proper closing handshake',
        );
        await two.waitForSelector(`#channels tr[data-name="${oneChat}"]`, {
          state: 'detached',
          timeout: 5000,
        });

        mkdirSync('test-artifacts', { recursive: true });
        await one.screenshot({
          path: join(
            'test-artifacts',
            `dashboard-${url.startsWith('https') ? 'https' : 'http'}.png`,
          ),
          fullPage: true,
        });
        await context.close();
      }
    } finally {
      await browser.close();
      await running.close(200);
    }
  },
);
