/**
 * The persistence contract every Roomlog backend implements. The numbered rules in
 * `docs/guarantees.md` are what these types promise; `@roomlog/conformance` tests each one.
 */

/** Identifies one message stream: a room inside a Socket.IO namespace. */
export interface StreamRef {
  /** Socket.IO namespace name, e.g. `'/'` or `'/chat'`. Same validation as `room`. */
  namespace: string;
  /**
   * Room name: non-empty, at most 512 UTF-8 bytes, no NUL, well-formed Unicode. Any other
   * character is data, never syntax, in every backend.
   */
  room: string;
}

/** A message to append. */
export interface NewMessage extends StreamRef {
  /** Socket.IO event name the message is delivered under. Non-empty, at most 512 UTF-8 bytes, no NUL. */
  event: string;
  /**
   * The payload: anything Socket.IO can carry. JSON values, with binary
   * (`Buffer`, `Uint8Array`, `ArrayBuffer`, other typed arrays) anywhere inside. It is stored as
   * Socket.IO would deliver it (JSON semantics: `undefined` properties dropped, `Date`
   * as ISO string, non-finite numbers as `null`) and reads back as `Buffer` for binary.
   * `undefined` at the top level is stored as `null`.
   */
  data: unknown;
  /** Who sent it (your user id). Used by `unreadCount` and `eraseSender`. At most 256 UTF-8 bytes. */
  senderId?: string | undefined;
  /**
   * Idempotency key chosen by the sender (at most 256 UTF-8 bytes). A second message with the
   * same key in the same stream, while the first is retained, is not stored again: `append`
   * returns the stored original, as it is now, with `duplicate: true`.
   *
   * "Retained" means not expired by `maxCount`, `maxAgeMs` or its own `ttlMs`: once expired the
   * key is free and the next message with it is stored anew (never acked as a duplicate of a
   * message nobody can read). Deleting or erasing a message does not free its key: a retry
   * returns the tombstone. A batch is checked against the stream as the call found it plus
   * the batch's earlier messages, so in `[new, retry of k]` under `maxCount` the retry is a
   * duplicate of `k` even when the batch's new message then pushes `k` out.
   */
  clientMessageId?: string | undefined;
  /**
   * Time to live in milliseconds, relative to the message's `createdAt`. After it the message
   * is never returned. Needs the `retention` capability. Positive integer; `null` (as a JSON
   * client may send for "none") is the same as absent, on any store.
   */
  ttlMs?: number | null | undefined;
}

/**
 * What an entry in the stream is.
 * - `message`: a message as sent.
 * - `edit`: log entry saying message `target` was edited; `data` is the new data.
 * - `delete`: log entry saying message `target` was deleted; `data` is `null`.
 */
export type MessageKind = 'message' | 'edit' | 'delete';

/** A message as stored and returned by every read. All timestamps are milliseconds since the Unix epoch. */
export interface StoredMessage extends StreamRef {
  /** Position in the stream: 1 for the first entry, then previous + 1. Never reused. */
  seq: number;
  /** Unique id of this entry (opaque string, unique across streams and instances). */
  id: string;
  /**
   * The stream's epoch (see {@link StreamHead.epoch}). An entry that outlived a lost counter may
   * carry either the epoch it was written under or the current one, depending on the backend;
   * a newly appended entry always carries the current one.
   */
  epoch: string;
  /** Socket.IO event name. */
  event: string;
  /** The payload (`null` once deleted or erased). */
  data: unknown;
  /** Sender's id, or `null` when none was given. */
  senderId: string | null;
  /** The sender's idempotency key, or `null` when none was given. */
  clientMessageId: string | null;
  /** When it was appended, by the appending node's clock (ms since epoch). */
  createdAt: number;
  /** Entry kind; see {@link MessageKind}. */
  kind: MessageKind;
  /** For `edit`/`delete` log entries: the seq of the message they change. Otherwise `null`. */
  target: number | null;
  /** 1 when appended; + 1 with every edit, delete or erasure of this message. */
  version: number;
  /** When it was last edited (ms since epoch), or `null`. */
  editedAt: number | null;
  /** When it was deleted or erased (ms since epoch), or `null`. A deleted message is a tombstone with `data: null`. */
  deletedAt: number | null;
  /** When it expires by its own `ttlMs` (ms since epoch), or `null`. */
  expiresAt: number | null;
}

/** One result of `append`, in the same position as its input. */
export interface AppendResult {
  /** The stored message (for a duplicate: the original as stored). */
  message: StoredMessage;
  /** True when the `clientMessageId` matched a retained message (or an earlier one in the batch) and nothing new was stored. */
  duplicate: boolean;
}

