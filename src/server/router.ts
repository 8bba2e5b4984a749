/**
 * Routing by method and path: exact paths through one Map look-up (the hot case), then
 * prefixes (`/static/*` style, longest first) and globs (`*` any run of characters, `?` one).
 */

export type RouteKind = 'exact' | 'prefix' | 'glob';

export interface Route<H> {
  method: string;
  pattern: string;
  kind: RouteKind;
  handler: H;
}

interface PatternRoute<H> extends Route<H> {
  regex?: RegExp;
}

/** `*` as method matches any method. */
const ANY = '*';

function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/**
 * Tells how a pattern matches: a pattern ending in `/*` with no other wildcard is a prefix
 * (it also matches the bare prefix without the slash), one with `*` or `?` elsewhere is a
 * glob, and anything else is exact.
 */
export function routeKind(pattern: string): RouteKind {
  const body = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
  if (/[*?]/.test(body)) return 'glob';
  return body === pattern ? 'exact' : 'prefix';
}

/**
 * @example
 * ```ts
 * const r = new Router<Handler>();
 * r.add('GET', '/', home);
 * r.add('*', '/static/*', files);
 * r.match('GET', '/static/a.css')?.handler; // files
 * ```
 */
export class Router<H> {
  /** path → method → handler: two look-ups, no string built per request. */
  readonly #exact = new Map<string, Map<string, H>>();
  readonly #patterns: PatternRoute<H>[] = [];

  add(method: string, pattern: string, handler: H): void {
    const kind = routeKind(pattern);
    const m = method === ANY ? ANY : method.toUpperCase();
    if (kind === 'exact') {
      let byMethod = this.#exact.get(pattern);
      if (!byMethod) this.#exact.set(pattern, (byMethod = new Map()));
      byMethod.set(m, handler);
      return;
    }
    const route: PatternRoute<H> = { method: m, pattern, kind, handler };
    if (kind === 'glob') route.regex = globToRegExp(pattern);
    this.#patterns.push(route);
    // Longest pattern first, so /a/b/* wins over /a/*.
    this.#patterns.sort((a, b) => b.pattern.length - a.pattern.length);
  }

  /** The handler for a method and a path (without the query), or undefined. */
  match(method: string, path: string): H | undefined {
    const byMethod = this.#exact.get(path);
    if (byMethod !== undefined) {
      const exact = byMethod.get(method) ?? byMethod.get(ANY);
      if (exact !== undefined) return exact;
    }
    for (const r of this.#patterns) {
      if (r.method !== method && r.method !== ANY) continue;
      if (r.kind === 'prefix') {
        const prefix = r.pattern.slice(0, -2);
        if (path === prefix || path.startsWith(prefix + '/')) return r.handler;
      } else if (r.regex!.test(path)) {
        return r.handler;
      }
    }
    return undefined;
  }

  /** Whether some route has this path for another method (for 405 answers). */
  allowedMethods(path: string): string[] {
    const out = new Set<string>();
    for (const m of this.#exact.get(path)?.keys() ?? []) out.add(m);
    for (const r of this.#patterns) {
      const hit =
        r.kind === 'prefix'
          ? path === r.pattern.slice(0, -2) || path.startsWith(r.pattern.slice(0, -1))
          : r.regex!.test(path);
      if (hit) out.add(r.method);
    }
    return [...out];
  }
}
