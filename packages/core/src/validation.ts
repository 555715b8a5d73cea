/**
 * Input validation shared by every backend, so all of them refuse exactly the same inputs
 * with the same `INVALID_ARGUMENT` errors (contract rule 1) before anything is written.
 */
import { invalidArgument } from './errors';
import type { ReadQuery, StreamRef } from './store';

/** Longest namespace, room or event name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 512;
/** Longest `senderId`, `clientMessageId` or user id, in UTF-8 bytes. */
export const MAX_ID_BYTES = 256;
/** Page size when a read gives none. */
export const DEFAULT_READ_LIMIT = 50;
/** Largest page size a read may ask for. */
export const MAX_READ_LIMIT = 1000;

/**
 * Entries after a read marker an `unreadCount` looks at, at most: the count is bounded work on
 * every backend. When more entries follow, the count covers only these (a lower bound).
 */
export const UNREAD_SCAN_LIMIT = 1000;

/**
 * Checks a text identifier (namespace, room, event, sender, idempotency key, user id):
 * a non-empty, well-formed string without NUL, at most `maxBytes` UTF-8 bytes.
 *
 * @returns the value, unchanged.
 * @throws RoomlogError `INVALID_ARGUMENT`.
 */
export function validateText(backend: string, field: string, value: unknown, maxBytes: number): string {
  if (typeof value !== 'string') throw invalidArgument(backend, field, `must be a string, got ${describeValue(value)}`);
  if (value.length === 0) throw invalidArgument(backend, field, 'must not be empty');
  if (value.includes('\u0000')) throw invalidArgument(backend, field, 'must not contain NUL');
  if (!value.isWellFormed()) throw invalidArgument(backend, field, 'must be well-formed Unicode (lone surrogate)');
  // UTF-8 never takes more than 3 bytes per UTF-16 unit, so short strings skip the count.
  if (value.length * 3 > maxBytes && Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw invalidArgument(backend, field, `must be at most ${maxBytes} UTF-8 bytes`);
  }
  return value;
}

/** Like {@link validateText}, but `undefined` and `null` pass as `null`. */
export function validateOptionalText(backend: string, field: string, value: unknown, maxBytes: number): string | null {
  return value === undefined || value === null ? null : validateText(backend, field, value, maxBytes);
}

/**
 * Checks a stream reference and returns a copy holding only `namespace` and `room`.
 * @throws RoomlogError `INVALID_ARGUMENT`.
 */
export function validateStream(backend: string, stream: unknown): StreamRef {
  if (stream === null || typeof stream !== 'object') {
    throw invalidArgument(backend, 'stream', `must be an object { namespace, room }, got ${describeValue(stream)}`);
  }
  const { namespace, room } = stream as Record<string, unknown>;
  return {
    namespace: validateText(backend, 'namespace', namespace, MAX_NAME_BYTES),
    room: validateText(backend, 'room', room, MAX_NAME_BYTES),
  };
}

/**
 * Checks a whole number in `[min, Number.MAX_SAFE_INTEGER]`.
 * @throws RoomlogError `INVALID_ARGUMENT`.
 */
export function validateInteger(backend: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidArgument(backend, field, `must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a message seq: an integer >= 1. */
export function validateSeq(backend: string, seq: unknown, field = 'seq'): number {
  return validateInteger(backend, field, seq, 1);
}

/** Checks a user id (cursors, unread counts). */
export function validateUserId(backend: string, userId: unknown): string {
  return validateText(backend, 'userId', userId, MAX_ID_BYTES);
}

/** A read query with defaults applied; `null` where the caller gave no bound. */
export interface NormalizedReadQuery {
  after: number | null;
  before: number | null;
  limit: number;
}

/**
 * Validates a read query and applies the default limit.
 * @throws RoomlogError `INVALID_ARGUMENT` for a non-integer or negative bound or a limit outside 1–1000.
 */
export function normalizeReadQuery(backend: string, query: unknown): NormalizedReadQuery {
  if (query === undefined || query === null) return { after: null, before: null, limit: DEFAULT_READ_LIMIT };
  if (typeof query !== 'object') throw invalidArgument(backend, 'query', `must be an object, got ${describeValue(query)}`);
  const { after, before, limit } = query as ReadQuery;
  const normalized: NormalizedReadQuery = {
    after: after === undefined ? null : validateInteger(backend, 'after', after, 0),
    before: before === undefined ? null : validateInteger(backend, 'before', before, 0),
    limit: limit === undefined ? DEFAULT_READ_LIMIT : validateInteger(backend, 'limit', limit, 1),
  };
  if (normalized.limit > MAX_READ_LIMIT) {
    throw invalidArgument(backend, 'limit', `must be at most ${MAX_READ_LIMIT}, got ${normalized.limit}`);
  }
  return normalized;
}

/** A short description of a value's type for error messages (never the value itself, which may be large). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  return typeof value;
}