/**
 * Options for `append`. Backends extend it with their transaction handle
 * (e.g. `{ client }` for PostgreSQL, `{ manager }` for TypeORM).
 */
export interface AppendOptions {}

/** Where a read starts and how much it returns. */
export interface ReadQuery {
  /** Return the first `limit` entries with seq greater than this. Non-negative integer. */
  after?: number | undefined;
  /** Return the last `limit` entries with seq less than this (or, with `after`, only those below it). Non-negative integer. */
  before?: number | undefined;
  /** Page size, 1–1000. @default 50 */
  limit?: number | undefined;
}

/** The state of a stream. */
export interface StreamHead {
  /** Seq of the newest entry. */
  seq: number;
  /**
   * Fixed at the first append; changes only when the stream's counter state was lost
   * (database wiped). Clients holding an offset compare it: a different epoch means their
   * offset is meaningless.
   */
  epoch: string;
  /**
   * The lowest seq that stream-wide retention has not removed: `seq - maxCount + 1` (at least 1)
   * and, with `maxAgeMs`, the seq of the oldest entry at or above that which is live by every
   * rule, its own `ttlMs` included (`seq + 1` when none is live). So with `maxAgeMs` set, a
   * TTL-expired entry at the front moves `firstSeq` (a backend that has swept it cannot tell
   * it from an aged-out one); without `maxAgeMs`, `ttlMs` never moves `firstSeq`. Entries at
   * or above it are returned unless expired by their own `ttlMs`.
   */
  firstSeq: number;
}

/** A page of entries. */
export interface ReadResult {
  /** Entries in ascending seq, tombstones and log entries included, expired ones never. */
  messages: StoredMessage[];
  /** The stream's head, `null` if it was never written. */
  head: StreamHead | null;
  /** True when more entries exist beyond this page in the reading direction (newer for `after`, older otherwise). */
  hasMore: boolean;
  /**
   * True when `after` points below the oldest retained entry (`after + 1 < head.firstSeq`):
   * entries were lost to retention in between. Never true without `after`, for a stream never
   * written, or when `after` is at or beyond the head.
   */
  truncated: boolean;
}

/** Which optional parts of the contract a store implements. */
export interface StoreCapabilities {
  /** `edit` and `delete` with log entries (rule 7). */
  editDelete: boolean;
  /** `maxCount`, `maxAgeMs` and per-message `ttlMs` (rule 8). */
  retention: boolean;
  /** `setCursor`, `getCursor`, `unreadCount` (rule 9). */
  cursors: boolean;
  /** `eraseSender`. */
  erase: boolean;
  /** `append` inside the caller's transaction via backend-specific `AppendOptions`. */
  transactions: boolean;
  /**
   * `importEntries`: writing entries with their original seq, epoch, id and times, so a log
   * moves between stores unchanged. Absent means `false` (stores written before it existed).
   */
  import?: boolean;
  /**
   * `listStreams` and `dropStream`: enumerating and removing whole streams, for operations
   * tooling (export, stats, pruning). Absent means `false`.
   */
  streams?: boolean;
  /**
   * `listCursors`: every read marker of a stream, so an export carries them and a moved room
   * keeps each member's unread count. Absent means `false`.
   */
  cursorList?: boolean;
}

/** Stream-wide retention settings shared by every backend. */
export interface RetentionOptions {
  /** Keep at most this many entries per stream; older ones are removed. Positive integer. @default unlimited */
  maxCount?: number | undefined;
  /** Remove entries older than this many milliseconds (by `createdAt`). Positive integer. @default unlimited */
  maxAgeMs?: number | undefined;
}

/** Options every backend accepts. */
export interface BaseStoreOptions extends RetentionOptions {
  /** Largest accepted `data`, in bytes of its JSON form (binary counted at raw size). @default 1048576 (1 MiB) */
  maxPayloadBytes?: number | undefined;
  /** Clock used for `createdAt`, retention and TTL, in ms since epoch. @default Date.now */
  now?: (() => number) | undefined;
}

/**
 * A durable, sequenced message log per `(namespace, room)`: the same room name in two
 * namespaces is two streams for every method.
 *
 * - Every method returns a promise and never throws synchronously; every failure rejects with
 *   a `RoomlogError`, invalid arguments included.
 * - After `close()` every call rejects with `CLOSED`, before its arguments are checked.
 * - Every answer comes from the shared database, never from what this instance wrote or
 *   cached: any instance answers the same (rule 12).
 * - Only a successful `append` creates a stream; no other call, failed or not, makes `head`
 *   non-null or leaves anything stored.
 * - Returned objects belong to the caller and the store keeps no reference to what it was
 *   given: mutating either never changes what a later call returns.
 */
