/**
 * What a backend writes to build a store on the kit: a narrow driver that talks to its
 * database, and nothing else. {@link DriverStore} does the rest of the contract around it,
 * identically for every backend: the closed guard, validation, encoding, result assembly and
 * the `NOT_FOUND`/`UNSUPPORTED` errors. A driver method is only ever called with validated,
 * encoded input on an open store, and whatever it throws leaves as a `RoomlogError`.
 */
import type { RoomlogErrorCode } from '../errors';
import type { PreparedImport } from '../import';
import type { AppendOptions, AppendResult, CursorList, ImportResult, StoredMessage, StreamHead, StreamList, StreamRef } from '../store';
import type { NormalizedReadQuery } from '../validation';
import type { ResolvedStoreOptions } from './options';
import type { PreparedBatch } from './prepare';

/** A page as the driver found it; the kit adds `truncated`. */
export interface DriverPage {
  /** The stream's head. */
  head: StreamHead;
  /** Entries in ascending seq, at most `query.limit`, expired ones left out. */
  messages: StoredMessage[];
  /** True when more entries exist beyond this page in the reading direction (newer with `after`, older otherwise). */
  hasMore: boolean;
}

/** An edit or delete of message `seq`, validated and encoded. */
export interface DriverChange {
  kind: 'edit' | 'delete';
  /** The target's seq, an integer >= 1. */
  seq: number;
  /** Who changed it (the log entry's `senderId`), or `null`. */
  by: string | null;
  /** The codec's text of the new data for an edit; `null` for a delete. */
  payload: string | null;
}

/**
 * A backend's database part. The required methods are the contract's required part; each
 * optional group, when present, turns on its capability (`change` → `editDelete`, the three
 * cursor methods → `cursors`, `eraseSender` → `erase`, `importEntries` → `import`, `listStreams`
 * with `dropStream` → `streams`, `listCursors` → `cursorList`). What no method shows, the driver says with a flag
 * (`retention`, `transactions`). The store has `ping()` when the driver has.
 *
 * @typeParam TAppendOptions - the backend's `append` options (its transaction handle).
 */
export interface StoreDriver<TAppendOptions extends AppendOptions = AppendOptions> {
  /** Backend name: the store's `name` and the `[roomlog] [name]` error prefix. */
  readonly name: string;
  /** The shared store options, resolved (`resolveStoreOptions`): payload limit, clock, retention. */
  readonly options: ResolvedStoreOptions;
  /** Implements `maxCount`, `maxAgeMs` and `ttlMs` (rule 8). Without it a message with `ttlMs` is refused `UNSUPPORTED`. @default false */
  readonly retention?: boolean | undefined;
  /** Honours the transaction handle in `TAppendOptions`. @default false */
  readonly transactions?: boolean | undefined;

  /**
   * Maps an error the database client threw to a contract code (connection errors to
   * `UNAVAILABLE`, ...). A `RoomlogError` the driver throws passes through unchanged.
   * @default every error is `INTERNAL`
   */
  classify?(error: unknown): RoomlogErrorCode;

  /**
   * Writes a batch: `batch.streams` holds the messages to write, grouped by stream, in-batch
   * duplicates already removed. Never called with an empty batch.
   * @returns a result for every message of `batch.streams`, by its `index`; the kit fills in the in-batch duplicates.
   */
  append(batch: PreparedBatch, options: TAppendOptions | undefined): Promise<ReadonlyMap<number, AppendResult>>;

  /** A page of `stream` as `query` asks (see `ReadQuery`), or `null` when the stream was never written. */
  read(stream: StreamRef, query: NormalizedReadQuery): Promise<DriverPage | null>;

  /** The stream's head, or `null` when it was never written. */
  head(stream: StreamRef): Promise<StreamHead | null>;

  /** Releases the driver's resources (and the user's client only when they opted in). Called once. */
  close?(): Promise<void> | void;

  /**
   * Edits or deletes a message in place and appends its log entry (rule 7).
   * @returns the changed message, or `null` when `seq` is not a live message (the kit rejects `NOT_FOUND`).
   */
  change?(stream: StreamRef, change: DriverChange): Promise<StoredMessage | null>;

  /** Moves the marker forward to `seq` (an integer >= 0); returns the marker after the call. */
  setCursor?(stream: StreamRef, userId: string, seq: number): Promise<number>;
  /** The marker, `0` when unset. */
  getCursor?(stream: StreamRef, userId: string): Promise<number>;
  /** Live `message` entries after the marker that `userId` did not send. */
  unreadCount?(stream: StreamRef, userId: string): Promise<number>;

  /** Erases every entry `senderId` sent, in every stream; returns how many were newly erased. */
  eraseSender?(senderId: string): Promise<number>;

  /** One round trip that also checks the schema is in place (see `MessageStore.ping`). */
  ping?(): Promise<void>;

  /**
   * Writes a validated import (see `MessageStore.importEntries`; `entriesToWrite` settles the
   * epoch check and what is already there).
   */
  importEntries?(batch: PreparedImport): Promise<ImportResult>;

  /** A page of streams after position `after` (`null` for the first page); `next` as `MessageStore.listStreams` says. */
  listStreams?(query: { after: string | null; limit: number }): Promise<StreamList>;

  /** Removes a whole stream with its read markers; `true` when it existed. */
  dropStream?(stream: StreamRef): Promise<boolean>;

  /**
   * A page of the stream's read markers after position `after` (`null` for the first page);
   * `next` as `MessageStore.listCursors` says. Needs the cursor methods.
   */
  listCursors?(stream: StreamRef, query: { after: string | null; limit: number }): Promise<CursorList>;
}
