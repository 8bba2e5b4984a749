/**
 * The Redis client, loaded only when a Redis URL is configured: `redis` (node-redis, the client
 * Redis itself maintains and recommends for new projects) is an optional peer dependency, so
 * that connchan keeps no runtime dependencies. Only the few calls used here are typed, which
 * keeps node-redis's types out of connchan's.
 */
import type { Buffer } from 'node:buffer';
import { RedisClientMissingError } from './errors.js';

/** The part of a node-redis client the Redis broker uses. */
export interface RedisConnection {
  connect(): Promise<unknown>;
  destroy(): void;
  duplicate(): RedisConnection;
  on(event: 'error' | 'end', fn: (err?: unknown) => void): unknown;
  publish(channel: string, message: string | Buffer): Promise<number>;
  set(key: string, value: string, options: { PX: number }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  subscribe(
    channel: string | string[],
    listener: (message: Buffer, channel: Buffer) => void,
    bufferMode: true,
  ): Promise<void>;
  unsubscribe(channel: string | string[]): Promise<void>;
}

interface RedisModule {
  createClient(options: {
    url: string;
    disableOfflineQueue: boolean;
    socket: { connectTimeout: number; reconnectStrategy: false };
  }): RedisConnection;
}

let loaded: RedisModule | undefined;

/**
 * A client for `url` that never queues commands while disconnected (they fail at once) and
 * does not reconnect by itself (the broker decides when to try again).
 *
 * @throws RedisClientMissingError when the package `redis` is not installed.
 * @example
 * ```ts
 * const client = await redisClient('redis://127.0.0.1:6379', 2000);
 * await client.connect();
 * ```
 */
export async function redisClient(url: string, connectTimeoutMs: number): Promise<RedisConnection> {
  if (loaded === undefined) {
    try {
      loaded = (await import('redis')) as unknown as RedisModule;
    } catch (err) {
      throw new RedisClientMissingError(err);
    }
  }
  return loaded.createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: false },
  });
}
