/**
 * Maps what `pg` throws to the contract's error codes. Everything that means "the database
 * cannot do this right now, try again" is `UNAVAILABLE` (a retry with the same
 * `clientMessageId`s is safe); anything else is `INTERNAL`.
 */
import { type RoomlogErrorCode, isNetworkError } from '@roomlog/core';

/** SQLSTATEs that mean "retry later": shutdowns, timeouts, lock and serialization conflicts. */
const RETRYABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '57P05', // idle_session_timeout
  '57014', // query_canceled (statement_timeout, pg_cancel_backend)
  '55P03', // lock_not_available (lock_timeout)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '25006', // read_only_sql_transaction (a replica promoted back / failover in progress)
]);

/** SQLSTATE classes that are retryable as a whole: connection exceptions, insufficient resources. */
const RETRYABLE_CLASSES = new Set(['08', '53']);

/**
 * Errors `pg` raises itself, without a SQLSTATE, when a connection is lost or cannot be
 * made or used (messages of pg 8 and pg-pool 3).
 */
const DRIVER_CONNECTION_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|Query read timeout)/;

function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 ? code : null;
}

/**
 * Classifies a `pg` error: `UNAVAILABLE` for network errors, lost connections, shutdowns,
 * timeouts, serialization failures and deadlocks; `INTERNAL` otherwise.
 */
export function classifyPostgresError(error: unknown): RoomlogErrorCode {
  if (isNetworkError(error)) return 'UNAVAILABLE';
  const state = sqlState(error);
  if (state !== null) {
    return RETRYABLE_SQLSTATES.has(state) || RETRYABLE_CLASSES.has(state.slice(0, 2)) ? 'UNAVAILABLE' : 'INTERNAL';
  }
  if (error instanceof Error && DRIVER_CONNECTION_MESSAGE.test(error.message)) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** SQLSTATEs for a missing table or function: the schema was not migrated. */
const MISSING_SCHEMA_SQLSTATES = new Set(['42P01', '42883', '3F000']);

/** True when the error says Roomlog's tables or function do not exist (run `migrate()`). */
export function isMissingSchema(error: unknown): boolean {
  const state = sqlState(error);
  return state !== null && MISSING_SCHEMA_SQLSTATES.has(state);
}
