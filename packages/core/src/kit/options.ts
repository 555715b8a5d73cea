/**
 * Store options every backend shares, validated and defaulted in one place.
 */
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../codec';
import { invalidArgument } from '../errors';
import type { BaseStoreOptions } from '../store';
import { validateInteger } from '../validation';

/** {@link BaseStoreOptions} with defaults applied; `null` means "no limit". */
export interface ResolvedStoreOptions {
  maxCount: number | null;
  maxAgeMs: number | null;
  maxPayloadBytes: number;
  now: () => number;
}

/**
 * Validates the shared store options and applies their defaults.
 * @throws RoomlogError `INVALID_ARGUMENT` for a non-positive or non-integer limit, or a `now` that is not a function.
 */
export function resolveStoreOptions(backend: string, options: BaseStoreOptions = {}): ResolvedStoreOptions {
  const optional = (field: string, value: unknown) =>
    value === undefined || value === null ? null : validateInteger(backend, field, value, 1);
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw invalidArgument(backend, 'now', 'must be a function returning milliseconds since the epoch');
  }
  return {
    maxCount: optional('maxCount', options.maxCount),
    maxAgeMs: optional('maxAgeMs', options.maxAgeMs),
    maxPayloadBytes: optional('maxPayloadBytes', options.maxPayloadBytes) ?? DEFAULT_MAX_PAYLOAD_BYTES,
    now: options.now ?? Date.now,
  };
}

/** True when the options ask for any stream-wide retention. */
export function hasRetention(options: ResolvedStoreOptions): boolean {
  return options.maxCount !== null || options.maxAgeMs !== null;
}

/** Options of a backend that works on a client the user passes in (a connection, pool or DataSource). */
export interface ClientStoreOptions extends BaseStoreOptions {
  /**
   * End the client you passed in when the store is closed. The client is yours, so by default
   * `close()` leaves it open.
   * @default false
   */
  closeClient?: boolean | undefined;
}

/** {@link ClientStoreOptions} with defaults applied. */
export interface ResolvedClientStoreOptions extends ResolvedStoreOptions {
  closeClient: boolean;
}

/**
 * {@link resolveStoreOptions} plus `closeClient`: what every backend on a user's client resolves first.
 * @throws RoomlogError `INVALID_ARGUMENT` as {@link resolveStoreOptions}, or for a `closeClient` that is not a boolean.
 */
export function resolveClientStoreOptions(backend: string, options: ClientStoreOptions = {}): ResolvedClientStoreOptions {
  const { closeClient } = options;
  if (closeClient !== undefined && typeof closeClient !== 'boolean') throw invalidArgument(backend, 'closeClient', 'must be a boolean');
  return { ...resolveStoreOptions(backend, options), closeClient: closeClient === true };
}
