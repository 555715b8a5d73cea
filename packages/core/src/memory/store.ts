/**
 * `MemoryStore`, the reference backend: every rule of the contract and every optional
 * capability, in process memory. Not durable; use it for tests, demos and as the model a
 * backend is checked against.
 */
import { decodeData, encodeData } from '../codec';
import { decodeStreamCursor, encodeStreamCursor, entriesToWrite, normalizeStreamListQuery, prepareImport } from '../import';
import { RoomlogError } from '../errors';
import { newEpoch, newMessageId, streamKey } from '../ids';
import { StoreGuard } from '../lifecycle';
import { type ResolvedStoreOptions, resolveStoreOptions } from '../options';
import { completeResults, prepareBatch, type PreparedMessage } from '../prepare';
import { ageCutoff, countFloor, firstSeqOf, isLive, isTruncated } from '../retention';
import type {
  AppendResult,
  BaseStoreOptions,
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
  StreamRef,
} from '../store';
import { MAX_ID_BYTES, normalizeReadQuery, validateInteger, validateOptionalText, validateSeq, validateStream, validateText, validateUserId } from '../validation';
import { dropMemoryStream, streamPage, writeImported } from './admin';
import { MemoryDatabase, type MemoryEntry, type MemoryStream, lowerBound } from './database';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions extends BaseStoreOptions {
  /** State to share with other instances (as nodes share a database). @default a new, private database */
  database?: MemoryDatabase | undefined;
}

const BACKEND = 'memory';

/** The in-memory reference implementation of {@link MessageStore}. */
export class MemoryStore implements MessageStore {
  readonly name = BACKEND;
  readonly capabilities: StoreCapabilities = {
    editDelete: true,
    retention: true,
    cursors: true,
    erase: true,
    transactions: false,
    import: true,
    streams: true,
  };
  /** The state this instance reads and writes. */
  readonly database: MemoryDatabase;
  readonly #options: ResolvedStoreOptions;
  readonly #guard = new StoreGuard(BACKEND);

  /** @param options - retention, payload limit, clock and the database to share. */
  constructor(options: MemoryStoreOptions = {}) {
    this.#options = resolveStoreOptions(BACKEND, options);
    this.database = options.database ?? new MemoryDatabase();
  }

  /** {@inheritDoc MessageStore.append} */
  append(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.#guard.run(() => {
      const prepared = prepareBatch(BACKEND, batch, this.#options, true);
      const written = new Map<number, AppendResult>();
      for (const group of prepared.streams) {
        const stream = this.#streamFor(group.namespace, group.room, group.stream);
        this.#trim(stream, prepared.createdAt);
        for (const message of group.messages) {
          written.set(message.index, this.#appendOne(stream, message, prepared.createdAt));
        }
        this.#trim(stream, prepared.createdAt);
      }
      return completeResults(prepared, written);
    });
  }

  /** {@inheritDoc MessageStore.read} */
  read(stream: StreamRef, query?: ReadQuery): Promise<ReadResult> {
    return this.#guard.run(() => {
      const ref = validateStream(BACKEND, stream);
      const { after, before, limit } = normalizeReadQuery(BACKEND, query);
      const state = this.#existing(ref);
      if (!state) return { messages: [], head: null, hasMore: false, truncated: false };
      const now = this.#options.now();
      this.#trim(state, now);
      const cutoff = ageCutoff(this.#options, now);
      const live = (entry: MemoryEntry) => isLive(entry.createdAt, entry.expiresAt, now, cutoff);
      const head = this.#headOf(state, now);
      const upper = before ?? Number.POSITIVE_INFINITY;
      const page: MemoryEntry[] = [];
      let hasMore = false;
      if (after !== null) {
        for (let i = lowerBound(state.entries, after + 1); i < state.entries.length; i++) {
          const entry = state.entries[i]!;
          if (entry.seq >= upper) break;
          if (!live(entry)) continue;
          if (page.length === limit) {
            hasMore = true;
            break;
          }
          page.push(entry);
        }
      } else {
        for (let i = lowerBound(state.entries, upper) - 1; i >= 0; i--) {
          const entry = state.entries[i]!;
          if (!live(entry)) continue;
          if (page.length === limit) {
            hasMore = true;
            break;
          }
          page.push(entry);
        }
        page.reverse();
      }
      return {
        messages: page.map((entry) => this.#toMessage(state, entry)),
        head,
        hasMore,
        truncated: isTruncated(after, head.firstSeq),
      };
    });
  }

