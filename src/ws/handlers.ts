/**
 * The handler shapes a connection can be given, as the one function it calls: a tcllib handler
 * is that function already; Bun-style per-event callbacks ({@link WsHandlers}) get one adapter
 * function per callbacks object (kept in a WeakMap, so an endpoint's connections share it),
 * which the connection calls with itself as `this`.
 */
import type { Buffer } from 'node:buffer';
import type { WebSocketConnection } from './connection.js';
import type { WsAnyHandler, WsCloseInfo, WsHandlers } from './types.js';

/** The handler as the connection calls it: `this` is the connection. */
export type LooseHandler = (this: unknown, sock: string, type: string, msg: unknown) => void;

const adapters = new WeakMap<object, LooseHandler>();

/** @internal The function a connection calls for `handler` (undefined for none). */
export function handlerFunction(
  handler: WsAnyHandler<never> | undefined,
): LooseHandler | undefined {
  if (handler === undefined || typeof handler === 'function') {
    return handler as LooseHandler | undefined;
  }
  let fn = adapters.get(handler);
  if (fn === undefined) {
    fn = adapt(handler as WsHandlers<unknown>);
    adapters.set(handler, fn);
  }
  return fn;
}

function adapt(h: WsHandlers<unknown>): LooseHandler {
  return function (this: unknown, _sock: string, type: string, msg: unknown): void {
    const ws = this as WebSocketConnection;
    switch (type) {
      case 'connect':
        h.open?.(ws);
        return;
      case 'text':
        h.message?.(ws, msg as string, false);
        return;
      case 'binary':
        h.message?.(ws, msg as Buffer, true);
        return;
      case 'ping':
        h.ping?.(ws, msg as Buffer);
        return;
      case 'pong':
        h.pong?.(ws, msg as Buffer);
        return;
      case 'error':
        h.error?.(ws, msg as Error);
        return;
      case 'disconnect': {
        const info = msg as WsCloseInfo;
        h.close?.(ws, info.code, info.reason);
        return;
      }
    }
  };
}
