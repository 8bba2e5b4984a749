/**
 * Milliseconds to add to performance.now() for the wall clock in µs precision, taken at the
 * edge of a Date.now() tick (the best of five): performance.timeOrigin is read once at start
 * and is off by however long the process waited then on a loaded machine. Shared by the
 * latency senders and receivers (fanout.ts, redis-floor.ts), which compare clocks across
 * processes.
 */
export function wallOffsetMs(): number {
  let best = -Infinity;
  for (let k = 0; k < 5; k++) {
    const d0 = Date.now();
    let d = d0;
    while (d === d0) d = Date.now();
    best = Math.max(best, d - performance.now());
  }
  return best;
}
