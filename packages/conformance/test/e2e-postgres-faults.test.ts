/**
 * The end-to-end suite over PostgreSQL with the fault scenarios: the database and the
 * adapter's Redis are servers of this run's own (on free ports), stopped and killed mid-test.
 * Stores use fail-fast pool settings, so a call against a stopped database fails within a
 * second or two instead of waiting for TCP.
 */
import { randomUUID } from 'node:crypto';
import { createPostgresStore } from '@roomlog/postgres';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runEndToEndSuite } from '../src/e2e';
import { ownPostgres, ownRedis } from './own-servers';

const database = await ownPostgres();
const adapterRedis = await ownRedis();
const schema = `roomlog_e2e_${randomUUID().slice(0, 8)}`;
const pool = new pg.Pool({ connectionString: database.url, max: 10, connectionTimeoutMillis: 1_000, query_timeout: 2_000 });
pool.on('error', () => {}); // an idle connection cut by the stop; the next query reconnects
await createPostgresStore(pool, { schema }).migrate();

runEndToEndSuite({
  name: 'postgres (own servers, faults)',
  createStore: () => createPostgresStore(pool, { schema }),
  createAdapter: async (channel) => {
    const pub = new Redis(adapterRedis.url, { lazyConnect: true, retryStrategy: () => 100 });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) client.on('error', () => {}); // while the test has it killed
    await Promise.all([pub.connect(), sub.connect()]);
    return {
      adapter: createAdapter(pub, sub, { key: channel }),
      close: () => {
        pub.disconnect();
        sub.disconnect();
      },
    };
  },
  faults: {
    stopDatabase: () => database.kill(),
    startDatabase: () => database.start(),
    killAdapter: () => adapterRedis.kill(),
    startAdapter: () => adapterRedis.start(),
  },
  cleanup: async () => {
    await pool.end();
    await Promise.all([database.destroy(), adapterRedis.destroy()]);
  },
});
