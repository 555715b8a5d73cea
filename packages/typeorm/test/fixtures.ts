/**
 * Isolated databases on the real servers, one per test file: PostgreSQL gets its own schema,
 * MariaDB its own database, sql.js its own in-memory or file-backed database. Each is created
 * through the package's own migration, and removed again by `cleanup()`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { roomlogEntities, roomlogMigrations } from '../src/index';

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** One isolated database and the DataSources opened on it. */
export interface Engine {
  /** `postgres`, `mariadb`, `sqljs` or `sqljs-file`. */
  readonly name: string;
  /**
   * A DataSource on the isolated database. On PostgreSQL and MariaDB each call opens a new one
   * (a new connection pool, as another node would); sql.js has one in-process database, so
   * every call returns the same DataSource.
   * @param overrides - extra DataSource options (servers only), e.g. driver settings.
   */
  open(overrides?: Partial<DataSourceOptions>): Promise<DataSource>;
  /** Destroys every DataSource opened and removes the database. */
  cleanup(): Promise<void>;
}

/** A name no other run uses, valid as a schema or database name everywhere. */
function isolatedName(): string {
  return `roomlog_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

/** A DataSource with the Roomlog entities and migration, initialized and migrated. */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    // Small pools: the servers are shared, and tests open several DataSources at once.
    poolSize: 4,
    ...options,
    entities: roomlogEntities(options.type as 'postgres' | 'mariadb' | 'sqljs'),
    // A test may run only some migrations (the upgrade test starts from the first one's schema).
    migrations: options.migrations ?? roomlogMigrations,
    migrationsRun: true,
  } as DataSourceOptions);
  return dataSource.initialize();
}

/** Runs one statement on a throwaway DataSource (to create or drop the isolated database). */
async function admin(options: DataSourceOptions, statement: string): Promise<void> {
  const dataSource = await new DataSource(options).initialize();
  try {
    await dataSource.query(statement);
  } finally {
    await dataSource.destroy();
  }
}

/** Tracks DataSources so cleanup can destroy them all. */
function pool(openOne: (overrides?: Partial<DataSourceOptions>) => Promise<DataSource>, drop: () => Promise<void>, name: string): Engine {
  const opened: DataSource[] = [];
  return {
    name,
    async open(overrides) {
      const dataSource = await openOne(overrides);
      opened.push(dataSource);
      return dataSource;
    },
    async cleanup() {
      await Promise.all(opened.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
      await drop();
    },
  };
}

/** PostgreSQL: a schema of its own in the shared `test` database, dropped with everything in it. */
export async function postgresEngine(): Promise<Engine> {
  const schema = isolatedName();
  const base = { type: 'postgres', url: POSTGRES_URL } as const;
  await admin(base, `CREATE SCHEMA "${schema}"`);
  return pool(
    (overrides) => openDataSource({ ...base, schema, ...overrides } as DataSourceOptions),
    () => admin(base, `DROP SCHEMA "${schema}" CASCADE`),
    'postgres',
  );
}

/**
 * MariaDB: a database of its own, created with latin1 and a case-insensitive collation on
 * purpose, so the tests prove the tables do not depend on the server's defaults.
 */
export async function mariadbEngine(): Promise<Engine> {
  const database = isolatedName();
  const base = { type: 'mariadb', url: MYSQL_URL } as const;
  await admin(base, `CREATE DATABASE \`${database}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return pool(
    (overrides) => openDataSource({ type: 'mariadb', url: url.toString(), ...overrides } as DataSourceOptions),
    () => admin(base, `DROP DATABASE \`${database}\``),
    'mariadb',
  );
}

/** sql.js in memory: one DataSource, gone when destroyed. */
export function sqljsEngine(): Engine {
  let shared: Promise<DataSource> | null = null;
  return pool(
    () => (shared ??= openDataSource({ type: 'sqljs' })),
    async () => {},
    'sqljs',
  );
}

/** A sql.js database persisted to a file in a fresh temporary directory. */
export interface FileEngine extends Engine {
  /** The database file. */
  readonly location: string;
  /** Destroys the current DataSource and opens a new one from the file, as a restarted process would. */
  reopen(): Promise<DataSource>;
}

/** sql.js saved to a file after every commit (`autoSave`), as the demo runs it. */
export async function sqljsFileEngine(): Promise<FileEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'roomlog-sqljs-'));
  const location = join(dir, 'roomlog.sqlite');
  let current: Promise<DataSource> | null = null;
  const openFile = () => openDataSource({ type: 'sqljs', location, autoSave: true });
  const engine = pool(
    () => (current ??= openFile()),
    () => rm(dir, { recursive: true, force: true }),
    'sqljs-file',
  );
  return {
    ...engine,
    location,
    async reopen() {
      const previous = await engine.open();
      await previous.destroy();
      current = openFile();
      return engine.open();
    },
  };
}
