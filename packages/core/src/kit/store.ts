/**
 * `DriverStore`: a complete {@link MessageStore} around a {@link StoreDriver}. Everything every
 * backend must do identically happens here once, in the same order for every method: the
 * closed guard first (`CLOSED` before any argument error, rule 11), then validation and
 * encoding (rules 1 and 10), then the driver, then result assembly. Every method returns a
 * promise that rejects; none throws synchronously.
 */
import { encodeData } from '../codec';
import { invalidArgument, notFound, unsupported } from '../errors';
import { normalizeCursorListQuery, normalizeStreamListQuery, prepareImport } from '../import';
import type {
  AppendOptions,
  AppendResult,
  ImportEntry,
  ImportResult,
  ImportStream,
  MessageStore,
  NewMessage,
  ReadQuery,
  ReadResult,
  StoreCapabilities,
  StoredMessage,
  StreamHead,
  StreamList,
  StreamListQuery,
  CursorList,
  CursorListQuery,
  StreamRef,
} from '../store';
import {
  MAX_ID_BYTES,
  normalizeReadQuery,
  validateInteger,
  validateOptionalText,
  validateSeq,
  validateStream,
  validateText,
  validateUserId,
} from '../validation';
import type { StoreDriver } from './driver';
import { StoreGuard } from './guard';
import { completeResults, prepareBatch } from './prepare';
import { isTruncated } from './retention';

type CursorMethods = 'setCursor' | 'getCursor' | 'unreadCount';
type OptionalMethods = 'change' | CursorMethods | 'eraseSender' | 'importEntries' | 'listStreams' | 'dropStream' | 'listCursors';

/** The capabilities a driver provides, read off the methods it has and the flags it sets. */
export function driverCapabilities(driver: StoreDriver<never>): StoreCapabilities {
  return {
    editDelete: typeof driver.change === 'function',
    retention: driver.retention === true,
    cursors: typeof driver.setCursor === 'function',
    erase: typeof driver.eraseSender === 'function',
    transactions: driver.transactions === true,
    import: typeof driver.importEntries === 'function',
    streams: typeof driver.listStreams === 'function',
    cursorList: typeof driver.listCursors === 'function',
  };
}

/**
 * A {@link MessageStore} built on a backend's driver. Use it as is ({@link createDriverStore})
 * or extend it to add backend methods (`migrate()`), running their bodies through
 * {@link DriverStore.guarded}.
 *
 * @typeParam TAppendOptions - the backend's `append` options.
 */
export class DriverStore<TAppendOptions extends AppendOptions = AppendOptions> implements MessageStore<TAppendOptions> {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** {@inheritDoc MessageStore.ping} Present when the driver has `ping`. */
  readonly ping?: () => Promise<void>;
  readonly #driver: StoreDriver<TAppendOptions>;
  readonly #guard: StoreGuard;

  /**
   * @param driver - the backend's database part.
   * @throws RoomlogError `INVALID_ARGUMENT` when the driver has some of the cursor methods but not
   *   all three, one of listStreams/dropStream without the other, or listCursors without cursors.
   */
  constructor(driver: StoreDriver<TAppendOptions>) {
    const cursorMethods = (['setCursor', 'getCursor', 'unreadCount'] as const satisfies readonly CursorMethods[]).filter(
      (method) => typeof driver[method] === 'function',
    );
    if (cursorMethods.length !== 0 && cursorMethods.length !== 3) {
      throw invalidArgument(driver.name, 'driver', 'must have all of setCursor, getCursor and unreadCount, or none');
    }
    if ((typeof driver.listStreams === 'function') !== (typeof driver.dropStream === 'function')) {
      throw invalidArgument(driver.name, 'driver', 'must have both listStreams and dropStream, or neither');
    }
    if (typeof driver.listCursors === 'function' && cursorMethods.length === 0) {
      throw invalidArgument(driver.name, 'driver', 'listCursors needs setCursor, getCursor and unreadCount');
    }
    this.name = driver.name;
    this.capabilities = driverCapabilities(driver as StoreDriver<never>);
    this.#driver = driver;
    this.#guard = new StoreGuard(driver.name, driver.classify?.bind(driver));
    // An own property only when there is something to ping, so `typeof store.ping` tells.
    if (typeof driver.ping === 'function') this.ping = () => this.#guard.run(() => driver.ping!());
  }

  /** {@inheritDoc MessageStore.append} */
  append(batch: readonly NewMessage[], options?: TAppendOptions): Promise<AppendResult[]> {
    return this.#guard.run(async () => {
      const prepared = prepareBatch(this.name, batch, this.#driver.options, this.capabilities.retention);
      if (prepared.messages.length === 0) return [];
      return completeResults(prepared, await this.#driver.append(prepared, options));
    });
  }

