/**
 * A channel's socket plumbing. One set of listener functions serves every socket: the socket
 * carries its channel under a symbol, so there are no closures per channel. Also how a socket is
 * ended once its queued bytes have left, and which socket errors count as send failures.
 */
import type { Transport } from '../io/dial.js';
import type { Channel } from './channel.js';

/** The channel a socket belongs to, so that one set of listener functions serves every socket. */
const kChannel = Symbol('connchan.channel');
type OwnedSocket = Transport & { [kChannel]: Channel };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kChannel].onSocketData(chunk);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kChannel].onSocketEnd();
}
function onSocketDrain(this: OwnedSocket): void {
  this[kChannel].onSocketDrain();
}
function onSocketError(this: OwnedSocket, err: NodeJS.ErrnoException): void {
  this[kChannel].onSocketError(err);
}
function onSocketClose(this: OwnedSocket): void {
  this[kChannel].onSocketClose();
}

/** Makes `socket` report to `channel` (through the shared listeners) and starts it flowing. */
export function attachSocket(socket: Transport, channel: Channel, tcpKeepAlive: boolean): void {
  const s = socket as OwnedSocket;
  if (tcpKeepAlive) s.setKeepAlive(true);
  s[kChannel] = channel;
  s.on('data', onSocketData);
  s.on('end', onSocketEnd);
  s.on('drain', onSocketDrain);
  s.on('error', onSocketError);
  s.on('close', onSocketClose);
  if (s.isPaused()) s.resume();
}

/**
 * Ends our side after queued bytes have left, destroying the socket if that takes more than
 * `closeWaitMs`. Input keeps flowing (the caller drops it), so that late data from the peer does
 * not make the kernel answer with a reset that would destroy what we just flushed.
 */
export function endAfterFlush(s: Transport, closeWaitMs: number, peerDone = false): void {
  // A peer that has said all it will is not waited for: the socket closes once our end is
  // written, and the peer's reset, if it answers with one, meets a closed socket instead of
  // costing an error (and its stack trace) per connection. ('finish' comes once: no `once`.)
  if (peerDone) s.on('finish', destroyThis);
  s.resume();
  s.end();
  // Plain TCP with everything handed to the kernel already (end() uncorks): the FIN follows at
  // once, whether the peer reads or not, and 'finish' with it. Only bytes still queued in Node
  // (or, for TLS, perhaps below it) need the bound: a WebSocket's closing handshake over TCP
  // costs no timer and no closures.
  if (peerDone && s.writableLength === 0 && !(s as { encrypted?: boolean }).encrypted) return;
  const timer = setTimeout(destroySocket, closeWaitMs, s);
  timer.unref();
  s.once('close', () => clearTimeout(timer));
}

function destroySocket(s: Transport): void {
  s.destroy();
}

function destroyThis(this: Transport): void {
  this.destroy();
}

/** Whether a socket error came from sending: Node does not say, but EPIPE and friends do. */
export function isSendError(errno: string): boolean {
  return (
    errno === 'EPIPE' || errno === 'ERR_STREAM_WRITE_AFTER_END' || errno === 'ERR_STREAM_DESTROYED'
  );
}
