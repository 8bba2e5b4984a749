/**
 * The sentinel every pull parser in `proto/` returns from `next()` when it cannot produce another
 * event until more bytes are fed. One symbol for all parsers (WebSocket frames, HTTP/1.1 heads
 * and bodies), so callers compare with `===` whatever the parser.
 *
 * @example
 * ```ts
 * decoder.feed(chunk);
 * for (let ev = decoder.next(); ev !== NEED_DATA; ev = decoder.next()) handle(ev);
 * ```
 */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

/** The type of {@link NEED_DATA}, for signatures such as `next(): Frame | NeedData`. */
export type NeedData = typeof NEED_DATA;

/**
 * The sentinel an HTTP/1.1 parser returns from `next()` when it has stopped on purpose: after a
 * message's `end` (until the owner calls `nextMessage()`, so pipelined requests are answered in
 * order and a handler can detach the connection), or after a protocol switch (`101`, `CONNECT`).
 * Bytes that arrive meanwhile stay queued, untouched.
 *
 * @example
 * ```ts
 * const ev = parser.next();
 * if (ev === PAUSED) await respond(); // then parser.nextMessage() or parser.takeUnparsed()
 * ```
 */
export const PAUSED: unique symbol = Symbol('PAUSED');

/** The type of {@link PAUSED}. */
export type Paused = typeof PAUSED;
