// Waiting in tests: a delay, and polling a condition with a generous bound that names what was
// awaited when it runs out.

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `cond` (sync or async) every `pollMs` until it holds, or fails with `what` once `ms`
 * have passed.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 5000,
  pollMs = 5,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(pollMs);
  }
}
