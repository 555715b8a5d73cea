/**
 * The demo's stores. Each backend is imported only when chosen, so the demo starts with no
 * database installed or running: the default is SQLite in a file (TypeORM on sql.js, pure
 * WebAssembly), and `--store redis|postgres|mongo|memory` switches, reading the usual URL
 * variables.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { MessageStore } from '@roomlog/core';

/** The backends `--store` accepts. */
export const STORE_KINDS = ['sqlite', 'redis', 'postgres', 'mongo', 'memory'] as const;

/** One of {@link STORE_KINDS}. */
export type StoreKind = (typeof STORE_KINDS)[number];

/** An open store, what to print about it, and how to let go of it. */
export interface DemoStore {
  store: MessageStore;
  /** Where messages go, e.g. `sqlite (.roomlog-demo/chat.sqlite)`. */
  description: string;
  /** Closes the store and the client the demo opened for it. */
  close(): Promise<void>;
}

/** Narrows a `--store` value. */
export function isStoreKind(value: string): value is StoreKind {
  return (STORE_KINDS as readonly string[]).includes(value);
}

/** Redacts the password of a connection URL before it is printed. */
function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function openSqlite(dataDir: string): Promise<DemoStore> {
  const [{ DataSource }, { atomicSqljsSave, createTypeormStore, roomlogEntities, roomlogMigrations }] = await Promise.all([
    import('typeorm'),
    import('@roomlog/typeorm'),
  ]);
  await mkdir(dataDir, { recursive: true });
  const location = join(dataDir, 'chat.sqlite');
  // autoSave writes the file after every commit, so an acknowledged message survives a kill;
  // atomically, so a kill during a save cannot truncate the file.
  const dataSource = await new DataSource({
    type: 'sqljs',
    location,
    autoSave: true,
    autoSaveCallback: atomicSqljsSave(location),
    entities: roomlogEntities('sqljs'),
    migrations: roomlogMigrations,
    migrationsRun: true,
  }).initialize();
  const store = createTypeormStore(dataSource, { closeClient: true });
  // Shown in the page header: the path as the user typed it (relative to where `pnpm demo` ran), not the machine's layout.
  const nearby = relative(process.env.INIT_CWD ?? process.cwd(), location);
  const shown = nearby.startsWith('..') ? join(basename(dataDir), basename(location)) : nearby;
  return { store, description: `sqlite (${shown}, TypeORM + sql.js)`, close: () => store.close() };
}

async function openRedis(): Promise<DemoStore> {
  const [{ Redis }, { createRedisStore }] = await Promise.all([import('ioredis'), import('@roomlog/redis')]);
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Fail fast while Redis is down, so a send reports UNAVAILABLE and the client retries.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  // ioredis emits 'error' for every failed reconnect (and prints a stack without a listener):
  // one line when Redis goes away, one when it is back.
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) console.warn(`redis unreachable, retrying: ${error.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) console.warn('redis reachable again');
    down = false;
  });
  await redis.connect();
  const store = createRedisStore(redis, { prefix: 'roomlog-demo', closeClient: true });
  return { store, description: `redis (${safeUrl(url)})`, close: () => store.close() };
}

async function openPostgres(): Promise<DemoStore> {
  const [{ default: pg }, { createPostgresStore }] = await Promise.all([import('pg'), import('@roomlog/postgres')]);
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const store = createPostgresStore(new pg.Pool({ connectionString: url }), { closeClient: true });
  await store.migrate();
  return { store, description: `postgres (${safeUrl(url)})`, close: () => store.close() };
}

async function openMongo(): Promise<DemoStore> {
  const [{ default: mongoose }, { createMongoStore }] = await Promise.all([import('mongoose'), import('@roomlog/mongo')]);
  const url = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/roomlogdemo';
  const connection = await mongoose.createConnection(url).asPromise();
  const store = createMongoStore(connection, { closeConnection: true });
  await store.init();
  return { store, description: `mongo (${safeUrl(url)})`, close: () => store.close() };
}

async function openMemory(): Promise<DemoStore> {
  const { createMemoryStore } = await import('@roomlog/core');
  const store = createMemoryStore();
  return { store, description: 'memory (gone when the process ends)', close: () => store.close() };
}

/**
 * Opens the chosen store.
 * @param kind - the backend.
 * @param dataDir - absolute directory of the SQLite file (created if missing); other stores ignore it.
 */
export function openStore(kind: StoreKind, dataDir: string): Promise<DemoStore> {
  switch (kind) {
    case 'sqlite':
      return openSqlite(dataDir);
    case 'redis':
      return openRedis();
    case 'postgres':
      return openPostgres();
    case 'mongo':
      return openMongo();
    case 'memory':
      return openMemory();
  }
}
