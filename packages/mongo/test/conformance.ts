/**
 * The published conformance suite over the wire: mongoose → FerretDB (or `MONGODB_URL`), in a
 * database of its own, with the store instances spread over several connections as nodes. Run
 * by two files, once per query strategy (see `src/server.ts`): on FerretDB the detected one is
 * `'ferretdb'`, and `'mongodb'` forced runs the code real MongoDB users get (`$in`, ranges).
 *
 * Every instance a test opens shares that test's collections; each test gets its own collection
 * prefix. Why: FerretDB v1's SQLite backend pushes only `_id` equality down to SQLite and scans
 * the whole collection for every other query, so one collection holding the whole suite's data
 * makes each query cost the suite's size (9 minutes instead of ~1). Real MongoDB uses the indexes.
 */
import { createHash } from 'node:crypto';
import { runConformanceSuite } from '@roomlog/conformance';
import type { Connection } from 'mongoose';
import { expect } from 'vitest';
import { type MongoStoreOptions, createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

const CONNECTIONS = 3;

/** The running test's collection prefix. */
function testPrefix(): string {
  const name = expect.getState().currentTestName ?? 'outside-a-test';
  return `t${createHash('sha256').update(name).digest('hex').slice(0, 12)}_`;
}

/**
 * Runs the whole suite with the given query strategy.
 * @param heavyTestScale - the heavy tests' size factor (see the suite's option of that name).
 */
export function runMongoConformance(strategy: NonNullable<MongoStoreOptions['strategy']>, heavyTestScale = 1): void {
  const database = randomDatabaseName();
  let connections: Promise<Connection[]> | null = null;
  const initialized = new Map<string, Promise<void>>();
  let created = 0;
  const nodes = async (): Promise<Connection[]> => {
    connections ??= Promise.all(Array.from({ length: CONNECTIONS }, () => connect(database)));
    return connections;
  };

  runConformanceSuite({
    name: `mongo (${strategy} strategy)`,
    // FerretDB answers each query in milliseconds, not microseconds (see above): walking 1,000
    // entries one page at a time takes minutes there.
    heavyTestTimeoutMs: 300_000,
    heavyTestScale,
    async create(options) {
      const pool = await nodes();
      const collectionPrefix = testPrefix();
      const store = createMongoStore(pool[created++ % pool.length]!, { ...options, collectionPrefix, strategy });
      if (!initialized.has(collectionPrefix))
        initialized.set(
          collectionPrefix,
          store.init().then(() => undefined),
        );
      await initialized.get(collectionPrefix);
      return store;
    },
    async cleanup() {
      if (!connections) return;
      const [first, ...rest] = await connections;
      await dropAndClose(first!, ...rest);
    },
    inspect: {
      async storedCount(stream) {
        const [first] = await nodes();
        return first!
          .collection(`${testPrefix()}messages`)
          .countDocuments({ namespace: { $eq: stream.namespace }, room: { $eq: stream.room } });
      },
    },
  });
}
