/**
 * Beyond one process: workers on every core and machines sharing one Redis, with one channel
 * namespace and topics that reach every member. See docs/scale-out.md.
 *
 * @module
 */
export { createCluster } from './create-cluster.js';
export type {
  ClusterOptions,
  ClusterPrimary,
  ClusterWorker,
  Closable,
  StartFn,
} from './create-cluster.js';
export { joinCluster, currentNode, ClusterNode } from './node.js';
export type { JoinOptions, ClusterStats } from './node.js';
export { list, status, exists, close, write, wsSend, wsClose, members, ownerOf } from './verbs.js';
export type { ClusterListEntry, ClusterCallOptions } from './verbs.js';
export type {
  Broker,
  BrokerHandlers,
  BrokerStats,
  MemberInfo,
  ClusterRequest,
  ClusterAnswer,
} from './broker.js';
export { MemoryBroker } from './memory-broker.js';
export { IpcBroker } from './ipc-broker.js';
export type { IpcBrokerOptions } from './ipc-broker.js';
export { RedisBroker } from './redis-broker.js';
export type { RedisBrokerOptions } from './redis-broker.js';
export { encodeBatch, decodeBatch } from './wire.js';
export type { Batch } from './wire.js';
export {
  ClusterUnavailableError,
  ClusterMemberGoneError,
  ClusterTimeoutError,
  ClusterRemoteError,
  ClusterPartialError,
  RedisClientMissingError,
} from './errors.js';
export {
  subscribe,
  unsubscribe,
  publish,
  isSubscribed,
  topicsOf,
  subscriberCount,
  topicStats,
} from '../ws/topics.js';
export type { PublishOptions, TopicStats } from '../ws/topics.js';
