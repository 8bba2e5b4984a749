// Real peers (system programs) for interop tests. A test that needs one calls `needPeer`: when
// the program is missing it skips with a visible message, or fails when CONNCHAN_REQUIRE_PEERS=1
// (set by .ci/run, which installs the peers).
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

const cache = new Map<string, boolean>();

/** True when `check` (a command line) runs and exits 0. */
export function peerAvailable(check: string[]): boolean {
  const key = check.join(' ');
  let ok = cache.get(key);
  if (ok === undefined) {
    const r = spawnSync(check[0], check.slice(1), { stdio: 'ignore', timeout: 10_000 });
    ok = r.status === 0;
    cache.set(key, ok);
  }
  return ok;
}

/**
 * Returns true when the peer is there. Otherwise skips the test with a message naming what is
 * missing, or throws when peers are required.
 *
 * @example
 * ```ts
 * test('interop with python websockets', (t) => {
 *   if (!needPeer(t, 'python3-websockets', ['python3', '-c', 'import websockets'])) return;
 *   ...
 * });
 * ```
 */
export function needPeer(t: TestContext, name: string, check: string[]): boolean {
  if (peerAvailable(check)) return true;
  const message = `peer missing: ${name} (install it, e.g. with bash .ci/run or apt-get install ${name})`;
  if (process.env.CONNCHAN_REQUIRE_PEERS === '1')
    throw new Error(`${message}; CONNCHAN_REQUIRE_PEERS=1`);
  console.log(`# SKIP ${message}`);
  t.skip(message);
  return false;
}
