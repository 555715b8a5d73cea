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
}

/** {@link MongoStoreOptions} with defaults applied. */
export interface ResolvedMongoOptions extends ResolvedStoreOptions {
  collectionPrefix: string;
  closeConnection: boolean;
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
  return {
    ...resolveStoreOptions(BACKEND, options),
    collectionPrefix,
    closeConnection: options.closeConnection === true,
  };
}
