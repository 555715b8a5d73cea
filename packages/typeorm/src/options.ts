/**
 * Options of the TypeORM store and of its `append`, validated and defaulted in one place, and
 * the backend's name.
 */
import {
  type AppendOptions,
  type ClientStoreOptions,
  type ResolvedClientStoreOptions,
  resolveClientStoreOptions,
  validateInteger,
} from '@roomlog/core';
import type { EntityManager } from 'typeorm';

/** Backend name used in error prefixes: `[roomlog] [typeorm]`. */
export const BACKEND = 'typeorm';

/** Options of {@link createTypeormStore}. `closeClient: true` destroys the DataSource on `close()`. */
export interface TypeormStoreOptions extends ClientStoreOptions {
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

/** {@link TypeormStoreOptions} with defaults applied. */
export interface ResolvedTypeormOptions extends ResolvedClientStoreOptions {
  maxRetries: number;
  sweepLimit: number;
}

/**
 * Validates the options and applies defaults.
 * @throws RoomlogError `INVALID_ARGUMENT` for a bad limit.
 */
export function resolveTypeormOptions(options: TypeormStoreOptions = {}): ResolvedTypeormOptions {
  return {
    ...resolveClientStoreOptions(BACKEND, options),
    maxRetries: options.maxRetries === undefined ? 5 : validateInteger(BACKEND, 'maxRetries', options.maxRetries, 0),
    sweepLimit: options.sweepLimit === undefined ? 1000 : validateInteger(BACKEND, 'sweepLimit', options.sweepLimit, 1),
  };
}
