// Headless Chromium (Debian's) through playwright-core, with the flags this machine needs:
// no sandbox as root, and no background networking (the network is closed). Playwright gives
// every launch a fresh, empty profile of its own.
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_CHECK = ['test', '-x', CHROMIUM];

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
