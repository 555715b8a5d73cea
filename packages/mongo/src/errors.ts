/**
 * Maps what the MongoDB driver and mongoose throw to Roomlog's error codes. Errors are
 * recognised by shape (`name`, `code`, labels), never by `instanceof`, so a second copy of the
 * driver in the app's tree is classified the same.
 */
import { type RoomlogErrorCode, isNetworkError } from '@roomlog/core';

/** Driver errors that mean "no server could be reached or the connection broke". */
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
]);

/**
 * Server error codes for a primary that is stepping down, shutting down or unreachable — the
 * retryable family: HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress,
 * PrimarySteppedDown, ExceededTimeLimit, SocketException, NotWritablePrimary,
 * InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
 * NotPrimaryOrSecondary.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Labels the driver puts on errors worth retrying once a server is back. */
const UNAVAILABLE_LABELS = ['RetryableWriteError', 'ResetPool', 'NoWritesPerformed'];

/**
 * mongoose's own errors carry no code: a command issued before the first connection completed
 * (buffering is off for Roomlog's collections), or a force-closed connection.
 */
const MONGOOSE_UNAVAILABLE = /before initial connection is complete|Connection was force closed|buffering timed out/;

/**
 * The driver's texts for a broken connection. Some errors (a bulk write's, one rethrown by a
 * session) carry them with another name and no code: seen as `INTERNAL` sends while a server was
 * killed under several appends in flight (reliability's outage suite).
 */
const NETWORK_MESSAGE = /\b(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)\b|^connection \d+ to \S+ (closed|timed out)/;

/** How deep {@link classifyMongoError} follows `cause`. */
const MAX_CAUSE_DEPTH = 4;

/** Classifies a driver or mongoose error (or the `cause` it wraps); unknown errors are `INTERNAL`. */
export function classifyMongoError(error: unknown): RoomlogErrorCode {
  let current = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current !== null && typeof current === 'object'; depth++) {
    if (classifyOne(current) === 'UNAVAILABLE') return 'UNAVAILABLE';
    current = (current as { cause?: unknown }).cause;
  }
  return 'INTERNAL';
}

function classifyOne(error: object): RoomlogErrorCode {
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return 'UNAVAILABLE';
  if (typeof code === 'number' && UNAVAILABLE_CODES.has(code)) return 'UNAVAILABLE';
  if (isNetworkError(error)) return 'UNAVAILABLE';
  const hasLabel = (error as { hasErrorLabel?: unknown }).hasErrorLabel;
  if (typeof hasLabel === 'function' && UNAVAILABLE_LABELS.some((label) => hasLabel.call(error, label) === true)) {
    return 'UNAVAILABLE';
  }
  if (name === 'MongooseError' && typeof message === 'string' && MONGOOSE_UNAVAILABLE.test(message)) return 'UNAVAILABLE';
  if (typeof message === 'string' && NETWORK_MESSAGE.test(message)) return 'UNAVAILABLE';
  return 'INTERNAL';
}
