/**
 * The cluster's errors: the broker cannot be reached, the owner of a name is gone, it did not
 * answer in time, the Redis client is not installed, or the owner answered with an error of its
 * own (which keeps the owner's `code`, e.g. `ERR_CHAN_NOT_FOUND`).
 */
import { ConnchanError } from '../errors.js';

/** The broker (Redis, or the primary process) cannot be reached now: nothing was sent. */
export class ClusterUnavailableError extends ConnchanError {
  constructor(what: string, cause?: unknown) {
    super(`cluster unavailable: ${what}`, { code: 'ERR_CLUSTER_UNAVAILABLE', cause });
  }
}

/** The member that owns a name is not in the cluster (it stopped, died or was cut off). */
export class ClusterMemberGoneError extends ConnchanError {
  constructor(readonly member: string) {
    super(`cluster member ${member} is gone`, { code: 'ERR_CLUSTER_MEMBER_GONE' });
  }
}

/** A member did not answer within the timeout. */
export class ClusterTimeoutError extends ConnchanError {
  constructor(
    readonly member: string,
    readonly timeoutMs: number,
  ) {
    super(`cluster member ${member} did not answer within ${timeoutMs} ms`, {
      code: 'ERR_CLUSTER_TIMEOUT',
    });
  }
}

/** A Redis URL was configured but the optional peer dependency `redis` is not installed. */
export class RedisClientMissingError extends ConnchanError {
  constructor(cause?: unknown) {
    super(
      'a Redis URL was configured but the package "redis" is not installed: npm install redis',
      { code: 'ERR_CLUSTER_REDIS_CLIENT_MISSING', cause },
    );
  }
}

/** The owner ran the operation and it failed there; `code` is the owner's error code. */
export class ClusterRemoteError extends ConnchanError {
  constructor(
    readonly member: string,
    message: string,
    code: string,
  ) {
    super(`${message} (on ${member})`, { code });
  }
}

/** Some members did not answer a cluster-wide listing; `partial` holds what the others said. */
export class ClusterPartialError<T> extends ConnchanError {
  constructor(
    readonly partial: T[],
    readonly failures: { member: string; error: Error }[],
  ) {
    super(
      `${failures.length} cluster member(s) did not answer: ${failures.map((f) => `${f.member} (${f.error.message})`).join(', ')}`,
      { code: 'ERR_CLUSTER_PARTIAL' },
    );
  }
}
