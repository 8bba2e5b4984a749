/**
 * RFC 6455 WebSockets on channels: every command of the tcllib `websocket` manual (`open`,
 * `send`, `server`, `live`, `test`, `upgrade`, `takeover`, `conninfo`, `find`, `configure`,
 * `loglevel`, `close`), a node:http adapter, and a browser-compatible `WebSocket` class.
 * See docs/websocket.md.
 *
 * @module
 */
export { WebSocketConnection } from './connection.js';
export { toOpcode, WsSendError } from './send-types.js';
export type { WsSendRefusal } from './send-types.js';
export type { WsConnectionInit } from './connection.js';
export type {
  WsState,
  WsCloseInfo,
  WsConnectionEvent,
  WsEventType,
  WsEventData,
  WsHandler,
  WsHandlerArgs,
  WsShortHandler,
  WsHandlers,
  WsAnyHandler,
  WebSocketConnectionEvents,
  WsSendOptions,
  WsData,
  WsThrottleOptions,
  WsConnectionOptions,
} from './types.js';
export type {
  WsUpgradeRequest,
  WsUpgradeVerdict,
  WsUpgradeAccept,
  WsUpgradeRejection,
  WsBeforeUpgrade,
  WsVerdictHeaders,
} from './upgrade-request.js';
export type { WsServerEndpointOptions } from './accept.js';
export { server, live, lives, test, upgrade, reject } from './server.js';
export type { WsProtocolChooser } from './server.js';
export { open } from './client.js';
export type { WsOpenOptions } from './client.js';
export { send, close, conninfo, find, configure, takeover, shutdown } from './api.js';
export type { WsSocket, ConninfoWhat, TakeoverOptions } from './api.js';
export { loglevel, lookup, connections, LOG_LEVELS } from './registry.js';
export type { LogLevel } from './registry.js';
export { globMatch } from './glob.js';
export { WebSocket, CloseEvent } from './websocket.js';
export type {
  WebSocketEventMap,
  CloseEventInit,
  BinaryType,
  WebSocketListenerOptions,
} from './websocket.js';
export { handleNodeUpgrade } from './node-adapter.js';
export type { NodeUpgradeOptions, NodeUpgradeRejection } from './node-adapter.js';
export { broadcast } from './broadcast.js';
export type { BroadcastResult } from './broadcast.js';
export { openReconnecting, ReconnectingWebSocket } from './reconnect.js';
export type { ReconnectOptions } from './reconnect.js';
export {
  subscribe,
  unsubscribe,
  publish,
  publishLocal,
  isSubscribed,
  topicsOf,
  subscriberCount,
  topicCounts,
  topicStats,
  flushPublishes,
  setTopicRelay,
} from './topics.js';
export type { PublishOptions, TopicStats, TopicRelay, Subscribable } from './topics.js';
