/**
 * `@roomlog/redis`: the Roomlog message store on Redis (standalone, Sentinel or Cluster) via ioredis.
 */
export { RedisMessageStore, createRedisStore } from './store';
export type { RedisStoreOptions } from './options';
export type { RedisClient, ReplicaWait } from './script';
export { classifyRedisError } from './errors';
