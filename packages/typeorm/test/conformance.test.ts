/**
 * The full conformance suite on every supported engine: real PostgreSQL (own schema), real
 * MariaDB (own database), sql.js in memory and sql.js persisted to a file. Transactions are
 * the user's own `dataSource.transaction(manager => …)`, passed as `{ manager }`.
 */
import { type ConformanceTransaction, type TransactionOutcome, runConformanceSuite } from '@roomlog/conformance';
import { type MessageStore, streamDigest } from '@roomlog/core';
import type { DataSource } from 'typeorm';
import { RoomlogMessageRow, type TypeormAppendOptions, type TypeormMessageStore, createTypeormStore } from '../src/index';
import { type Engine, mariadbEngine, postgresEngine, sqljsEngine, sqljsFileEngine } from './fixtures';

/** Thrown out of `dataSource.transaction` to make TypeORM roll back; carries what the body returned. */
class Rollback extends Error {
  constructor(readonly result: unknown) {
    super('rolled back on purpose by the conformance suite');
  }
}

/** A transaction on the store's own DataSource (a manager of another DataSource is refused). */
const transaction: ConformanceTransaction = async <T>(
  store: MessageStore,
  body: (options: TypeormAppendOptions) => Promise<T>,
  outcome: TransactionOutcome,
): Promise<T> => {
  const { dataSource } = store as TypeormMessageStore;
  try {
    return await dataSource.transaction(async (manager) => {
      const result = await body({ manager });
      if (outcome === 'rollback') throw new Rollback(result);
      return result;
    });
  } catch (error) {
    if (error instanceof Rollback) return error.result as T;
    throw error;
  }
};

/**
 * Runs the suite on one engine. Stores alternate between two DataSources (two connection
 * pools, as two nodes would have) where the engine has a server; sql.js has one database.
 */
function suiteOn(name: string, makeEngine: () => Engine | Promise<Engine>, isolatesTransactions = true): void {
  let engine: Promise<Engine> | null = null;
  let nodes: Promise<DataSource[]> | null = null;
  let created = 0;
  const dataSources = () =>
    (nodes ??= (async () => {
      const e = await (engine ??= Promise.resolve(makeEngine()));
      return [await e.open(), await e.open()];
    })());
  runConformanceSuite({
    name,
    async create(options) {
      const all = await dataSources();
      return createTypeormStore(all[created++ % all.length]!, options);
    },
    async cleanup() {
      if (engine) await (await engine).cleanup();
    },
    transaction,
    // sql.js: every store shares the one connection, so it sees an open transaction's writes.
    isolatesTransactions,
    inspect: {
      async storedCount(stream) {
        const [dataSource] = await dataSources();
        return dataSource!.getRepository(RoomlogMessageRow).countBy({ streamKey: streamDigest(stream.namespace, stream.room) });
      },
    },
  });
}

suiteOn('typeorm: postgres', postgresEngine);
suiteOn('typeorm: mariadb', mariadbEngine);
suiteOn('typeorm: sqljs (memory)', sqljsEngine, false);
suiteOn('typeorm: sqljs (file)', sqljsFileEngine, false);
