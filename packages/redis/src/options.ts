/**
 * Options of `createRedisStore`, validated and defaulted in one place, and the backend's name.
 */
import type { PersistencePolicy } from './persistence';
import type { ReplicaWait } from './evalsha';
import {
  type ClientStoreOptions,
  type ResolvedClientStoreOptions,
  invalidArgument,
  resolveClientStoreOptions,
  validateInteger,
} from '@roomlog/core';

/** Backend name used in error prefixes: `[roomlog] [redis]`. */
export const BACKEND = 'redis';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions extends ClientStoreOptions {
  /**
   * Prefix of every key the store writes (`<prefix>:{<tag>}:<kind>`). Must not contain `{` or
   * `}`, which would change the Redis Cluster hash tag. Use one per application or tenant.
   * @default 'roomlog'
   */
  prefix?: string | undefined;
  /**
   * How long, in milliseconds after a message's `createdAt`, its `clientMessageId` is
   * remembered for deduplication. Bounds the idempotency index of long-lived streams without
   * count or age retention. Without it a key is remembered as long as its message is retained.
   * @default unlimited (as long as the message is retained)
   */
  idempotencyWindowMs?: number | undefined;
  /**
   * After every write (`append`, `edit`, `delete`, `setCursor`, `eraseSender`), wait until this
   * many replicas acknowledged it (`WAIT replicas timeoutMs`, sent to the node that took the
   * write, in the same pipeline). If fewer do within
   * `timeoutMs` milliseconds, the call rejects `UNAVAILABLE`: the write is on the primary and a
   * retry with the same `clientMessageId`s is safe. Narrows, but does not close, the window in
   * which a failover loses acknowledged writes.
   * @default undefined (do not wait for replicas)
   */
  waitForReplicas?: ReplicaWait | undefined;
  /**
   * What to do when the server's persistence settings could lose acknowledged messages
   * (`appendonly no`, or `appendfsync` other than `always`): read once, before the first write.
   * `'warn'` emits a process warning with code `ROOMLOG_REDIS_NOT_DURABLE`; `'require'` also
   * refuses writes (`UNSUPPORTED`) unless the settings are known to be durable, and
   * `store.checkPersistence()` rejects; `'ignore'` does not look.
   * @default 'warn'
   */
  persistence?: PersistencePolicy | undefined;
}

/** {@link RedisStoreOptions} with defaults applied. */
export interface ResolvedRedisOptions extends ResolvedClientStoreOptions {
  prefix: string;
  /** `null` = no window. */
  idempotencyWindowMs: number | null;
  waitForReplicas: ReplicaWait | null;
  persistence: PersistencePolicy;
}

/** Longest accepted key prefix, in characters. */
const MAX_PREFIX_LENGTH = 128;

/**
 * Validates the options and applies defaults.
 * @throws RoomlogError `INVALID_ARGUMENT` for a bad prefix or limit.
 */
export function resolveRedisOptions(options: RedisStoreOptions = {}): ResolvedRedisOptions {
  const prefix = options.prefix ?? 'roomlog';
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH) {
    throw invalidArgument(BACKEND, 'prefix', `must be a string of 1-${MAX_PREFIX_LENGTH} characters`);
  }
  if (/[{}\u0000]/.test(prefix)) {
    throw invalidArgument(BACKEND, 'prefix', 'must not contain "{", "}" or NUL (they would change the cluster hash tag)');
  }
  const window = options.idempotencyWindowMs;
  return {
    ...resolveClientStoreOptions(BACKEND, options),
    prefix,
    idempotencyWindowMs: window === undefined || window === null ? null : validateInteger(BACKEND, 'idempotencyWindowMs', window, 1),
    waitForReplicas: resolveReplicaWait(options.waitForReplicas),
    persistence: resolvePersistence(options.persistence),
  };
}

function resolveReplicaWait(wait: ReplicaWait | undefined): ReplicaWait | null {
  if (wait === undefined || wait === null) return null;
  if (typeof wait !== 'object') throw invalidArgument(BACKEND, 'waitForReplicas', 'must be { replicas, timeoutMs }');
  return {
    replicas: validateInteger(BACKEND, 'waitForReplicas.replicas', wait.replicas, 1),
    timeoutMs: validateInteger(BACKEND, 'waitForReplicas.timeoutMs', wait.timeoutMs, 1),
  };
}

function resolvePersistence(policy: PersistencePolicy | undefined): PersistencePolicy {
  if (policy === undefined || policy === 'warn' || policy === 'require' || policy === 'ignore') return policy ?? 'warn';
  throw invalidArgument(BACKEND, 'persistence', "must be 'warn', 'require' or 'ignore'");
}
