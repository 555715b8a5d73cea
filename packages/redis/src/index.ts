/**
 * `@roomlog/redis`: the Roomlog message store on Redis (standalone, Sentinel or Cluster) via ioredis.
 */
export { RedisMessageStore, createRedisStore } from './store';
export type { RedisStoreOptions } from './options';
export type { RedisClient, ReplicaWait } from './evalsha';
export { classifyRedisError } from './errors';
export {
  NOT_DURABLE_WARNING,
  inspectPersistence,
  type PersistencePolicy,
  type PersistenceReport,
  type ServerPersistence,
} from './persistence';
