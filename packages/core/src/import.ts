/**
 * Validation and encoding for `importEntries`, shared by every backend so all of them accept
 * and refuse exactly the same imported entries before anything is written. Imported entries
 * come from another store's export: they are checked as strictly as appended ones, plus the
 * fields an append never takes from the caller (seq, id, epoch, times, kind, version).
 */
import { createHash } from 'node:crypto';
import { encodeData } from './codec';
import { RoomlogError, invalidArgument } from './errors';
import { streamKey } from './ids';
import type { StoredEntry } from './kit/entry';
import type { ResolvedStoreOptions } from './kit/options';
import type { ImportEntry, ImportStream, MessageKind, StreamHead, StreamRef } from './store';
import {
  MAX_ID_BYTES,
  MAX_NAME_BYTES,
  describeValue,
  validateInteger,
  validateOptionalText,
  validateStream,
  validateText,
} from './validation';

/** Most entries one `importEntries` call takes (the same bound as a read page). */
export const MAX_IMPORT_ENTRIES = 1000;

const KINDS: readonly MessageKind[] = ['message', 'edit', 'delete'];

/** One validated imported entry, in the shape backends write: a stored entry with the epoch it was written under. */
export interface PreparedImportEntry extends StoredEntry {
  epoch: string;
}

/** A validated import call. */
export interface PreparedImport extends StreamRef {
  /** {@link streamKey} of the stream. */
  stream: string;
  /** The epoch of the imported log. */
  epoch: string;
  /** The entries in ascending seq. */
  entries: PreparedImportEntry[];
}

function optionalTime(backend: string, field: string, value: unknown): number | null {
  return value === undefined || value === null ? null : validateInteger(backend, field, value, 0);
}

function prepareEntry(backend: string, input: unknown, index: number, options: ResolvedStoreOptions): PreparedImportEntry {
  if (input === null || typeof input !== 'object') {
    throw invalidArgument(backend, `entries[${index}]`, `must be an entry object, got ${describeValue(input)}`);
  }
  const e = input as Record<string, unknown>;
  const field = (name: string) => `entries[${index}].${name}`;
  const kind = e.kind === undefined ? 'message' : e.kind;
  if (!KINDS.includes(kind as MessageKind)) {
    throw invalidArgument(backend, field('kind'), `must be 'message', 'edit' or 'delete', got ${describeValue(kind)}`);
  }
  const target = e.target === undefined || e.target === null ? null : validateInteger(backend, field('target'), e.target, 1);
  if ((kind === 'message') !== (target === null)) {
    throw invalidArgument(
      backend,
      field('target'),
      kind === 'message' ? 'must be null for a message' : `must be a seq for a ${String(kind)} entry`,
    );
  }
  const seq = validateInteger(backend, field('seq'), e.seq, 1);
  if (target !== null && target >= seq) throw invalidArgument(backend, field('target'), `must be below the entry's seq ${seq}`);
  const clientMessageId = validateOptionalText(backend, field('clientMessageId'), e.clientMessageId, MAX_ID_BYTES);
  // Only a message can be the original of a retry; a key on a log entry would make one store
  // answer retries with an edit and another refuse it, and no export writes one.
  if (kind !== 'message' && clientMessageId !== null) {
    throw invalidArgument(backend, field('clientMessageId'), `must be null for a ${String(kind)} entry`);
  }
  const deletedAt = optionalTime(backend, field('deletedAt'), e.deletedAt);
  const tombstone = (kind === 'delete' || deletedAt !== null) && (e.data === null || e.data === undefined);
  return {
    seq,
    id: validateText(backend, field('id'), e.id, MAX_ID_BYTES),
    epoch: validateText(backend, field('epoch'), e.epoch, MAX_ID_BYTES),
    event: validateText(backend, field('event'), e.event, MAX_NAME_BYTES),
    payload: tombstone ? null : encodeData(e.data, options.maxPayloadBytes, backend).text,
    senderId: validateOptionalText(backend, field('senderId'), e.senderId, MAX_ID_BYTES),
    clientMessageId,
    createdAt: validateInteger(backend, field('createdAt'), e.createdAt, 0),
    kind: kind as MessageKind,
    target,
    version: e.version === undefined ? 1 : validateInteger(backend, field('version'), e.version, 1),
    editedAt: optionalTime(backend, field('editedAt'), e.editedAt),
    deletedAt,
    expiresAt: optionalTime(backend, field('expiresAt'), e.expiresAt),
  };
}

