/**
 * Opening a Roomlog store on each backend the reliability runs cover, with the driver settings
 * that make a call against an unreachable database fail within `timeoutMs` instead of waiting
 * for it to come back: the server then acks `UNAVAILABLE` and the client retries.
 *
 * Drivers are imported only for the backend in use: a restarted server process is back
 * sooner when it does not load the other three.
 */
import { type MessageStore, createMemoryStore } from '@roomlog/core';

/** Where a store keeps its data. Every run uses its own prefix, schema or database. */
export type BackendConfig =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'postgres'; url: string; schema: string }
  | { kind: 'mongo'; url: string; database: string };

/** The backends a process can die on (MemoryStore loses everything with its process). */
export type DurableBackend = Exclude<BackendConfig['kind'], 'memory'>;

/** A store and what closes it together with its driver client. */
export interface OpenedStore {
  store: MessageStore;
  close(): Promise<void>;
}

/**
 * Default for how long a call may wait for the database, in ms: patient, for runs where the
 * database stays up. A timeout shorter than the database needs for a full batch under load
 * turns into a livelock (every batch times out, retries make the next one bigger): on the
 * shared FerretDB a 4 s socket timeout stalled a 5,000-message run. Outage runs pass 1.5 s.
 */
export const DEFAULT_TIMEOUT_MS = 15_000;

async function openRedis(url: string, prefix: string, timeoutMs: number): Promise<OpenedStore> {
  const [{ Redis }, { createRedisStore }] = await Promise.all([import('ioredis'), import('@roomlog/redis')]);
  const client = new Redis(url, {
    // No offline queue: while disconnected a command fails at once instead of waiting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: () => 100,
  });
  // Connection errors surface through the commands that fail; the event itself only needs a listener.
  client.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    setTimeout(() => reject(new Error(`redis at ${url} not ready within ${timeoutMs * 5} ms`)), timeoutMs * 5).unref();
  });
  const store = createRedisStore(client, { prefix });
  return {
    store,
    async close() {
      await store.close();
      client.disconnect();
    },
  };
}

async function openPostgres(url: string, schema: string, timeoutMs: number): Promise<OpenedStore> {
  const [{ default: pg }, { createPostgresStore }] = await Promise.all([import('pg'), import('@roomlog/postgres')]);
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs * 2 });
  pool.on('error', () => {}); // an idle connection killed by a restart; the next query reconnects
  const store = createPostgresStore(pool, { schema });
  await store.migrate();
  return {
    store,
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

async function openMongo(url: string, database: string, timeoutMs: number): Promise<OpenedStore> {
  const [{ default: mongoose }, { createMongoStore }] = await Promise.all([import('mongoose'), import('@roomlog/mongo')]);
  const connection = await mongoose
    .createConnection(`${url.replace(/\/+$/, '')}/${database}`, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: timeoutMs * 2,
      heartbeatFrequencyMS: 500,
      // The driver's own retry would wait for a server a second time (2 × the timeout); the
      // Roomlog client already retries with the same clientMessageId, which is safe.
      retryWrites: false,
      retryReads: false,
    })
    .asPromise();
  const store = createMongoStore(connection);
  await store.init();
  return {
    store,
    async close() {
      await store.close();
      await connection.close(true);
    },
  };
}

/**
 * Opens a store on `config`, creating its schema or indexes when needed.
 * @param timeoutMs - longest wait for an unreachable database per call, in ms. @default 2000
 */
export function openStore(config: BackendConfig, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<OpenedStore> {
  switch (config.kind) {
    case 'memory': {
      const store = createMemoryStore();
      return Promise.resolve({ store, close: () => store.close() });
    }
    case 'redis':
      return openRedis(config.url, config.prefix, timeoutMs);
    case 'postgres':
      return openPostgres(config.url, config.schema, timeoutMs);
    case 'mongo':
      return openMongo(config.url, config.database, timeoutMs);
  }
}
