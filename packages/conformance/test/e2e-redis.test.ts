/**
 * The end-to-end suite over the Redis backend, on the shared Redis, confined to a key prefix
 * of its own that is deleted afterwards. Nodes of a multi-node test also talk over Redis
 * (`@socket.io/redis-adapter`).
 */
import { randomUUID } from 'node:crypto';
import { createRedisStore } from '@roomlog/redis';
import { Redis } from 'ioredis';
import { runEndToEndSuite } from '../src/e2e';
import { REDIS_URL, redisAdapter } from './e2e-adapter';

const prefix = `roomlog-e2e-${randomUUID().slice(0, 8)}`;
const client = new Redis(REDIS_URL);

runEndToEndSuite({
  name: 'redis',
  createStore: () => createRedisStore(client, { prefix }),
  createAdapter: redisAdapter,
  cleanup: async () => {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await client.quit();
  },
});