export interface MessageStore<TAppendOptions extends AppendOptions = AppendOptions> {
  /** Backend name used in error prefixes, e.g. `'redis'`. */
  readonly name: string;
  /** The optional parts this store implements. */
  readonly capabilities: StoreCapabilities;

  /**
   * Appends a batch (which may mix streams). Results come back in input order; within a stream
   * the batch gets consecutive seqs in input order. Resolves once every message is durable.
   * On rejection some messages may be stored; retrying with the same `clientMessageId`s is safe.
   * An empty batch resolves to `[]`.
   */
  append(batch: readonly NewMessage[], options?: TAppendOptions): Promise<AppendResult[]>;

  /** Reads a page of a stream in ascending seq. See {@link ReadQuery}; a `null` query reads like none. */
  read(stream: StreamRef, query?: ReadQuery): Promise<ReadResult>;

  /** The stream's head, or `null` if it was never written. */
  head(stream: StreamRef): Promise<StreamHead | null>;

  /** Releases resources. Idempotent. Does not close a client the user passed in unless asked to. */
  close(): Promise<void>;

  /**
   * Replaces the data of message `seq` (`version` + 1, `editedAt` set) and appends an `edit` log
   * entry. Rejects `NOT_FOUND` when the message does not exist, expired, is a log entry, or was deleted.
   * @param by - who edited it; recorded as the log entry's `senderId`.
   * @returns the updated message.
   */
  edit?(stream: StreamRef, seq: number, data: unknown, by?: string): Promise<StoredMessage>;

  /**
   * Turns message `seq` into a tombstone (`data: null`, `deletedAt` set, `version` + 1) and appends
   * a `delete` log entry. Rejects `NOT_FOUND` like `edit`.
   * @returns the tombstone.
   */
  delete?(stream: StreamRef, seq: number, by?: string): Promise<StoredMessage>;

  /**
   * Moves the user's read marker forward to `seq`, clamped to the head. A lower value is
   * ignored. On a stream never written it returns 0 and stores nothing.
   * @returns the marker after the call.
   */
  setCursor?(stream: StreamRef, userId: string, seq: number): Promise<number>;

  /** The user's read marker, `0` when unset. */
  getCursor?(stream: StreamRef, userId: string): Promise<number>;

  /**
   * Live (not deleted, not expired) `message` entries after the user's marker that the user did
   * not send, among the first `UNREAD_SCAN_LIMIT` (1000) stored entries after the marker: any
   * client can ask, so the work is bounded whatever the room's size. When more entries follow,
   * the count is a lower bound.
   */
  unreadCount?(stream: StreamRef, userId: string): Promise<number>;

  /**
   * Erases every entry sent by `senderId` in every stream of this store: data becomes `null`,
   * `deletedAt` is set and `version` + 1, in place, without log entries (right to erasure).
   * Entries retention already expired are not counted; if still physically stored, their data
   * is wiped too.
   * @returns how many live entries (ones a read could return) were newly erased.
   */
  eraseSender?(senderId: string): Promise<number>;

  /**
   * Readiness check: resolves once the database answered a round trip and the store's schema
   * (tables, indexes, scripts) is in place. Cheap enough for a Kubernetes readiness probe.
   * @throws RoomlogError `UNAVAILABLE` when the database does not answer, `INTERNAL` when the
   *   schema is missing or incomplete (run the backend's migration).
   */
  ping?(): Promise<void>;

  /**
   * Writes entries exported from another store into `stream`, keeping their seq, id, epoch,
   * times, versions, edits and tombstones (capability `import`).
   *
   * - A stream never written is created with `stream.epoch`; its head becomes the last seq given.
   * - Entries at or below the stream's head seq are skipped (already imported), so re-running
   *   an import after a failure is safe.
   * - A stream that exists under another epoch holds another log: the call rejects with
   *   `INVALID_ARGUMENT` and writes nothing.
   * - Imported `clientMessageId`s deduplicate later appends (rule 4) while retained. Only a
   *   `message` entry may carry one: an `edit` or `delete` entry with a `clientMessageId` is
   *   refused `INVALID_ARGUMENT` (no export writes one).
   * - The store's own retention applies to the entries by their original `createdAt`.
   *
   * All of one call is written atomically where the backend can (a transaction or script).
   * @param entries - at most 1000, in strictly ascending seq.
   * @throws RoomlogError `INVALID_ARGUMENT` for an invalid entry, a seq out of order, too many
   *   entries or another epoch; `PAYLOAD_TOO_LARGE` for data over `maxPayloadBytes`.
   */
  importEntries?(stream: ImportStream, entries: readonly ImportEntry[]): Promise<ImportResult>;

