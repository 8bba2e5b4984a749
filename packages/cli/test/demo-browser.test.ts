// A real browser (Debian's Chromium through playwright-core) against `connchan serve`: echo and
// chat (names, Enter sends), the dashboard's labels (endpoint and kind per channel), the page's
// own channels highlighted, sorting and filtering, the live chart moving, closing a channel from
// the dashboard, over HTTP and HTTPS; then "server gone — reconnecting" and the recovery after
// the server is started again. Screenshots go to test-artifacts/ (not committed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { needPeer } from '../../../test/helpers/peers.js';
import { CHROMIUM_CHECK, launchChromium } from '../../../test/helpers/browser.js';
import { ROOT, startDemo } from './helpers.js';

// The few DOM names the page functions below use (they run in the browser, not in Node).
declare const document: {
  getElementById(
    id: string,
  ): { textContent: string | null; dataset: Record<string, string> } | null;
  querySelector(s: string): { toDataURL(): string } | null;
  querySelectorAll(s: string): { length: number };
};

const ARTIFACTS = join(ROOT, 'test-artifacts');

const text = (page: Page, id: string) =>
  page.evaluate((i) => document.getElementById(i)!.textContent ?? '', id);
const waitText = (page: Page, id: string, re: RegExp) =>
  page.waitForFunction(
    ([i, src]) => new RegExp(src, 'm').test(document.getElementById(i)!.textContent ?? ''),
    [id, re.source] as const,
    { timeout: 15_000 },
  );
const column = (page: Page, key: string, rows = '#channels tbody tr') =>
  page.$$eval(`${rows} td.col-${key}`, (tds) => tds.map((td) => td.textContent ?? ''));

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