/**
 * Validates and encodes one `importEntries` call. Runs before any I/O: an invalid entry
 * rejects the whole call and nothing is written.
 *
 * @param backend - backend name for error messages.
 * @param stream - the target stream and the imported log's epoch.
 * @param entries - the caller's entries.
 * @param options - resolved store options (payload limit).
 * @throws RoomlogError `INVALID_ARGUMENT` or `PAYLOAD_TOO_LARGE`.
 */
export function prepareImport(
  backend: string,
  stream: ImportStream,
  entries: readonly ImportEntry[],
  options: ResolvedStoreOptions,
): PreparedImport {
  const ref = validateStream(backend, stream);
  const epoch = validateText(backend, 'epoch', (stream as { epoch?: unknown }).epoch, MAX_ID_BYTES);
  if (!Array.isArray(entries)) throw invalidArgument(backend, 'entries', `must be an array, got ${describeValue(entries)}`);
  if (entries.length > MAX_IMPORT_ENTRIES) {
    throw invalidArgument(backend, 'entries', `must hold at most ${MAX_IMPORT_ENTRIES} entries, got ${entries.length}`);
  }
  const prepared: PreparedImportEntry[] = [];
  for (let index = 0; index < entries.length; index++) {
    const entry = prepareEntry(backend, entries[index], index, options);
    const previous = prepared.at(-1);
    if (previous && entry.seq <= previous.seq) {
      throw invalidArgument(backend, `entries[${index}].seq`, `must be above the previous entry's seq ${previous.seq}, got ${entry.seq}`);
    }
    prepared.push(entry);
  }
  return { ...ref, stream: streamKey(ref.namespace, ref.room), epoch, entries: prepared };
}

/**
 * The rejection for importing into a stream that holds another log (its epoch differs).
 * @param backend - backend name for the message prefix.
 */
export function epochConflict(backend: string, stream: StreamRef, existing: string, imported: string): RoomlogError {
  return invalidArgument(
    backend,
    'epoch',
    `${JSON.stringify(imported)} differs from the epoch ${JSON.stringify(existing)} of room ${JSON.stringify(stream.room)}, which holds another log; drop it first or import elsewhere`,
  );
}

/**
 * Splits prepared entries into those the stream already holds (at or below its head seq) and
 * those to write, after checking the stream's epoch.
 *
 * @param existing - the stream's head seq and epoch before the import, or `null` if it was never written.
 * @throws RoomlogError `INVALID_ARGUMENT` when the stream holds another epoch.
 */
export function entriesToWrite(
  backend: string,
  batch: PreparedImport,
  existing: Pick<StreamHead, 'seq' | 'epoch'> | null,
): PreparedImportEntry[] {
  if (existing === null) return batch.entries;
  if (existing.epoch !== batch.epoch) throw epochConflict(backend, batch, existing.epoch, batch.epoch);
  return batch.entries.filter((entry) => entry.seq > existing.seq);
}

/** The rejection for a malformed `listStreams` cursor. */
export function invalidStreamCursor(backend: string): RoomlogError {
  return new RoomlogError('INVALID_ARGUMENT', 'after is not a position returned by listStreams', {
    backend,
    cause: new TypeError('after: unknown stream list position'),
  });
}

/** `limit` of `listStreams` when none is given. */
export const DEFAULT_STREAM_LIST_LIMIT = 100;
/** Largest `limit` of `listStreams`. */
export const MAX_STREAM_LIST_LIMIT = 1000;

