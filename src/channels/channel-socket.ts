/**
 * A channel's socket plumbing. One set of listener functions serves every socket: the socket
 * carries its channel under a symbol, so there are no closures per channel. Also how a socket is
 * ended once its queued bytes have left, and which socket errors count as send failures.
 */
import type { ConnSocket } from '../io/conn-socket.js';
import type { Channel } from './channel.js';
import { lentBytes, pushLentRead } from '../io/lent-reads.js';

/**
 * What a socket reports to: its channel, or before that the server connection that accepted it.
 * The socket carries its owner under a symbol, so that one set of listener functions serves
 * every socket, and a detach hands a socket over by changing its owner, not its listeners.
 */
export interface SocketOwner {
  onSocketData(chunk: Buffer): void;
  /** A read in the lent buffer (io/lent-reads.ts), valid until this returns: copy what is kept. */
  onSocketLent(bytes: Buffer): void;
  onSocketEnd(): void;
  onSocketDrain(): void;
  onSocketError(err: NodeJS.ErrnoException): void;
  onSocketClose(): void;
}

const kOwner = Symbol('connchan.socketOwner');
type OwnedSocket = ConnSocket & { [kOwner]: SocketOwner | undefined };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner]!.onSocketData(chunk);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kOwner]!.onSocketEnd();
}
function onSocketDrain(this: OwnedSocket): void {
  this[kOwner]!.onSocketDrain();
}
function onSocketError(this: OwnedSocket, err: NodeJS.ErrnoException): void {
  this[kOwner]!.onSocketError(err);
}
function onSocketClose(this: OwnedSocket): void {
  this[kOwner]!.onSocketClose();
}

type EventTable = Record<string | symbol, unknown> | undefined;

/**
 * Adds the owner's `'end'` listener. Node gives every socket one of its own
 * (`onReadableStreamEnd`), which only stops writes when the socket is not half-open; ours all
 * are, so ours takes its place instead of joining it in a two-listener array that every
 * connection would keep (64 B each). Any other listener found there is joined as usual.
 */
function listenForEnd(s: OwnedSocket): void {
  const events = (s as unknown as { _events: EventTable })._events;
  const only = events?.end;
  if (s.allowHalfOpen && typeof only === 'function' && only.name === 'onReadableStreamEnd') {
    events!.end = onSocketEnd;
  } else {
    s.on('end', onSocketEnd);
  }
}

/**
 * The `onread` callback of a socket the server accepted into the lent buffer (io/lent-reads.ts).
 * Its owner gets the read itself (the server connection parses in place; a channel copies what
 * its consumer cannot take lent); a socket nobody hears pushes a copy as `'data'`.
 */
export function onLentRead(this: ConnSocket, nread: number, buffer: Buffer): boolean {
  const owner = (this as OwnedSocket)[kOwner];
  if (owner === undefined || owner === NOBODY) return pushLentRead(this, nread, buffer);
  owner.onSocketLent(lentBytes(buffer, nread));
  return true;
}

/**
 * Makes `socket` report its data, end, errors and close to `owner` (a server connection: it
 * has no use for 'drain', which {@link attachSocket} adds when a channel takes the socket over).
 */
export function plugSocket(socket: ConnSocket, owner: SocketOwner): void {
  const s = socket as OwnedSocket;
  s[kOwner] = owner;
  s.on('data', onSocketData);
  listenForEnd(s);
  s.on('error', onSocketError);
  s.on('close', onSocketClose);
}

/** Nothing hears the socket any more (a detach in progress): its events are dropped. */
const NOBODY: SocketOwner = {
  onSocketData() {},
  onSocketLent() {},
  onSocketEnd() {},
  onSocketDrain() {},
  onSocketError() {},
  onSocketClose() {},
};

/** Stops `socket` reporting to its owner, and lets go of it (nothing may keep it alive). */
export function unplugSocket(socket: ConnSocket): void {
  const s = socket as OwnedSocket;
  if (s[kOwner] !== undefined) s[kOwner] = NOBODY;
}

/**
 * Makes `socket` report to `channel` and starts it flowing. A socket plugged by the server
 * (a detached request's) keeps its listeners: only its owner changes, and 'drain' is added.
 */
export function attachSocket(socket: ConnSocket, channel: Channel, tcpKeepAlive: boolean): void {
  const s = socket as OwnedSocket;
  if (tcpKeepAlive) s.setKeepAlive(true);
  if (s[kOwner] === undefined) {
    plugSocket(s, channel);
  } else {
    s[kOwner] = channel;
  }
  s.on('drain', onSocketDrain);
  if (s.isPaused()) s.resume();
}

/**
 * Ends our side after queued bytes have left, destroying the socket if that takes more than
 * `closeWaitMs`. Input keeps flowing (the caller drops it), so that late data from the peer does
 * not make the kernel answer with a reset that would destroy what we just flushed.
 */
export function endAfterFlush(s: ConnSocket, closeWaitMs: number, peerDone = false): void {
  // A peer that has said all it will is not waited for: the socket closes once our end is
  // written, and the peer's reset, if it answers with one, meets a closed socket instead of
  // costing an error (and its stack trace) per connection. ('finish' comes once: no `once`.)
  // A close decided while the socket is corked (a WebSocket's reply to a close frame, written
  // in the batch of its read) goes out now, as end() would send it.
  if (peerDone) while (s.writableCorked > 0) s.uncork();
  if (peerDone && isFlushedTcp(s)) {
    // Everything is in the kernel and the peer has nothing more to say (its close frame was its
    // last): close(2) sends our bytes and then the FIN, without a shutdown(2) of its own nor the
    // stream's end machinery and its 'finish' (RFC 6455 §7.1.1: the server closes TCP at once).
    s.destroy();
    return;
  }
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

/** Plain TCP with nothing left in Node or libuv: what close(2) would still send is all in the kernel. */
function isFlushedTcp(s: ConnSocket): boolean {
  if (s.writableLength !== 0 || (s as { encrypted?: boolean }).encrypted) return false;
  const handle = (s as { _handle?: { writeQueueSize?: number } | null })._handle;
  return handle?.writeQueueSize === 0;
}

function destroySocket(s: ConnSocket): void {
  s.destroy();
}

function destroyThis(this: ConnSocket): void {
  this.destroy();
}

/** Whether a socket error came from sending: Node does not say, but EPIPE and friends do. */
export function isSendError(errno: string): boolean {
  return (
    errno === 'EPIPE' || errno === 'ERR_STREAM_WRITE_AFTER_END' || errno === 'ERR_STREAM_DESTROYED'
  );
}
