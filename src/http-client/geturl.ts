/**
 * The manual's global commands over one default {@link HttpClient} with the manual's defaults:
 * `geturl`, `config`, `formatQuery`, `quoteString`, and `reset` (of any client's token).
 */
import { TCL_HTTP_CONFIG, type HttpConfig } from './config.js';
import { HttpClient } from './client.js';
import { processState } from '../process-state.js';
import type { GeturlOptions } from './options.js';
import type { HttpToken } from './token.js';
import type { Exchange } from './exchange.js';

/**
 * The client behind the module-level functions: the manual's global config, with its defaults
 * ({@link TCL_HTTP_CONFIG}). One per process, so `config` set through `import` holds for
 * `require` too.
 */
export const defaultClient: HttpClient = processState('http-client/default@2', () => ({
  client: new HttpClient(TCL_HTTP_CONFIG),
})).client;

/**
 * `http::geturl` on the default client. Without `command`: a promise of the token; with it,
 * the token at once.
 *
 * @example
 * ```ts
 * const t = await geturl('http://127.0.0.1:8080/', { keepalive: true });
 * console.log(t.ncode, t.body);
 * ```
 */
export function geturl(
  url: string,
  options: GeturlOptions & { command: (token: HttpToken) => void },
): HttpToken;
export function geturl(url: string, options?: GeturlOptions): Promise<HttpToken>;
export function geturl(url: string, options?: GeturlOptions): HttpToken | Promise<HttpToken> {
  return defaultClient.geturl(
    url,
    options as GeturlOptions & { command: (token: HttpToken) => void },
  );
}

/**
 * `http::config` of the default client.
 *
 * @example
 * ```ts
 * config({ useragent: 'me/1.0', pipeline: true });
 * config('accept'); // '*\/*'
 * ```
 */
export function config(): HttpConfig;
export function config<K extends keyof HttpConfig>(key: K): HttpConfig[K];
export function config(changes: Partial<HttpConfig>): HttpConfig;
export function config(arg?: keyof HttpConfig | Partial<HttpConfig>): unknown {
  return defaultClient.configure(arg as Partial<HttpConfig>);
}

/**
 * `http::formatQuery` (with the default config's urlencoding).
 *
 * @example
 * ```ts
 * formatQuery('q', 'a b'); // 'q=a%20b'
 * ```
 */
export function formatQuery(
  ...args: string[] | [Iterable<readonly [string, string]> | Readonly<Record<string, string>>]
): string {
  return defaultClient.formatQuery(...args);
}

/**
 * `http::quoteString` (with the default config's urlencoding).
 *
 * @example
 * ```ts
 * quoteString('a&b'); // 'a%26b'
 * ```
 */
export function quoteString(value: string): string {
  return defaultClient.quoteString(value);
}

/**
 * `http::reset token ?why?`: ends a running transaction with status `why` (default `reset`)
 * and calls its command. Its connection is closed; other requests on it are replayed.
 *
 * @example
 * ```ts
 * const t = geturl(url, { command: done });
 * reset(t);
 * ```
 */
export function reset(token: HttpToken, why = 'reset'): void {
  const ex = token.exchange as Exchange | undefined;
  if (ex !== undefined) ex.abort(why);
}