/**
 * Validates a `listStreams` query.
 * @returns the `after` position (or `null`) and the page size.
 * @throws RoomlogError `INVALID_ARGUMENT`.
 */
export function normalizeStreamListQuery(backend: string, query: unknown): { after: string | null; limit: number } {
  if (query === undefined || query === null) return { after: null, limit: DEFAULT_STREAM_LIST_LIMIT };
  if (typeof query !== 'object') throw invalidArgument(backend, 'query', `must be an object, got ${describeValue(query)}`);
  const { after, limit } = query as Record<string, unknown>;
  const page = limit === undefined ? DEFAULT_STREAM_LIST_LIMIT : validateInteger(backend, 'limit', limit, 1);
  if (page > MAX_STREAM_LIST_LIMIT) throw invalidArgument(backend, 'limit', `must be at most ${MAX_STREAM_LIST_LIMIT}, got ${page}`);
  return { after: after === undefined || after === null ? null : validateText(backend, 'after', after, 4096), limit: page };
}

/**
 * Encodes the last stream of a page as a `listStreams` position for backends that list in
 * `(namespace, room)` order (base64url, so it is plain text in any shell or URL).
 */
export function encodeStreamCursor(stream: StreamRef): string {
  return Buffer.from(streamKey(stream.namespace, stream.room), 'utf8').toString('base64url');
}

/** Decodes {@link encodeStreamCursor}; `INVALID_ARGUMENT` for anything else. */
export function decodeStreamCursor(backend: string, cursor: string): StreamRef {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  const split = key.indexOf('\u0000');
  if (split <= 0 || Buffer.from(key, 'utf8').toString('base64url') !== cursor) throw invalidStreamCursor(backend);
  return { namespace: key.slice(0, split), room: key.slice(split + 1) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `text` is a UUID (the form of every epoch, and of message ids outside Redis). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * The key an imported entry is kept under by a backend whose id column is a UUID (PostgreSQL,
 * TypeORM): the id itself when it is one (lowercased, as PostgreSQL prints UUIDs), otherwise
 * a name-based UUID (version 5 layout, SHA-1) of it. The same foreign id (Redis derives
 * `<epoch>:<seq>`) always maps to the same UUID, so a re-run of an import stays idempotent.
 * When the result differs from the id, those backends also store the id itself and read that
 * back, so the id a client holds survives the move byte for byte.
 */
export function uuidForImport(id: string): string {
  if (isUuid(id)) return id.toLowerCase();
  const hash = createHash('sha1').update('roomlog-import:').update(id).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `limit` of `listCursors` when none is given. */
export const DEFAULT_CURSOR_LIST_LIMIT = 100;

/**
 * Validates a `listCursors` query (same shape and bounds as a `listStreams` query).
 * @returns the `after` position (or `null`) and the page size.
 * @throws RoomlogError `INVALID_ARGUMENT`.
 */
export function normalizeCursorListQuery(backend: string, query: unknown): { after: string | null; limit: number } {
  return normalizeStreamListQuery(backend, query);
}

/** Encodes the last user of a page as a `listCursors` position, for backends that list users in order. */
export function encodeUserCursor(userId: string): string {
  return Buffer.from(userId, 'utf8').toString('base64url');
}

/** The rejection for a malformed `listCursors` position. */
export function invalidCursorPosition(backend: string): RoomlogError {
  return new RoomlogError('INVALID_ARGUMENT', 'after is not a position returned by listCursors', {
    backend,
    cause: new TypeError('after: unknown cursor list position'),
  });
}

/** Decodes {@link encodeUserCursor}; `INVALID_ARGUMENT` for anything else. */
export function decodeUserCursor(backend: string, cursor: string): string {
  const user = Buffer.from(cursor, 'base64url').toString('utf8');
  if (user === '' || Buffer.from(user, 'utf8').toString('base64url') !== cursor) throw invalidCursorPosition(backend);
  return user;
}
