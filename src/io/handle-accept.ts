/**
 * Accepting a listening `net.Server`'s TCP connections as {@link HandleSocket}s instead of
 * `net.Socket`s: after `listen`, the server's handle's `onconnection` is ours. We keep what
 * net.Server's own does and our server relies on: `_connections` counts the connection until
 * its handle closes (so `getConnections()` and `close()`'s wait still work), `maxConnections`
 * refuses, accept errors are the server's `'error'`. Not reproduced: the `'connection'` event
 * (the callback given here replaces it) and the `net.server.socket` diagnostics channel.
 */
import type { Server as NetServer } from 'node:net';
import { HandleSocket, type CountingServer } from './handle-socket.js';
import type { LentReadCallback } from './lent-reads.js';
import { isTcpHandle, streamBinding, type TcpHandle } from './stream-binding.js';
import { getSystemErrorName } from 'node:util';

interface ListeningServer extends CountingServer {
  _handle: { onconnection?: unknown } | null;
  maxConnections?: number;
  emit(event: 'error', err: Error): boolean;
}

/**
 * Makes the listening `server` hand each accepted TCP connection to `onSocket` as a
 * {@link HandleSocket} reading into `onRead`. False (nothing changed: the server's
 * `'connection'` event still comes) where this Node lacks the internals, or the server does not
 * listen on TCP (a Unix socket, a cluster worker's shared handle).
 *
 * @example
 * ```ts
 * server.listen(8080, () => {
 *   hookAccept(server, true, onLentRead, (socket) => serve(socket));
 * });
 * ```
 */
export function hookAccept(
  server: NetServer,
  allowHalfOpen: boolean,
  onRead: LentReadCallback,
  onSocket: (socket: HandleSocket) => void,
): boolean {
  const binding = streamBinding();
  const s = server as unknown as ListeningServer;
  const listening = s._handle;
  if (binding === undefined || !isTcpHandle(listening)) return false;
  if (typeof s._connections !== 'number' || typeof s._emitCloseIfDrained !== 'function') {
    return false;
  }
  listening.onconnection = (status: number, handle: TcpHandle | undefined): void => {
    if (status !== 0 || handle === undefined) {
      const err = new Error(`accept ${getSystemErrorName(status)}`) as NodeJS.ErrnoException;
      err.code = getSystemErrorName(status);
      err.errno = status;
      err.syscall = 'accept';
      s.emit('error', err);
      return;
    }
    if (s.maxConnections !== undefined && s._connections >= s.maxConnections) {
      handle.close(closed);
      return;
    }
    s._connections++;
    onSocket(new HandleSocket(binding, handle, s, allowHalfOpen, onRead));
  };
  return true;
}

function closed(): void {}
