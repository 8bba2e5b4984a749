/**
 * A server connection's socket plumbing: one set of listener functions serves every socket (the
 * socket carries its connection under a symbol: no closures per connection), plugged at accept
 * and unplugged when a detach hands the socket to a channel.
 */
import type { Transport } from '../io/dial.js';

/** What the listeners report to. */
export interface SocketOwner {
  receive(chunk: Buffer): void;
  receiveEof(): void;
  socketClosed(): void;
}

const kOwner = Symbol('connchan.serverConnection');
type OwnedSocket = Transport & { [kOwner]: SocketOwner | undefined };

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner]!.receive(chunk);
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
