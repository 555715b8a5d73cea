/**
 * Test helpers: pools on the real PostgreSQL at `DATABASE_URL`, each test file in its own
 * schema (dropped afterwards), readiness by polling.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type PostgresMessageStore, type PostgresStoreOptions, createPostgresStore } from '../src/index';

/** The server under test. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A new pool on {@link DATABASE_URL}; idle-client errors are recorded, not thrown. */
export function newPool(config: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, ...config });
  // A server-side kill of an idle connection is reported here; without a listener it would crash the run.
  pool.on('error', () => {});
  return pool;
}

/** Polls `SELECT 1` until the server answers (at most `timeoutMs`). */
export async function waitForServer(pool: pg.Pool, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A schema name no other run uses. */
export function uniqueSchema(): string {
  return `roomlog_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

/** One isolated schema on one pool: create stores in it, migrate once, drop it at the end. */
export interface TestDatabase {
  pool: pg.Pool;
  schema: string;
  /** A migrated store in this schema with extra options. */
  store(options?: PostgresStoreOptions): Promise<PostgresMessageStore>;
  /** A store in this schema on another pool (call after `store()` migrated). */
  storeOn(pool: pg.Pool, options?: PostgresStoreOptions): PostgresMessageStore;
  /** Drops the schema and ends the pool. */
  drop(): Promise<void>;
}

/** Opens a pool and a fresh schema (migrated on first use). */
export function testDatabase(config: pg.PoolConfig = {}): TestDatabase {
  const pool = newPool(config);
  const schema = uniqueSchema();
  let migrated: Promise<void> | undefined;
  return {
    pool,
    schema,
    async store(options = {}) {
      const store = createPostgresStore(pool, { schema, ...options });
      migrated ??= waitForServer(pool).then(() => store.migrate());
      await migrated;
      return store;
    },
    storeOn: (other, options = {}) => createPostgresStore(other, { schema, ...options }),
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}
