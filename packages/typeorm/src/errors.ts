/**
 * Driver errors, per engine, mapped to the contract's codes. TypeORM wraps driver errors in
 * `QueryFailedError` and copies the driver's fields (`code`, `errno`) onto it; the original
 * is kept as `driverError`. Errors are recognised by shape and code, never by `instanceof`.
 */
import { type RoomlogErrorCode, isNetworkError } from '@roomlog/core';

interface DriverErrorShape {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  driverError?: unknown;
}

/** The driver's own error: TypeORM's `driverError` when present, else the error itself. */
function driverError(error: unknown): DriverErrorShape {
  const shape = (error ?? {}) as DriverErrorShape;
  return (shape.driverError ?? shape) as DriverErrorShape;
}

function codeOf(error: DriverErrorShape): string {
  return typeof error.code === 'string' ? error.code : '';
}

function messageOf(error: DriverErrorShape): string {
  return typeof error.message === 'string' ? error.message : '';
}

/** PostgreSQL SQLSTATEs for "server gone or refusing for now": connection exceptions (08xxx), shutdown, too many connections. */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '53400', '55P03', '57014']);
/** MySQL/MariaDB errors for "server gone or refusing for now". */
const MYSQL_UNAVAILABLE = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'ER_LOCK_WAIT_TIMEOUT',
]);

/**
 * True when the transaction lost a race and running it again is correct: deadlock or
 * serialization failure (PostgreSQL `40P01`/`40001`, MySQL `ER_LOCK_DEADLOCK`), or a unique
 * key taken by a concurrent writer (`23505`, `ER_DUP_ENTRY`, SQLite `UNIQUE constraint failed`);
 * the retry sees the committed row and answers `duplicate: true`.
 */
export function isRetryable(error: unknown): boolean {
  const driver = driverError(error);
  const code = codeOf(driver);
  return (
    code === '40P01' ||
    code === '40001' ||
    code === '23505' ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_DUP_ENTRY' ||
    // sql.js errors carry no code, only SQLite's message.
    messageOf(driver).startsWith('UNIQUE constraint failed')
  );
}

/**
 * True when the append routine is not installed (PostgreSQL `42883` undefined function, MySQL
 * `ER_SP_DOES_NOT_EXIST`): dropped after the store found it, or between the migration's drop
 * and create on MySQL. The store then appends statement by statement.
 */
export function isMissingRoutine(error: unknown): boolean {
  const code = codeOf(driverError(error));
  return code === '42883' || code === 'ER_SP_DOES_NOT_EXIST';
}

/** True when the database could not be reached or refused the work for now. */
function isUnavailable(error: unknown): boolean {
  const driver = driverError(error);
  const code = codeOf(driver);
  if (isNetworkError(driver) || isNetworkError(error)) return true;
  if (code.startsWith('08') || PG_UNAVAILABLE.has(code) || MYSQL_UNAVAILABLE.has(code)) return true;
  const message = messageOf(driver);
  return (
    // pg's pool after `end()`, TypeORM before `initialize()` / after `destroy()`, SQLite busy.
    message.includes('Cannot use a pool after calling end') ||
    message.includes('Connection terminated') ||
    message.includes('is not established') ||
    message.startsWith('database is locked') ||
    (error as { name?: unknown } | null)?.name === 'ConnectionIsNotSetError'
  );
}

/**
 * Maps a TypeORM/driver error to the contract's code. A race the store could not settle by
 * retrying (for example inside the caller's transaction) is `UNAVAILABLE`: the caller retries
 * with the same `clientMessageId`s, which is safe (rule 3).
 */
export function classifyTypeormError(error: unknown): RoomlogErrorCode {
  return isUnavailable(error) || isRetryable(error) ? 'UNAVAILABLE' : 'INTERNAL';
}
