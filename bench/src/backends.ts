/**
 * Opens a Roomlog store on each backend with data of its own on the shared servers (Redis key
 * prefix, PostgreSQL schema, Mongo database, all named by the run id) and removes that data
 * again on close, so the bench leaves nothing behind.
 *
 * Backend packages are imported when their backend runs (typed dynamic imports), so one
 * backend that fails to load or connect fails its own rows and not the whole run.
 */
import { type MessageStore, createMemoryStore } from '@roomlog/core';
import { Redis } from 'ioredis';
import { urls } from './env';
import type { BackendId } from './subjects';

/** A store plus the teardown that closes it, ends its clients and drops its data. */
export interface OpenedStore {
  store: MessageStore;
  /**
   * Brings the database to the state a stream that grew over weeks would be in, after a bulk
   * load of seconds: on PostgreSQL, fresh planner statistics (`ANALYZE`), which autovacuum
   * would have gathered long since. Without them the planner has been seen to read every row
   * of a 1M-entry stream for one page.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const nothingToSettle = async () => {};

/** `ANALYZE`s every table in `schema`, whatever the backend named them. */
async function analyzeSchema(query: (sql: string, values?: unknown[]) => Promise<unknown[]>, schema: string): Promise<void> {
  const tables = (await query('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema])) as { tablename: string }[];
  for (const { tablename } of tables) await query(`ANALYZE "${schema}"."${tablename.replace(/"/g, '""')}"`);
}

/** Deletes every Redis key under `prefix` (SCAN + UNLINK, never KEYS on a shared server). */
export async function deleteRedisKeys(client: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Runs `setup`; if it fails, runs `undo` (so a half-created schema is not left behind) and rethrows. */
async function undoOnFailure(setup: () => Promise<void>, undo: () => Promise<void>): Promise<void> {
  try {
    await setup();
  } catch (error) {
    await undo().catch(() => {});
    throw error;
  }
}

async function openRedis(runId: string): Promise<OpenedStore> {
  const { createRedisStore } = await import('@roomlog/redis');
  const client = new Redis(urls.redis, { lazyConnect: true });
  await client.connect();
  const store = createRedisStore(client, { prefix: runId });
  return {
    store,
    settle: nothingToSettle,
    async close() {
      await store.close();
      await deleteRedisKeys(client, `${runId}:`);
      client.disconnect();
    },
  };
}

async function openPostgres(runId: string): Promise<OpenedStore> {
  const [{ createPostgresStore }, { default: pg }] = await Promise.all([import('@roomlog/postgres'), import('pg')]);
  const pool = new pg.Pool({ connectionString: urls.postgres, max: 8 });
  const drop = async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${runId} CASCADE`);
    await pool.end();
  };
  const store = createPostgresStore(pool, { schema: runId });
  await undoOnFailure(() => store.migrate(), drop);
  return {
    store,
    settle: () => analyzeSchema(async (sql, values) => (await pool.query(sql, values)).rows, runId),
    async close() {
      await store.close();
      await drop();
    },
  };
}

async function openMongo(runId: string): Promise<OpenedStore> {
  const [{ createMongoStore }, { default: mongoose }] = await Promise.all([import('@roomlog/mongo'), import('mongoose')]);
  const connection = await mongoose.createConnection(urls.mongo, { dbName: runId }).asPromise();
  const drop = async () => {
    await connection.dropDatabase();
    await connection.close();
  };
  const store = createMongoStore(connection);
  // The unique indexes are what makes concurrent appends safe; they must exist before the first write.
  await undoOnFailure(async () => void (await store.init()), drop);
  return {
    store,
    settle: nothingToSettle,
    async close() {
      await store.close();
      await drop();
    },
  };
}

async function openTypeorm(runId: string): Promise<OpenedStore> {
  await import('reflect-metadata');
  const [{ createTypeormStore, roomlogEntities, roomlogMigrations }, { DataSource }] = await Promise.all([
    import('@roomlog/typeorm'),
    import('typeorm'),
  ]);
  const dataSource = new DataSource({
    type: 'postgres',
    url: urls.postgres,
    schema: runId,
    entities: roomlogEntities('postgres'),
    migrations: roomlogMigrations,
    migrationsRun: true,
  });
  // The schema must exist before TypeORM migrates into it; this second DataSource drops it at the end.
  const admin = await new DataSource({ type: 'postgres', url: urls.postgres }).initialize();
  const drop = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await admin.query(`DROP SCHEMA IF EXISTS ${runId} CASCADE`);
    await admin.destroy();
  };
  await undoOnFailure(async () => {
    await admin.query(`CREATE SCHEMA ${runId}`);
    await dataSource.initialize();
  }, drop);
  const store = createTypeormStore(dataSource);
  return {
    store,
    settle: () => analyzeSchema((sql, values) => admin.query(sql, values), runId),
    async close() {
      await store.close();
      await drop();
    },
  };
}

/** Opens a store on `backend` whose data lives under `runId` (a fresh name from `newRunId`). */
export async function openStore(backend: BackendId, runId: string): Promise<OpenedStore> {
  switch (backend) {
    case 'memory': {
      const store = createMemoryStore();
      return { store, settle: nothingToSettle, close: () => store.close() };
    }
    case 'redis':
      return openRedis(runId);
    case 'postgres':
      return openPostgres(runId);
    case 'mongo':
      return openMongo(runId);
    case 'typeorm':
      return openTypeorm(runId);
  }
}
