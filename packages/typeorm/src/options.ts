/**
 * Options of the TypeORM store and of its `append`.
 */
import type { AppendOptions, BaseStoreOptions } from '@roomlog/core';
import type { EntityManager } from 'typeorm';

/** Options of {@link createTypeormStore}. */
export interface TypeormStoreOptions extends BaseStoreOptions {
  /**
   * Whether `close()` also destroys the DataSource. It is yours, so by default it stays open.
   * @default false
   */
  destroyDataSource?: boolean | undefined;
  /**
   * How many more times a write that runs its own transaction is retried after losing a race
   * the database reports (deadlock, serialization failure). Writes in the caller's transaction
   * are never retried: the caller owns it and gets `UNAVAILABLE`.
   * @default 5
   */
  maxRetries?: number | undefined;
  /**
   * Most expired entries one write deletes (retention sweeps run inside writes, over the
   * streams the write touched), so a write never holds its streams' locks for long; what is
   * left goes with the next writes.
   * @default 1000
   */
  sweepLimit?: number | undefined;
}

/** Options of `append`. */
export interface TypeormAppendOptions extends AppendOptions {
  /**
   * Run the append inside this transaction (the `manager` TypeORM passes to
   * `dataSource.transaction(manager => ...)`): the messages commit or roll back with your
   * own writes. Must belong to the store's DataSource and to an active transaction.
   */
  manager?: EntityManager | undefined;
}
