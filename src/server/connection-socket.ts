/**
 * A server connection's socket plumbing: one set of listener functions serves every socket (the
 * socket carries its connection under a symbol: no closures per connection), plugged at accept
 * and unplugged when a detach hands the socket to a channel.
 */
import type { Socket } from 'node:net';
import type { Transport } from '../io/dial.js';
import { pushLentRead } from '../io/lent-reads.js';

/** What the listeners report to. */
export interface SocketOwner {
  receive(chunk: Buffer): void;
  /** Bytes in the lent read buffer (io/lent-reads.ts): valid until this returns. */
  receiveLent(bytes: Buffer): void;
  receiveEof(): void;
  socketClosed(): void;
}

const kOwner = Symbol('connchan.serverConnection');
type OwnedSocket = Transport & { [kOwner]: SocketOwner | undefined };

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner]!.receive(chunk);
}
/**
 * The `onread` callback of a socket reading into the lent buffer. Once the connection has let
 * go of it (a detach), its reads go on as `'data'` events, for the channel that owns it now.
 */
export function onLentRead(this: Socket, nread: number, buffer: Buffer): boolean {
  const owner = (this as OwnedSocket)[kOwner];
  if (owner === undefined) return pushLentRead(this, nread, buffer);
  owner.receiveLent(buffer.subarray(0, nread));
  return true;
}
function onEnd(this: OwnedSocket): void {
  this[kOwner]!.receiveEof();
}
function onClose(this: OwnedSocket): void {
  this[kOwner]!.socketClosed();
}
/** Errors end in 'close'; without a listener they would be thrown. */
function onError(): void {}

/** Makes `socket` report to `owner`. */
export function plugSocket(socket: Transport, owner: SocketOwner): void {
  (socket as OwnedSocket)[kOwner] = owner;
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onClose);
  socket.on('error', onError);
}

/** Stops `socket` reporting, and lets go of its owner (nothing may keep it alive). */
export function unplugSocket(socket: Transport): void {
  socket.off('data', onData);
  socket.off('end', onEnd);
  socket.off('close', onClose);
  socket.off('error', onError);
  (socket as OwnedSocket)[kOwner] = undefined;
}
