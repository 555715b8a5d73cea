/**
 * The full conformance suite against the shared Redis at REDIS_URL, confined to a key prefix
 * of its own that is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { runConformanceSuite } from '@roomlog/conformance';
import { Redis } from 'ioredis';
import { createRedisStore } from '../src/index';
import { streamKeys, streamTag } from '../src/keys';
import { REDIS_URL, deletePrefix } from './fixtures';

const prefix = `roomlog-test-${randomUUID().slice(0, 8)}`;
const client = new Redis(REDIS_URL);

runConformanceSuite({
  name: 'redis',
  create: (options) => createRedisStore(client, { ...options, prefix }),
  cleanup: async () => {
    await deletePrefix(client, prefix);
    await client.quit();
  },
  inspect: {
    storedCount: (stream) => client.zcard(streamKeys(prefix, streamTag(stream.namespace, stream.room))[1]),
  },
});
