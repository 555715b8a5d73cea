/**
 * `@socket.io/redis-adapter` on the shared Redis for the multi-node scenarios. Each test's
 * nodes use their own channel prefix (`key`), so concurrent tests never hear each other.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { AdapterSetup } from '../src/e2e/options';

/** Redis URL of the test services. @default redis://127.0.0.1:6379 */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A node's adapter on channel `channel`, with its own publisher and subscriber connections. */
export async function redisAdapter(channel: string): Promise<AdapterSetup> {
  const pub = new Redis(REDIS_URL, { lazyConnect: true });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    adapter: createAdapter(pub, sub, { key: channel }),
    close: async () => {
      await Promise.all([pub.quit(), sub.quit()]);
    },
  };
}