  /** {@inheritDoc MessageStore.read} */
  read(stream: StreamRef, query?: ReadQuery): Promise<ReadResult> {
    return this.#guard.run(async () => {
      const ref = validateStream(this.name, stream);
      const normalized = normalizeReadQuery(this.name, query);
      const page = await this.#driver.read(ref, normalized);
      if (page === null) return { messages: [], head: null, hasMore: false, truncated: false };
      return {
        messages: page.messages,
        head: page.head,
        hasMore: page.hasMore,
        truncated: isTruncated(normalized.after, page.head.firstSeq),
      };
    });
  }

  /** {@inheritDoc MessageStore.head} */
  head(stream: StreamRef): Promise<StreamHead | null> {
    return this.#guard.run(() => this.#driver.head(validateStream(this.name, stream)));
  }

  /** {@inheritDoc MessageStore.edit} */
  edit(stream: StreamRef, seq: number, data: unknown, by?: string): Promise<StoredMessage> {
    return this.#guard.run(() => this.#change(stream, seq, by, 'edit', data));
  }

  /** {@inheritDoc MessageStore.delete} */
  delete(stream: StreamRef, seq: number, by?: string): Promise<StoredMessage> {
    return this.#guard.run(() => this.#change(stream, seq, by, 'delete', undefined));
  }

  /** {@inheritDoc MessageStore.setCursor} */
  setCursor(stream: StreamRef, userId: string, seq: number): Promise<number> {
    return this.#guard.run(() => {
      const setCursor = this.#method('setCursor', 'read markers');
      const ref = validateStream(this.name, stream);
      const user = validateUserId(this.name, userId);
      return setCursor(ref, user, validateInteger(this.name, 'seq', seq, 0));
    });
  }

  /** {@inheritDoc MessageStore.getCursor} */
  getCursor(stream: StreamRef, userId: string): Promise<number> {
    return this.#guard.run(() => {
      const getCursor = this.#method('getCursor', 'read markers');
      return getCursor(validateStream(this.name, stream), validateUserId(this.name, userId));
    });
  }

  /** {@inheritDoc MessageStore.unreadCount} */
  unreadCount(stream: StreamRef, userId: string): Promise<number> {
    return this.#guard.run(() => {
      const unreadCount = this.#method('unreadCount', 'read markers');
      return unreadCount(validateStream(this.name, stream), validateUserId(this.name, userId));
    });
  }

  /** {@inheritDoc MessageStore.eraseSender} */
  eraseSender(senderId: string): Promise<number> {
    return this.#guard.run(() => {
      const eraseSender = this.#method('eraseSender', 'eraseSender');
      return eraseSender(validateText(this.name, 'senderId', senderId, MAX_ID_BYTES));
    });
  }

  /** {@inheritDoc MessageStore.importEntries} */
  importEntries(stream: ImportStream, entries: readonly ImportEntry[]): Promise<ImportResult> {
    return this.#guard.run(() => {
      const importEntries = this.#method('importEntries', 'importEntries');
      return importEntries(prepareImport(this.name, stream, entries, this.#driver.options));
    });
  }

  /** {@inheritDoc MessageStore.listStreams} */
  listStreams(query?: StreamListQuery): Promise<StreamList> {
    return this.#guard.run(() => {
      const listStreams = this.#method('listStreams', 'listing streams');
      return listStreams(normalizeStreamListQuery(this.name, query));
    });
  }

  /** {@inheritDoc MessageStore.dropStream} */
  dropStream(stream: StreamRef): Promise<boolean> {
    return this.#guard.run(() => {
      const dropStream = this.#method('dropStream', 'dropping streams');
      return dropStream(validateStream(this.name, stream));
    });
  }

  /** {@inheritDoc MessageStore.listCursors} */
  listCursors(stream: StreamRef, query?: CursorListQuery): Promise<CursorList> {
    return this.#guard.run(() => {
      const listCursors = this.#method('listCursors', 'listing read markers');
      const ref = validateStream(this.name, stream);
      return listCursors(ref, normalizeCursorListQuery(this.name, query));
    });
  }

  /** {@inheritDoc MessageStore.close} */
  close(): Promise<void> {
    return this.#guard.close(() => this.#driver.close?.());
  }

  /**
   * Runs the body of a backend's own method under the same guard as the contract's: `CLOSED`
   * after `close()`, every error a `RoomlogError` of this backend.
   */
  protected guarded<T>(body: () => Promise<T> | T): Promise<T> {
    return this.#guard.run(body);
  }

  /** Edits (`data` = the new data) or deletes message `seq`. */
  async #change(stream: StreamRef, seq: number, by: string | undefined, kind: 'edit' | 'delete', data: unknown): Promise<StoredMessage> {
    const change = this.#method('change', 'edits and deletes');
    const payload = kind === 'edit' ? encodeData(data, this.#driver.options.maxPayloadBytes, this.name).text : null;
    const ref = validateStream(this.name, stream);
    const target = validateSeq(this.name, seq);
    const editor = validateOptionalText(this.name, 'by', by, MAX_ID_BYTES);
    const changed = await change(ref, { kind, seq: target, by: editor, payload });
    if (changed === null) throw notFound(this.name, ref.room, target, kind);
    return changed;
  }

  /** The driver's optional method, bound, or `UNSUPPORTED` when it has none. */
  #method<M extends OptionalMethods>(method: M, feature: string): NonNullable<StoreDriver<TAppendOptions>[M]> {
    const implementation = this.#driver[method];
    if (typeof implementation !== 'function') throw unsupported(this.name, feature);
    return implementation.bind(this.#driver) as NonNullable<StoreDriver<TAppendOptions>[M]>;
  }
}

/**
 * Builds a {@link MessageStore} on a backend's driver: the kit's whole answer to "write a
 * backend". See docs/custom-backend.md.
 */
export function createDriverStore<TAppendOptions extends AppendOptions = AppendOptions>(
  driver: StoreDriver<TAppendOptions>,
): DriverStore<TAppendOptions> {
  return new DriverStore(driver);
}
