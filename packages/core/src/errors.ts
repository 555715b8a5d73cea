/**
 * Every failure in Roomlog is a {@link RoomlogError}: one class, a small closed set of
 * codes, a message prefixed with `[roomlog] [backend]`, and the underlying `cause`.
 */

/**
 * What went wrong, as a stable machine-readable code.
 *
 * - `INVALID_ARGUMENT`: the caller passed something the contract does not allow
 *   (bad room name, limit out of range, data that cannot be stored). Nothing was written.
 * - `PAYLOAD_TOO_LARGE`: a message's data is larger than `maxPayloadBytes`. Nothing was written.
 * - `NOT_FOUND`: the message addressed by `(stream, seq)` does not exist or is no longer retained.
 * - `FORBIDDEN`: the Socket.IO integration's `authorize` refused the socket this room or message.
 *   Decided before any store access, so the answer is the same whether the room exists or not.
 * - `NOT_OWNER`: the socket may write in the room, but the message it tried to edit or delete
 *   was sent by another user (or the socket has no user id, see the `userId` option). Nothing
 *   was changed.
 * - `UNSUPPORTED`: the store lacks the capability the call needs.
 * - `BUSY`: the Socket.IO integration refused a request of one socket for now: it has too many
 *   requests or writes pending (`limits.maxRequestsPerSocket`, `limits.maxWritesPerSocket`), or
 *   a sync answer was full before this room. Nothing was done. Retry after `retryAfterMs`, as for
 *   `UNAVAILABLE`.
 * - `UNAVAILABLE`: the backend could not be reached or refused the work for now
 *   (connection lost, failover, timeout, queue full). Safe to retry with the same `clientMessageId`s.
 * - `CLOSED`: the store (or integration) was closed.
 * - `INTERNAL`: anything else; a bug or an unexpected backend answer.
 */
export type RoomlogErrorCode =
  | 'INVALID_ARGUMENT'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'NOT_OWNER'
  | 'UNSUPPORTED'
  | 'BUSY'
  | 'UNAVAILABLE'
  | 'CLOSED'
  | 'INTERNAL';

/** All error codes, for validation and exhaustive checks. */
export const ROOMLOG_ERROR_CODES: readonly RoomlogErrorCode[] = [
  'INVALID_ARGUMENT',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'FORBIDDEN',
  'NOT_OWNER',
  'UNSUPPORTED',
  'BUSY',
  'UNAVAILABLE',
  'CLOSED',
  'INTERNAL',
];

/** Options of the {@link RoomlogError} constructor. */
export interface RoomlogErrorOptions {
  /** Name of the backend or component that failed, e.g. `'redis'`, `'socket'`. @default 'core' */
  backend?: string;
  /** The underlying error or value that caused this one. */
  cause?: unknown;
  /** For `BUSY`: how long to wait before retrying, in ms. */
  retryAfterMs?: number | undefined;
}

/**
 * The one error type Roomlog throws. Detect it with {@link isRoomlogError} (by shape, so it
 * works across duplicated package copies), and branch on {@link RoomlogError.code}.
 */
export class RoomlogError extends Error {
  override readonly name = 'RoomlogError';
  /** Stable machine-readable code; see {@link RoomlogErrorCode}. */
  readonly code: RoomlogErrorCode;
  /**
   * Which part of Roomlog raised it, as in the `[roomlog] [backend]` prefix: a store's name
   * (`'memory'`, `'redis'`, `'postgres'`, `'mongo'`, `'typeorm'`, or a custom backend's), or a
   * component that is not a store: `'socket'` (the Socket.IO integration), `'client'`
   * (`@roomlog/client`), `'core'` (anything else in core). Named `backend` because stores
   * raise almost every error; branch on {@link RoomlogError.code}, not on this.
   */
  readonly backend: string;
  /** For `BUSY`: how long to wait before retrying, in ms; else absent. */
  readonly retryAfterMs?: number;

  /**
   * @param code - what went wrong.
   * @param message - human-readable detail; the `[roomlog] [backend]` prefix is added here.
   * @param options - the backend name and the cause.
   */
  constructor(code: RoomlogErrorCode, message: string, options: RoomlogErrorOptions = {}) {
    const backend = options.backend ?? 'core';
    super(`[roomlog] [${backend}] ${message}`, { cause: options.cause });
    this.code = code;
    this.backend = backend;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** A plain `{ code, message }` object, safe to send to a client (no cause, no stack). */
  toJSON(): { code: RoomlogErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * True when `value` is a Roomlog error. Checks the shape rather than `instanceof`,
 * so an error thrown by another copy of `@roomlog/core` is recognised too.
 */
export function isRoomlogError(value: unknown): value is RoomlogError {
  if (!(value instanceof Error) || value.name !== 'RoomlogError') return false;
  const code: unknown = (value as { code?: unknown }).code;
  return typeof code === 'string' && (ROOMLOG_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Turns whatever a backend call threw into a {@link RoomlogError}. A Roomlog error passes
 * through unchanged; anything else is wrapped with the code `classify` picks (default
 * `INTERNAL`) and kept as `cause`.
 *
 * @param error - what was thrown.
 * @param backend - the backend name for the message prefix.
 * @param classify - maps a driver error to a code, e.g. connection errors to `UNAVAILABLE`.
 */
export function toRoomlogError(
  error: unknown,
  backend: string,
  classify: (error: unknown) => RoomlogErrorCode = () => 'INTERNAL',
): RoomlogError {
  if (isRoomlogError(error)) return error;
  const code = classify(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new RoomlogError(code, detail, { backend, cause: error });
}

/**
 * A Roomlog error for a bad argument. The cause is a `TypeError` naming the offending field,
 * so logs show which input was refused.
 */
export function invalidArgument(backend: string, field: string, problem: string): RoomlogError {
  return new RoomlogError('INVALID_ARGUMENT', `${field} ${problem}`, {
    backend,
    cause: new TypeError(`${field} ${problem}`),
  });
}

/**
 * A Roomlog error for an edit or delete whose target is not a live message: it does not exist,
 * expired, is a log entry, or was deleted. One text for every backend.
 *
 * @param kind - what was attempted, for the cause.
 */
export function notFound(backend: string, room: string, seq: number, kind: 'edit' | 'delete'): RoomlogError {
  return new RoomlogError('NOT_FOUND', `no live message ${seq} in room ${JSON.stringify(room)}`, {
    backend,
    cause: new Error(`${kind} target not found`),
  });
}

/**
 * A Roomlog error for a call that needs a capability the store lacks.
 * @param feature - what was asked for, in words: `'edits and deletes'`, `'ttlMs'`.
 */
export function unsupported(backend: string, feature: string): RoomlogError {
  return new RoomlogError('UNSUPPORTED', `the store does not support ${feature}`, {
    backend,
    cause: new Error(`capability missing: ${feature}`),
  });
}

/**
 * A `BUSY` refusal of one socket's request.
 * @param reason - what is full, in words.
 * @param retryAfterMs - how long the client should wait before it retries, in ms.
 */
export function busy(backend: string, reason: string, retryAfterMs: number): RoomlogError {
  return new RoomlogError('BUSY', `${reason}; retry in ${retryAfterMs} ms`, {
    backend,
    cause: new Error(reason),
    retryAfterMs,
  });
}

/** Node.js network error codes that mean "could not reach the server", shared by all backends. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/**
 * True for errors from Node's network layer (`ECONNREFUSED`, `ECONNRESET`, ...), which every
 * backend maps to `UNAVAILABLE`.
 */
export function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}
