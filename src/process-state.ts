/**
 * The state connchan keeps per process, held once on `globalThis` under a registered symbol.
 *
 * A process can load connchan more than once: its ESM build through `import` and its CommonJS
 * build through `require` are two sets of modules, and a dependency tree can hold several
 * installed copies of the same version. Channel names, the channel tables, the WebSocket
 * registry and the client defaults must still be one per process: a channel detached by one
 * copy is listed, read and closed by the others. So each module that keeps such state asks for
 * it here by a part name, and the first copy to ask creates it.
 *
 * The symbol names the major version: copies of one major share; a new major, whose parts may
 * have other shapes, keeps its own. A part's name carries its own shape version (`channels@1`),
 * bumped whenever the shape of what it holds changes within a major.
 *
 * What is shared holds plain data (maps, counters) or objects whose methods are all that other
 * copies call: a module never reaches into a shared object's `#private` fields from outside
 * its class, and never tells shared objects apart with `instanceof` (each copy has its own
 * classes); brands and `kind` fields do that instead.
 */

/** The holder's key. `0` is the major version of the package (see package.json). */
export const PROCESS_STATE_KEY: unique symbol = Symbol.for('connchan.state@0');

type Holder = Record<string, unknown>;

function holder(): Holder {
  const g = globalThis as { [PROCESS_STATE_KEY]?: Holder };
  let h = g[PROCESS_STATE_KEY];
  if (h === undefined) {
    h = Object.create(null) as Holder;
    // Not enumerable: nothing that walks globalThis trips over it.
    Object.defineProperty(globalThis, PROCESS_STATE_KEY, { value: h, configurable: true });
  }
  return h;
}

/**
 * The process's one instance of a part of connchan's state, made by `init` on first use.
 *
 * @example
 * ```ts
 * const counters = processState('channels/names@1', () => ({ next: 0 }));
 * const name = `conn${counters.next++}`;
 * ```
 */
export function processState<T extends object>(part: string, init: () => T): T {
  const h = holder();
  let state = h[part] as T | undefined;
  if (state === undefined) {
    state = init();
    h[part] = state;
  }
  return state;
}