  /** {@inheritDoc MessageStore.head} */
  head(stream: StreamRef): Promise<StreamHead | null> {
    return this.#guard.run(() => {
      const state = this.#existing(validateStream(BACKEND, stream));
      return state ? this.#headOf(state, this.#options.now()) : null;
    });
  }

  /** {@inheritDoc MessageStore.edit} */
  edit(stream: StreamRef, seq: number, data: unknown, by?: string): Promise<StoredMessage> {
    return this.#guard.run(() => {
      const { text } = encodeData(data, this.#options.maxPayloadBytes, BACKEND);
      return this.#change(stream, seq, by, 'edit', text);
    });
  }

  /** {@inheritDoc MessageStore.delete} */
  delete(stream: StreamRef, seq: number, by?: string): Promise<StoredMessage> {
    return this.#guard.run(() => this.#change(stream, seq, by, 'delete', null));
  }

  /** {@inheritDoc MessageStore.setCursor} */
  setCursor(stream: StreamRef, userId: string, seq: number): Promise<number> {
    return this.#guard.run(() => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const wanted = validateInteger(BACKEND, 'seq', seq, 0);
      const key = `${streamKey(ref.namespace, ref.room)}\u0000${user}`;
      const headSeq = this.#existing(ref)?.seq ?? 0;
      const next = Math.max(this.database.cursors.get(key) ?? 0, Math.min(wanted, headSeq));
      this.database.cursors.set(key, next);
      return next;
    });
  }

  /** {@inheritDoc MessageStore.getCursor} */
  getCursor(stream: StreamRef, userId: string): Promise<number> {
    return this.#guard.run(() => this.#cursorOf(validateStream(BACKEND, stream), validateUserId(BACKEND, userId)));
  }

  /** {@inheritDoc MessageStore.unreadCount} */
  unreadCount(stream: StreamRef, userId: string): Promise<number> {
    return this.#guard.run(() => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const state = this.#existing(ref);
      if (!state) return 0;
      const now = this.#options.now();
      this.#trim(state, now);
      const cutoff = ageCutoff(this.#options, now);
      let count = 0;
      for (let i = lowerBound(state.entries, this.#cursorOf(ref, user) + 1); i < state.entries.length; i++) {
        const entry = state.entries[i]!;
        if (entry.kind === 'message' && entry.deletedAt === null && entry.senderId !== user && isLive(entry.createdAt, entry.expiresAt, now, cutoff)) {
          count++;
        }
      }
      return count;
    });
  }

  /** {@inheritDoc MessageStore.eraseSender} */
  eraseSender(senderId: string): Promise<number> {
    return this.#guard.run(() => {
      const sender = validateText(BACKEND, 'senderId', senderId, MAX_ID_BYTES);
      const now = this.#options.now();
      let erased = 0;
      for (const stream of this.database.streams.values()) {
        this.#trim(stream, now); // what retention already removed is not counted as erased
        for (const entry of stream.entries) {
          if (entry.senderId === sender && entry.deletedAt === null) {
            entry.payload = null;
            entry.deletedAt = now;
            entry.version += 1;
            erased++;
          }
        }
      }
      return erased;
    });
  }

  /** {@inheritDoc MessageStore.ping} */
  ping(): Promise<void> {
    return this.#guard.run(() => undefined);
  }

  /** {@inheritDoc MessageStore.importEntries} */
  importEntries(stream: ImportStream, entries: readonly ImportEntry[]): Promise<ImportResult> {
    return this.#guard.run(() => {
      const batch = prepareImport(BACKEND, stream, entries, this.#options);
      const existing = this.database.streams.get(batch.stream);
      const toWrite = entriesToWrite(BACKEND, batch, existing ?? null);
      const now = this.#options.now();
      const state = existing ?? (toWrite.length > 0 ? this.#streamFor(batch.namespace, batch.room, batch.stream, batch.epoch) : undefined);
      if (state) {
        writeImported(state, toWrite);
        this.#trim(state, now);
      }
      return { imported: toWrite.length, skipped: batch.entries.length - toWrite.length, head: state ? this.#headOf(state, now) : null };
    });
  }

  /** {@inheritDoc MessageStore.listStreams} */
  listStreams(query?: StreamListQuery): Promise<StreamList> {
    return this.#guard.run(() => {
      const { after, limit } = normalizeStreamListQuery(BACKEND, query);
      const { page, more } = streamPage(this.database, after === null ? null : decodeStreamCursor(BACKEND, after), limit);
      const now = this.#options.now();
      const streams = page.map((state) => ({ namespace: state.namespace, room: state.room, head: this.#headOf(state, now) }));
      const last = page.at(-1);
      return { streams, next: more && last ? encodeStreamCursor(last) : null };
    });
  }

  /** {@inheritDoc MessageStore.dropStream} */
  dropStream(stream: StreamRef): Promise<boolean> {
    return this.#guard.run(() => dropMemoryStream(this.database, validateStream(BACKEND, stream)));
  }

  /** {@inheritDoc MessageStore.close} */
  close(): Promise<void> {
    return this.#guard.close();
  }

  #existing(ref: StreamRef): MemoryStream | undefined {
    return this.database.streams.get(streamKey(ref.namespace, ref.room));
  }

  #streamFor(namespace: string, room: string, key: string, epoch = newEpoch()): MemoryStream {
    let stream = this.database.streams.get(key);
    if (!stream) {
      stream = { namespace, room, epoch, seq: 0, entries: [], byClientId: new Map(), nextExpiry: null };
      this.database.streams.set(key, stream);
    }
    return stream;
  }

  #appendOne(stream: MemoryStream, message: PreparedMessage, createdAt: number): AppendResult {
    if (message.clientMessageId !== null) {
      const existing = stream.byClientId.get(message.clientMessageId);
      const cutoff = ageCutoff(this.#options, createdAt);
      if (existing && isLive(existing.createdAt, existing.expiresAt, createdAt, cutoff)) {
        return { message: this.#toMessage(stream, existing), duplicate: true };
      }
    }
    stream.seq += 1;
    const entry: MemoryEntry = {
      seq: stream.seq,
      id: newMessageId(),
      epoch: stream.epoch,
      event: message.event,
      payload: message.payload,
      senderId: message.senderId,
      clientMessageId: message.clientMessageId,
      createdAt,
      kind: 'message',
      target: null,
      version: 1,
      editedAt: null,
      deletedAt: null,
      expiresAt: message.expiresAt,
    };
    stream.entries.push(entry);
    if (entry.expiresAt !== null) stream.nextExpiry = Math.min(stream.nextExpiry ?? entry.expiresAt, entry.expiresAt);
    if (entry.clientMessageId !== null) stream.byClientId.set(entry.clientMessageId, entry);
    return { message: this.#toMessage(stream, entry), duplicate: false };
  }

  /** Edits or deletes message `seq` in place and appends the log entry that tells syncing clients. */
  #change(stream: StreamRef, seq: number, by: string | undefined, kind: 'edit' | 'delete', payload: string | null): StoredMessage {
    const ref = validateStream(BACKEND, stream);
    const target = validateSeq(BACKEND, seq);
    const editor = validateOptionalText(BACKEND, 'by', by, MAX_ID_BYTES);
    const state = this.#existing(ref);
    const now = this.#options.now();
    if (state) this.#trim(state, now);
    const index = state ? lowerBound(state.entries, target) : -1;
    const entry = state?.entries[index];
    if (
      !state ||
      !entry ||
      entry.seq !== target ||
      entry.kind !== 'message' ||
      entry.deletedAt !== null ||
      !isLive(entry.createdAt, entry.expiresAt, now, ageCutoff(this.#options, now))
    ) {
      throw new RoomlogError('NOT_FOUND', `no live message ${target} in room ${JSON.stringify(ref.room)}`, {
        backend: BACKEND,
        cause: new Error(`${kind} target not found`),
      });
    }
    entry.payload = payload;
    entry.version += 1;
    if (kind === 'edit') entry.editedAt = now;
    else entry.deletedAt = now;
    state.seq += 1;
    state.entries.push({
      seq: state.seq,
      id: newMessageId(),
      epoch: state.epoch,
      event: entry.event,
      payload,
      senderId: editor,
      clientMessageId: null,
      createdAt: now,
      kind,
      target,
      version: 1,
      editedAt: null,
      deletedAt: null,
      expiresAt: null,
    });
    this.#trim(state, now);
    return this.#toMessage(state, entry);
  }

  #cursorOf(ref: StreamRef, user: string): number {
    return this.database.cursors.get(`${streamKey(ref.namespace, ref.room)}\u0000${user}`) ?? 0;
  }

  #headOf(state: MemoryStream, now: number): StreamHead {
    let oldestLive: number | null = null;
    if (this.#options.maxAgeMs !== null) {
      const cutoff = ageCutoff(this.#options, now);
      for (let i = lowerBound(state.entries, countFloor(this.#options, state.seq)); i < state.entries.length; i++) {
        const entry = state.entries[i]!;
        if (isLive(entry.createdAt, entry.expiresAt, now, cutoff)) {
          oldestLive = entry.seq;
          break;
        }
      }
    }
    return { seq: state.seq, epoch: state.epoch, firstSeq: firstSeqOf(this.#options, state.seq, oldestLive) };
  }

  /** Physically removes what retention expired: below the count floor, aged out at the front, TTL-expired anywhere. */
  #trim(state: MemoryStream, now: number): void {
    const floor = countFloor(this.#options, state.seq);
    const cutoff = ageCutoff(this.#options, now);
    let drop = 0;
    while (drop < state.entries.length) {
      const entry = state.entries[drop]!;
      if (entry.seq >= floor && (cutoff === null || entry.createdAt > cutoff)) break;
      drop++;
    }
    const removed = state.entries.splice(0, drop);
    if (state.nextExpiry !== null && state.nextExpiry <= now) {
      const kept: MemoryEntry[] = [];
      let nextExpiry: number | null = null;
      for (const entry of state.entries) {
        if (entry.expiresAt !== null && entry.expiresAt <= now) {
          removed.push(entry);
          continue;
        }
        kept.push(entry);
        if (entry.expiresAt !== null) nextExpiry = Math.min(nextExpiry ?? entry.expiresAt, entry.expiresAt);
      }
      state.entries = kept;
      state.nextExpiry = nextExpiry;
    }
    for (const entry of removed) {
      if (entry.clientMessageId !== null && state.byClientId.get(entry.clientMessageId) === entry) {
        state.byClientId.delete(entry.clientMessageId);
      }
    }
  }

  #toMessage(state: MemoryStream, entry: MemoryEntry): StoredMessage {
    return {
      namespace: state.namespace,
      room: state.room,
      seq: entry.seq,
      id: entry.id,
      epoch: entry.epoch,
      event: entry.event,
      data: entry.payload === null ? null : decodeData(entry.payload, BACKEND),
      senderId: entry.senderId,
      clientMessageId: entry.clientMessageId,
      createdAt: entry.createdAt,
      kind: entry.kind,
      target: entry.target,
      version: entry.version,
      editedAt: entry.editedAt,
      deletedAt: entry.deletedAt,
      expiresAt: entry.expiresAt,
    };
  }
}

/**
 * Creates a {@link MemoryStore}.
 * @param options - retention, payload limit, clock and an optional shared {@link MemoryDatabase}.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}
