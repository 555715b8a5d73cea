/**
 * Opening a store from a connection URL, the way the demo names them: `redis://`, `rediss://`,
 * `postgres://`, `postgresql://`, `mongodb://`, `mongodb+srv://`, `mysql://`, `mariadb://`
 * and `sqlite:<file>`. Each backend and its driver is imported only when a URL asks for it,
 * so the CLI needs only the ones in use installed.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type MessageStore, RoomlogError } from '@roomlog/core';

/** How to open a store. */
export interface OpenOptions {
  /**
   * Create what the store needs (tables, indexes) before use. Writing commands (`import`) set
   * it; reading ones never do, so `ping` reports a missing schema instead of creating it.
   * @default false
   */
  prepare?: boolean | undefined;
  /** How long to wait for the database to answer a connection, in ms. @default 5000 */
  timeoutMs?: number | undefined;
}

/** An open store and the client the CLI opened for it; `close()` ends both. */
export interface OpenStore {
  store: MessageStore;
  /** The URL with its password replaced by `***`, for messages. */
  description: string;
  close(): Promise<void>;
}

/** Redacts the password of a connection URL before it is printed. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function usage(message: string, cause?: unknown): RoomlogError {
  return new RoomlogError('INVALID_ARGUMENT', message, { backend: 'cli', cause: cause ?? new TypeError(message) });
}

/** Imports an optional peer, or explains which packages to install. */
async function load<T>(specifier: string, packages: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RoomlogError('UNSUPPORTED', `this URL needs ${packages}: npm install ${packages}`, { backend: 'cli', cause });
    }
    throw cause;
  }
}

/** Takes Roomlog's own options out of the URL's query, leaving the driver's. */
function takeParams(url: URL, names: readonly string[]): Record<string, string> {
  const taken: Record<string, string> = {};
  for (const name of names) {
    const value = url.searchParams.get(name);
    if (value !== null) taken[name] = value;
    url.searchParams.delete(name);
  }
  return taken;
}