test(
  'the demo in Chromium over HTTP and HTTPS: echo, chat with names, dashboard labels, own channels, sorting, filtering, the chart, closing',
  { timeout: 120_000 },
  async (t) => {
    if (!needPeer(t, 'chromium', CHROMIUM_CHECK)) return;
    const running = await startDemo();
    const browser = await launchChromium(['--ignore-certificate-errors']);
    try {
      for (const url of running.urls) {
        const scheme = url.startsWith('https') ? 'https' : 'http';
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const one = await context.newPage();
        const two = await context.newPage();
        await one.goto(url);
        await two.goto(url);
        const icon = await one.evaluate(async () => {
          const r = await fetch('/favicon.svg');
          return `${r.status} ${r.headers.get('content-type')}`;
        });
        assert.equal(icon, '200 image/svg+xml');

        // Echo: Enter sends.
        await waitText(one, 'echo-out', /^\[open\]$/);
        await one.fill('#echo-in', `echo over ${scheme}`);
        await one.press('#echo-in', 'Enter');
        await waitText(one, 'echo-out', new RegExp(`^< echo over ${scheme}$`));

        // Chat: names, not channel handles; Enter sends.
        for (const [page, name] of [
          [one, 'ada'],
          [two, 'bob'],
        ] as const) {
          await waitText(page, 'chat-out', /^\[joined lobby as guest-/);
          await page.fill('#chat-name', name);
          await page.press('#chat-name', 'Enter');
          await waitText(page, 'chat-out', new RegExp(`^\\[joined lobby as ${name}\\]$`));
        }
        await waitText(one, 'chat-out', /^\* bob joined$/);
        await one.fill('#chat-in', 'hello from ada');
        await one.press('#chat-in', 'Enter');
        await waitText(two, 'chat-out', /^ada: hello from ada$/);
        assert.equal(await one.inputValue('#chat-in'), '', 'the input is emptied once sent');

        // The dashboard: each channel's endpoint and kind; this page's three highlighted.
        await one.waitForFunction(
          () => document.querySelectorAll('#channels tr.mine').length === 3,
          null,
          {
            timeout: 15_000,
          },
        );
        await two.waitForFunction(
          () => document.querySelectorAll('#channels tr.mine').length === 3,
        );
        const mine = '#channels tbody tr.mine';
        assert.deepEqual((await column(one, 'endpoint', mine)).sort(), [
          '/chat',
          '/dashboard',
          '/echo',
        ]);
        assert.deepEqual(await column(one, 'kind', mine), ['WebSocket', 'WebSocket', 'WebSocket']);
        assert.deepEqual(await column(one, 'driver', mine), [scheme, scheme, scheme]);
        assert.equal(await one.$$eval(`${mine} .you`, (b) => b.length), 3, 'a "you" badge on each');
        const others = '#channels tbody tr:not(.mine)';
        assert.deepEqual((await column(one, 'endpoint', others)).sort(), [
          '/chat',
          '/dashboard',
          '/echo',
        ]);
        const oneNames = await one.$$eval(mine, (trs) =>
          trs.map((tr) => (tr as unknown as { dataset: { name: string } }).dataset.name),
        );
        const twoNames = await two.$$eval(mine, (trs) =>
          trs.map((tr) => (tr as unknown as { dataset: { name: string } }).dataset.name),
        );
        assert.equal(
          new Set([...oneNames, ...twoNames]).size,
          6,
          "each page highlights its own, not the other's",
        );

        // A detached streaming delivery shows with its endpoint and kind.
        void one.evaluate(() => fetch('/stream?count=30&interval=200ms').then((r) => r.text()));
        await one.waitForSelector('#channels tr[data-endpoint="/stream"][data-kind="detached"]', {
          timeout: 10_000,
        });

        // Sorting: by endpoint, both ways.
        await one.click('#channels th[data-key="endpoint"]');
        assert.equal(
          await one.getAttribute('#channels th[data-key="endpoint"]', 'aria-sort'),
          'ascending',
        );
        const up = await column(one, 'endpoint');
        assert.deepEqual(up, [...up].sort());
        await one.click('#channels th[data-key="endpoint"]');
        assert.equal(
          await one.getAttribute('#channels th[data-key="endpoint"]', 'aria-sort'),
          'descending',
        );
        const down = await column(one, 'endpoint');
        assert.deepEqual(down, [...up].reverse());

        // Filtering: words against every column; "only mine".
        await one.fill('#filter', '/chat');
        await one.waitForFunction(
          () => document.querySelectorAll('#channels tbody tr').length === 2,
        );
        assert.deepEqual(await column(one, 'endpoint'), ['/chat', '/chat']);
        assert.match(await text(one, 'counts'), /^\d+ channels, 3 yours, 2 shown$/);
        await one.fill('#filter', '');
        await one.check('#only-mine');
        await one.waitForFunction(
          () => document.querySelectorAll('#channels tbody tr').length === 3,
        );
        assert.equal(await one.$$eval('#channels tbody tr:not(.mine)', (trs) => trs.length), 0);
        await one.uncheck('#only-mine');

        // The chart moves: more points, another picture, a byte rate above zero.
        const before = await one.evaluate(() => ({
          points: Number(document.getElementById('chart')!.dataset.points),
          image: document.querySelector('#chart')!.toDataURL(),
        }));
        await one.waitForFunction(
          (n) => Number(document.getElementById('chart')!.dataset.points) >= n + 2,
          before.points,
          { timeout: 10_000 },
        );
        const image = await one.evaluate(() => document.querySelector('#chart')!.toDataURL());
        assert.notEqual(image, before.image, 'the chart was drawn again with the new points');
        await waitText(one, 'now-rate', /^[1-9][\d.]* (B|KiB|MiB)\/s$/);
        assert.match(await text(one, 'now-open'), /^\d+$/);
        await shot(one, `dashboard-${scheme}.png`);

        // Close page one's chat channel from page two's dashboard: a closing handshake.
        const oneChat = await one.getAttribute(`${mine}[data-endpoint="/chat"]`, 'data-name');
        await two.click(`#channels tr[data-name="${oneChat}"] button.close`);
        await waitText(one, 'chat-out', /^\[left 1000 closed from the dashboard\]$/);
        await two.waitForSelector(`#channels tr[data-name="${oneChat}"]`, {
          state: 'detached',
          timeout: 5000,
        });
        await waitText(two, 'chat-out', /^\* ada left$/);
        await context.close();
      }
    } finally {
      await browser.close();
      await running.close(200);
    }
  },
);

test(
  'the dashboard says "server gone — reconnecting" and recovers by itself when the server is back',
  { timeout: 120_000 },
  async (t) => {
    if (!needPeer(t, 'chromium', CHROMIUM_CHECK)) return;
    let running = await startDemo({ tls: false });
    const port = running.server.drivers[0].port;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(running.urls[0]);
      await page.waitForFunction(
        () => document.querySelectorAll('#channels tr.mine').length === 3,
        null,
        { timeout: 15_000 },
      );
      assert.equal(await page.isHidden('#gone'), true);
      assert.match(await text(page, 'link-state'), /^connected over ws:\/\/$/);

      await running.close(500);
      await page.waitForSelector('#gone', { state: 'visible', timeout: 15_000 });
      assert.match(
        await text(page, 'gone'),
        /Server gone — reconnecting…\s+attempt \d+, next in [\d.]+ s/,
      );
      assert.equal(await text(page, 'link-state'), 'disconnected');
      await waitText(page, 'echo-out', /^\[closed 1001/);
      await shot(page, 'server-gone.png');

      running = await startDemo({ tls: false, httpPort: port });
      await waitText(page, 'gone', /Server back — reconnected\./);
      await page.waitForFunction(
        () => document.querySelectorAll('#channels tr.mine').length === 3,
        null,
        { timeout: 15_000 },
      );
      await waitText(page, 'echo-out', /^\[open\][\s\S]*\[open\]$/);
      await page.fill('#echo-in', 'after the restart');
      await page.press('#echo-in', 'Enter');
      await waitText(page, 'echo-out', /^< after the restart$/);
      await shot(page, 'server-back.png');
      await page.waitForSelector('#gone', { state: 'hidden', timeout: 10_000 });
    } finally {
      await browser.close();
      await running.close(200);
    }
  },
);
