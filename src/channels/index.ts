/**
 * Connection channels (NaviServer's ns_connchan): named connections in per-server tables,
 * managed from anywhere.
 *
 * @module
 */
export { Channel, DEFAULT_CHANNEL_LIMITS } from './channel.js';
export type { ChannelKind, ChannelLimits, ChannelInit } from './channel.js';
export { ChannelTable, DEFAULT_SERVER, ListenerEntry } from './channel-table.js';
export type { ChannelListEntry, ChannelStatus, TableEntry } from './channel-table.js';
export { CANCEL, KEEP, SUSPEND } from './channel-callback.js';
export type {
  CallbackCondition,
  CallbackReason,
  CallbackResult,
  CallbackOptions,
  ChannelCallbackFn,
} from './channel-callback.js';
export { ChannelNotFoundError, ChannelStateError, ChannelIoError } from './errors.js';
export { readWsFrame } from './ws-frame-reader.js';
export type { WsReadResult, WsReadOptions } from './ws-frame-reader.js';
export { wsencode } from './wsencode.js';
export type { WsEncodeOptions, OpcodeName } from './wsencode.js';
export { connectChannel } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { listenChannel } from './listen.js';
export type { Listener, ListenOptions, AcceptFn } from './listen.js';
export { openChannel, readResponseHead } from './open-url.js';
export type { OpenOptions } from './open-url.js';
export {
  list,
  status,
  exists,
  close,
  destroy,
  callback,
  read,
  write,
  connect,
  listen,
  open,
  debug,
  channel,
} from './verbs.js';
export { debugFile } from './debug.js';
export type { ServerOption, ReadOptions } from './verbs.js';