async function openRedis(url: URL, options: Required<OpenOptions>): Promise<OpenStore> {
  const [{ Redis }, { createRedisStore }] = await Promise.all([
    load<typeof import('ioredis')>('ioredis', 'ioredis'),
    load<typeof import('@roomlog/redis')>('@roomlog/redis', '@roomlog/redis ioredis'),
  ]);
  const { prefix } = takeParams(url, ['prefix']);
  // Fail fast rather than queueing commands while the server is away: a script wants an exit code.
  const client = new Redis(url.toString(), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: options.timeoutMs,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // surfaced by the failing command instead
  try {
    await client.connect();
  } catch (cause) {
    client.disconnect();
    throw new RoomlogError('UNAVAILABLE', `cannot reach ${safeUrl(url.toString())}`, { backend: 'redis', cause });
  }
  const store = createRedisStore(client, { prefix, closeClient: true });
  return { store, description: `redis ${safeUrl(url.toString())}`, close: () => store.close() };
}

async function openPostgres(url: URL, options: Required<OpenOptions>): Promise<OpenStore> {
  const [pg, { createPostgresStore }] = await Promise.all([
    load<typeof import('pg')>('pg', 'pg'),
    load<typeof import('@roomlog/postgres')>('@roomlog/postgres', '@roomlog/postgres pg'),
  ]);
  const { schema, tablePrefix } = takeParams(url, ['schema', 'tablePrefix']);
  const Pool = (pg as { Pool?: typeof import('pg').Pool; default?: { Pool: typeof import('pg').Pool } }).Pool ?? pg.default.Pool;
  const pool = new Pool({ connectionString: url.toString(), connectionTimeoutMillis: options.timeoutMs, max: 4 });
  pool.on('error', () => {}); // an idle client's error surfaces on its next query
  const store = createPostgresStore(pool, { schema, tablePrefix, closeClient: true });
  if (options.prepare) await store.migrate();
  return { store, description: `postgres ${safeUrl(url.toString())}`, close: () => store.close() };
}

async function openMongo(url: URL, options: Required<OpenOptions>): Promise<OpenStore> {
  const [mongoose, { createMongoStore }] = await Promise.all([
    load<typeof import('mongoose')>('mongoose', 'mongoose'),
    load<typeof import('@roomlog/mongo')>('@roomlog/mongo', '@roomlog/mongo mongoose'),
  ]);
  const { collectionPrefix } = takeParams(url, ['collectionPrefix']);
  const createConnection = mongoose.createConnection ?? mongoose.default.createConnection;
  let connection: import('mongoose').Connection;
  try {
    connection = await createConnection(url.toString(), { serverSelectionTimeoutMS: options.timeoutMs }).asPromise();
  } catch (cause) {
    throw new RoomlogError('UNAVAILABLE', `cannot reach ${safeUrl(url.toString())}`, { backend: 'mongo', cause });
  }
  const store = createMongoStore(connection, { collectionPrefix, closeConnection: true });
  if (options.prepare) await store.init();
  return { store, description: `mongo ${safeUrl(url.toString())}`, close: () => store.close() };
}

type TypeormDriver = 'sqljs' | 'mysql' | 'mariadb';

async function openTypeorm(driver: TypeormDriver, target: string, options: Required<OpenOptions>): Promise<OpenStore> {
  await load('reflect-metadata', 'reflect-metadata');
  const [{ DataSource }, roomlogTypeorm] = await Promise.all([
    load<typeof import('typeorm')>('typeorm', 'typeorm'),
    load<typeof import('@roomlog/typeorm')>(
      '@roomlog/typeorm',
      `@roomlog/typeorm typeorm reflect-metadata ${driver === 'sqljs' ? 'sql.js' : 'mysql2'}`,
    ),
  ]);
  const { atomicSqljsSave, createTypeormStore, roomlogEntities, roomlogMigrations } = roomlogTypeorm;
  const common = { entities: roomlogEntities(driver), migrations: roomlogMigrations, migrationsRun: options.prepare };
  let source: import('typeorm').DataSource;
  if (driver === 'sqljs') {
    const location = resolve(target);
    if (options.prepare) await mkdir(dirname(location), { recursive: true });
    source = new DataSource({ type: 'sqljs', location, autoSave: true, autoSaveCallback: atomicSqljsSave(location), ...common });
  } else {
    source = new DataSource({ type: driver, url: target, connectTimeout: options.timeoutMs, ...common });
  }
  try {
    await source.initialize();
  } catch (cause) {
    throw new RoomlogError('UNAVAILABLE', `cannot open ${safeUrl(target)}`, { backend: 'typeorm', cause });
  }
  const store = createTypeormStore(source, { closeClient: true });
  return { store, description: `${driver === 'sqljs' ? 'sqlite' : driver} ${safeUrl(target)}`, close: () => store.close() };
}

/**
 * Opens the store a connection URL names.
 *
 * @param target - `redis://…`, `postgres://…`, `mongodb://…`, `mysql://…`, `mariadb://…` or
 *   `sqlite:<file>`. Query parameters Roomlog reads itself (and takes out before the driver
 *   sees the URL): `prefix` (Redis), `schema` and `tablePrefix` (PostgreSQL), `collectionPrefix` (MongoDB).
 * @throws RoomlogError `INVALID_ARGUMENT` for a URL no backend takes, `UNSUPPORTED` when its
 *   packages are not installed, `UNAVAILABLE` when the database does not answer.
 */
export async function openStore(target: string, options: OpenOptions = {}): Promise<OpenStore> {
  const resolved: Required<OpenOptions> = { prepare: options.prepare ?? false, timeoutMs: options.timeoutMs ?? 5000 };
  if (target.startsWith('sqlite:')) {
    const file = target.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw usage('sqlite: needs a file, e.g. sqlite:./chat.sqlite');
    return openTypeorm('sqljs', file, resolved);
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch (cause) {
    throw usage(
      `not a connection URL: ${safeUrl(target)} (expected redis://, postgres://, mongodb://, mysql://, mariadb:// or sqlite:<file>)`,
      cause,
    );
  }
  switch (url.protocol) {
    case 'redis:':
    case 'rediss:':
      return openRedis(url, resolved);
    case 'postgres:':
    case 'postgresql:':
      return openPostgres(url, resolved);
    case 'mongodb:':
    case 'mongodb+srv:':
      return openMongo(url, resolved);
    case 'mysql:':
    case 'mariadb:':
      return openTypeorm(url.protocol === 'mysql:' ? 'mysql' : 'mariadb', target, resolved);
    default:
      throw usage(
        `no backend for ${url.protocol} URLs (expected redis://, postgres://, mongodb://, mysql://, mariadb:// or sqlite:<file>)`,
      );
  }
}