  /**
   * A page of the streams this store holds (capability `streams`), in an order of the
   * backend's choosing. Walk every page by passing `next` back as `after` until it is `null`.
   * A stream that exists during the whole walk is listed at least once (a backend walking a
   * hash table, such as Redis with `SCAN`, may list one twice: dedupe by `(namespace, room)`
   * when it matters); one created or dropped during it may or may not be. A page may hold
   * fewer than `limit` streams, even none, before the end.
   */
  listStreams?(query?: StreamListQuery): Promise<StreamList>;

  /**
   * Removes a whole stream: its entries, its head and epoch, its read markers (capability
   * `streams`). A later append starts over at seq 1 under a new epoch, so clients holding an
   * offset are told `epoch-changed`.
   * @returns `true` when the stream existed.
   */
  dropStream?(stream: StreamRef): Promise<boolean>;

  /**
   * A page of a stream's read markers (capability `cursorList`): each user's marker as
   * `setCursor` left it. Walk every page by passing `next` back as `after` until it is `null`.
   * A marker present during the whole walk is listed at least once (Redis walks a hash and may
   * list one twice; importing it twice with `setCursor` is harmless, markers only move
   * forward). A page may hold fewer than `limit` markers, even none, before the end. A stream
   * never written has none.
   */
  listCursors?(stream: StreamRef, query?: CursorListQuery): Promise<CursorList>;
}

/** Where a page of {@link MessageStore.listCursors} starts and how large it is. */
export interface CursorListQuery {
  /** The `next` of the previous page; absent for the first page. */
  after?: string | undefined;
  /**
   * Most markers in the page, 1–1000. @default 100. Redis pages by `HSCAN`, which returns a
   * small hash (up to `hash-max-listpack-entries`, 128 by default) whole, so a Redis page may
   * hold up to that many whatever the limit.
   */
  limit?: number | undefined;
}

/** One user's read marker. */
export interface CursorInfo {
  userId: string;
  /** The seq the user has read up to (what `getCursor` returns). */
  seq: number;
}

/** A page of read markers. */
export interface CursorList {
  cursors: CursorInfo[];
  /** Opaque position to pass as `after` for the next page; `null` after the last page. */
  next: string | null;
}

/** The stream an import writes to and the epoch of the log being imported. */
export interface ImportStream extends StreamRef {
  /** The source stream's epoch ({@link StreamHead.epoch}); a new stream takes it as its own. */
  epoch: string;
}

/**
 * One entry to import: a {@link StoredMessage} as a store returned it. Its `namespace` and
 * `room`, if present, are ignored in favour of the import's stream; `data` is `null` for
 * tombstones and `delete` log entries.
 */
export type ImportEntry = Omit<StoredMessage, 'namespace' | 'room'>;

/** What one `importEntries` call did. */
export interface ImportResult {
  /** Entries written. */
  imported: number;
  /** Entries at or below the stream's head seq, left as they were. */
  skipped: number;
  /** The stream's head after the call; `null` only for an empty call on a stream never written. */
  head: StreamHead | null;
}

/** Where a page of {@link MessageStore.listStreams} starts and how large it is. */
export interface StreamListQuery {
  /** The `next` of the previous page; absent for the first page. */
  after?: string | undefined;
  /**
   * Most streams in the page, 1–1000. @default 100. Redis pages by `SCAN`, whose every step
   * returns whole hash buckets: a Redis page may hold a few streams more.
   */
  limit?: number | undefined;
}

/** One stream and its head. */
export interface StreamInfo extends StreamRef {
  /** The stream's head (seq, epoch, firstSeq) when it was listed. */
  head: StreamHead;
}

/** A page of streams. */
export interface StreamList {
  streams: StreamInfo[];
  /** Opaque position to pass as `after` for the next page; `null` after the last page. */
  next: string | null;
  /**
   * Streams this page passed over because the store holds them without their names, so it
   * cannot say which room they are (Redis streams last written by a version before names were
   * stored; see the backend's guide for naming them). Absent or 0 when there were none.
   */
  unnamed?: number;
}
