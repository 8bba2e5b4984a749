/**
 * Connections whose dispatch begins on the next turn of the event loop, in the order they
 * started. Connections started in the same turn share one immediate (a burst of upgrades costs
 * one), and a listener that throws does not keep the others from beginning.
 */
let starting: unknown[] = [];
let beginOne: (conn: unknown) => void = () => {};

/** Calls `begin(conn)` on the next turn, after the connections started before it. */
export function beginNextTurn<C>(conn: C, begin: (conn: C) => void): void {
  beginOne = begin as (conn: unknown) => void;
  if (starting.push(conn) === 1) setImmediate(beginStarted);
}

function beginStarted(): void {
  const batch = starting;
  starting = [];
  for (let i = 0; i < batch.length; i++) {
    try {
      beginOne(batch[i]);
    } catch (err) {
      // A listener threw (an uncaught exception, as with an immediate each): the others still begin.
      const rest = batch.slice(i + 1);
      if (rest.length > 0) {
        // Before any started since (their immediate, if any, is already scheduled).
        if (starting.length === 0) setImmediate(beginStarted);
        starting = rest.concat(starting);
      }
      throw err;
    }
  }
}
