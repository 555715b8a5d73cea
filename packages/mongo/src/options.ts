/**
 * Options of the MongoDB store, validated and defaulted in one place.
 */
import { type BaseStoreOptions, type ResolvedStoreOptions, invalidArgument, resolveStoreOptions } from '@roomlog/core';

/** Backend name used in error prefixes. */
export const BACKEND = 'mongo';

/** Options of {@link createMongoStore}. */
export interface MongoStoreOptions extends BaseStoreOptions {
  /**
   * Prefix of the collection names (`<prefix>messages`, `<prefix>streams`, `<prefix>cursors`, `<prefix>locks`) and of the mongoose
   * model names, so several stores (or your own models) share one database without clashing.
   * Letters, digits, `_`, `-` and `.`, starting with a letter or `_`, at most 64 characters.
   * @default 'roomlog_'
   */
  collectionPrefix?: string | undefined;
  /** Close the mongoose `Connection` in `close()`. Leave it off when your app owns the connection. @default false */
  closeConnection?: boolean | undefined;
  /**
   * How entries are read. `'mongodb'`: range queries on the `(namespace, room, seq)` index and one
   * `$in` on `_id` for several entries, as MongoDB serves best. `'ferretdb'`: every entry fetched
   * by its own `_id`, in parallel, because FerretDB v1 scans the whole collection for any other
   * filter. `'auto'` picks by asking the server (`buildInfo`). Force `'mongodb'` for another
   * MongoDB-compatible server whose indexes serve range queries.
   * @default 'auto'
   */
  strategy?: MongoStrategy | undefined;
  /**
   * Under the `'mongodb'` strategy, `init()` builds a TTL index on `purgeAt` and every append
   * with retention (`maxAgeMs`, `ttlMs`) stamps the entries it superseded with the time they
   * expire, so MongoDB's TTL monitor removes expired entries of quiet rooms too (reads never
   * return them either way). The monitor runs on the server's clock: turn this off when the
   * store's `now` is not the wall clock. A server without TTL indexes (FerretDB v1) keeps
   * working without one; appends still delete their stream's expired entries.
   * @default true
   */
  ttlIndex?: boolean | undefined;
}

/** See {@link MongoStoreOptions.strategy}. */
export type MongoStrategy = 'auto' | 'mongodb' | 'ferretdb';

const STRATEGIES: readonly MongoStrategy[] = ['auto', 'mongodb', 'ferretdb'];

/** {@link MongoStoreOptions} with defaults applied. */
export interface ResolvedMongoOptions extends ResolvedStoreOptions {
  collectionPrefix: string;
  closeConnection: boolean;
  strategy: MongoStrategy;
  ttlIndex: boolean;
}

/** Collection names must be plain words: they are interpolated into nothing, but MongoDB reserves `$` and `system.`. */
const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Validates the options and applies the defaults.
 * @throws RoomlogError `INVALID_ARGUMENT`.
 */
export function resolveMongoOptions(options: MongoStoreOptions = {}): ResolvedMongoOptions {
  const collectionPrefix = options.collectionPrefix ?? 'roomlog_';
  if (typeof collectionPrefix !== 'string' || !PREFIX_PATTERN.test(collectionPrefix) || collectionPrefix.startsWith('system.')) {
    throw invalidArgument(BACKEND, 'collectionPrefix', 'must match /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/ and not start with "system."');
  }
  const strategy = options.strategy ?? 'auto';
  if (!STRATEGIES.includes(strategy)) throw invalidArgument(BACKEND, 'strategy', "must be 'auto', 'mongodb' or 'ferretdb'");
  return {
    ...resolveStoreOptions(BACKEND, options),
    collectionPrefix,
    closeConnection: options.closeConnection === true,
    strategy,
    ttlIndex: options.ttlIndex !== false,
  };
}
