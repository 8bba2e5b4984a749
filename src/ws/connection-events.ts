/**
 * The EventEmitter face of a connection: it speaks the `ws` package's event names besides
 * tcllib's (`message` with each `text` and `binary`, `open` with `connect`, `close` (code,
 * reason) with `disconnect`; the peer's close frame, tcllib's `close` type, is `closeframe`),
 * and emits only what has listeners (an `error` without one is not thrown). Also the numbers
 * `ws` and browsers give the states.
 */
import type { EventEmitter } from 'node:events';
import type { WsCloseInfo, WsEventType, WsState } from './types.js';

/** `readyState` for each state, as `ws` and browsers number them. */
export const READY_STATES: Readonly<Record<WsState, 0 | 1 | 2 | 3>> = {
  CONNECTING: 0,
  CONNECTED: 1,
  CLOSING: 2,
  CLOSED: 3,
};

/** Emits one event of the tcllib union under its EventEmitter name(s). */
export function emitEvent(ee: EventEmitter, type: WsEventType, data: unknown): void {
  switch (type) {
    case 'text':
    case 'binary':
      if (ee.listenerCount(type) > 0) ee.emit(type, data);
      if (ee.listenerCount('message') > 0) ee.emit('message', data, type === 'binary');
      return;
    case 'connect':
      if (ee.listenerCount('connect') > 0) ee.emit('connect', data);
      if (ee.listenerCount('open') > 0) ee.emit('open');
      return;
    case 'close':
      if (ee.listenerCount('closeframe') > 0) ee.emit('closeframe', data);
      return;
    case 'disconnect': {
      if (ee.listenerCount('disconnect') > 0) ee.emit('disconnect', data);
      const info = data as WsCloseInfo;
      if (ee.listenerCount('close') > 0) ee.emit('close', info.code, info.reason);
      return;
    }
    default:
      if (ee.listenerCount(type) > 0) ee.emit(type, data);
  }
}
