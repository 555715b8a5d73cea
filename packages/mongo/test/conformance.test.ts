/**
 * The published conformance suite over the wire: mongoose → FerretDB (or `MONGODB_URL`), in a
 * database of its own, with the store instances spread over several connections as nodes.
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
import { createMongoStore } from '../src';
import { connect, dropAndClose, randomDatabaseName } from './server';

const database = randomDatabaseName();
const CONNECTIONS = 3;
let connections: Promise<Connection[]> | null = null;
const initialized = new Map<string, Promise<void>>();
let created = 0;

async function nodes(): Promise<Connection[]> {
  connections ??= Promise.all(Array.from({ length: CONNECTIONS }, () => connect(database)));
  return connections;
}

/** The running test's collection prefix. */
function testPrefix(): string {
  const name = expect.getState().currentTestName ?? 'outside-a-test';
  return `t${createHash('sha256').update(name).digest('hex').slice(0, 12)}_`;
}

runConformanceSuite({
  name: 'mongo',
  // FerretDB answers each query in milliseconds, not microseconds (see above): walking 1,000
  // entries one page at a time takes minutes there.
  heavyTestTimeoutMs: 300_000,
  async create(options) {
    const pool = await nodes();
    const collectionPrefix = testPrefix();
    const store = createMongoStore(pool[created++ % pool.length]!, { ...options, collectionPrefix });
    if (!initialized.has(collectionPrefix)) initialized.set(collectionPrefix, store.init());
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
