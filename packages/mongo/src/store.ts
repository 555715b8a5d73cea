/**
 * `MongoMessageStore`: the Roomlog contract on MongoDB through the app's mongoose connection.
 */
import {
  type AppendResult,
  type ImportEntry,
  type ImportResult,
  type ImportStream,
  type MessageStore,
  type NewMessage,
  type ReadQuery,
  type ReadResult,
  RoomlogError,
  type StoreCapabilities,
  type StoredMessage,
  type StreamHead,
  type StreamList,
  type StreamListQuery,
  type StreamRef,
  MAX_ID_BYTES,
  normalizeStreamListQuery,
  prepareImport,
  StoreGuard,
  ageCutoff,
  completeResults,
  countFloor,
  isLive,
  encodeData,
  isTruncated,
  newMessageId,
  normalizeReadQuery,
  prepareBatch,
  validateInteger,
  validateOptionalText,
  validateSeq,
  validateStream,
  validateText,
  validateUserId,
} from '@roomlog/core';
import type { Connection } from 'mongoose';
import { dropMongoStream, importIntoMongo, listMongoStreams, pingMongo } from './admin';
import { type NewEntry, appendToStream } from './append';
import { type MessageDocument, toStoredMessage } from './documents';
import { classifyMongoError } from './errors';
import { type HeadContext, findHead, recordHead } from './head';
import { createIndexes } from './indexes';
import { entryKey, streamId } from './keys';
import { withLease } from './lock';
import { createEntryLookup } from './lookup';
import { BACKEND, type MongoStoreOptions, type ResolvedMongoOptions, resolveMongoOptions } from './options';
import { readPage } from './page';
import { liveFilter, streamFilter } from './queries';
import { currentHead, sweepExpired, trimStream } from './retention';
import { type RoomlogModels, registerModels } from './schema';

/** The MongoDB implementation of {@link MessageStore}. Create it with {@link createMongoStore}. */
export class MongoMessageStore implements MessageStore {
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
  /** The mongoose models Roomlog registered on the connection (for inspection and your own queries). */
  readonly models: RoomlogModels;
  readonly #connection: Connection;
  readonly #options: ResolvedMongoOptions;
  readonly #guard = new StoreGuard(BACKEND, classifyMongoError);
  readonly #ctx: HeadContext;

  /**
   * @param connection - the app's mongoose connection; not closed by `close()` unless `closeConnection` is set.
   * @param options - collection prefix, retention, payload limit, clock.
   */
  constructor(connection: Connection, options: MongoStoreOptions = {}) {
    this.#options = resolveMongoOptions(options);
    this.#connection = connection;
    this.models = registerModels(connection, this.#options.collectionPrefix);
    const { messages, streams } = this.models;
    this.#ctx = { messages, streams, ...createEntryLookup(connection, messages) };
  }

  /**
   * Creates the collections' indexes. Call it once at startup, before the first append: seq
   * allocation and idempotency rely on the unique indexes. Idempotent, and safe when several
   * nodes call it at once.
   */
  init(): Promise<void> {
    return this.#guard.run(() => createIndexes(this.models));
  }

  /** {@inheritDoc MessageStore.append} */
  append(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.#guard.run(async () => {
      const prepared = prepareBatch(BACKEND, batch, this.#options, true);
      const written = new Map<number, AppendResult>();
      await Promise.all(
        prepared.streams.map(async (group) => {
          const entries: NewEntry[] = group.messages.map((m) => ({
            id: newMessageId(),
            event: m.event,
            payload: m.payload,
            senderId: m.senderId,
            clientMessageId: m.clientMessageId,
            createdAt: prepared.createdAt,
            kind: 'message',
            target: null,
            expiresAt: m.expiresAt,
          }));
          const { results, headSeq } = await appendToStream(this.#ctx, this.#options, group, entries);
          let ttlDue: number | null = null;
          for (let i = 0; i < results.length; i++) {
            const { doc, duplicate } = results[i]!;
            written.set(group.messages[i]!.index, { message: toStoredMessage(doc), duplicate });
            if (!duplicate && doc.expiresAt !== null) ttlDue = Math.min(ttlDue ?? doc.expiresAt, doc.expiresAt);
          }
          await this.#afterAppend(group, headSeq, prepared.createdAt, ttlDue);
        }),
      );
      return completeResults(prepared, written);
    });
  }

  /** {@inheritDoc MessageStore.read} */
  read(stream: StreamRef, query?: ReadQuery): Promise<ReadResult> {
    return this.#guard.run(async () => {
      const ref = validateStream(BACKEND, stream);
      const { after, before, limit } = normalizeReadQuery(BACKEND, query);
      const now = this.#options.now();
      const head = await currentHead(this.#ctx, this.#options, ref, now);
      if (!head) return { messages: [], head: null, hasMore: false, truncated: false };
      const { docs, hasMore } = await readPage(this.#ctx, this.#options, ref, head, { after, before, limit }, now);
      return { messages: docs.map(toStoredMessage), head, hasMore, truncated: isTruncated(after, head.firstSeq) };
    });
  }

  /** {@inheritDoc MessageStore.head} */
  head(stream: StreamRef): Promise<StreamHead | null> {
    return this.#guard.run(() => currentHead(this.#ctx, this.#options, validateStream(BACKEND, stream), this.#options.now()));
  }

  /** {@inheritDoc MessageStore.ping} */
  ping(): Promise<void> {
    return this.#guard.run(() => pingMongo(this.#connection, this.models));
  }

  /** {@inheritDoc MessageStore.importEntries} */
  importEntries(stream: ImportStream, entries: readonly ImportEntry[]): Promise<ImportResult> {
    return this.#guard.run(() => importIntoMongo(this.#ctx, prepareImport(BACKEND, stream, entries, this.#options), this.#headNow));
  }

  /** {@inheritDoc MessageStore.listStreams} */
  listStreams(query?: StreamListQuery): Promise<StreamList> {
    return this.#guard.run(() => listMongoStreams(this.#ctx, normalizeStreamListQuery(BACKEND, query), this.#headNow));
  }

  /** {@inheritDoc MessageStore.dropStream} */
  dropStream(stream: StreamRef): Promise<boolean> {
    return this.#guard.run(() => dropMongoStream(this.models, validateStream(BACKEND, stream)));
  }

  readonly #headNow = (ref: StreamRef) => currentHead(this.#ctx, this.#options, ref, this.#options.now());

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
    return this.#guard.run(async () => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const wanted = validateInteger(BACKEND, 'seq', seq, 0);
      const [newest, current] = await Promise.all([findHead(this.#ctx, ref), this.#cursorOf(ref, user)]);
      const next = Math.min(wanted, newest?.seq ?? 0);
      if (next <= current) return current;
      const marker = { ...streamFilter(ref), userId: { $eq: user } };
      // Inserting the higher value (never updating) keeps the marker monotonic even on FerretDB,
      // whose updates are not atomic; a concurrent insert of the same value is a no-op.
      await this.models.cursors.insertOne({ namespace: ref.namespace, room: ref.room, userId: user, seq: next }).catch(ignoreDuplicateKey);
      await this.models.cursors.deleteMany({ ...marker, seq: { $lt: next } });
      return next;
    });
  }

  /** {@inheritDoc MessageStore.getCursor} */
  getCursor(stream: StreamRef, userId: string): Promise<number> {
    return this.#guard.run(() => this.#cursorOf(validateStream(BACKEND, stream), validateUserId(BACKEND, userId)));
  }

  /** {@inheritDoc MessageStore.unreadCount} */
  unreadCount(stream: StreamRef, userId: string): Promise<number> {
    return this.#guard.run(async () => {
      const ref = validateStream(BACKEND, stream);
      const user = validateUserId(BACKEND, userId);
      const [newest, cursor] = await Promise.all([findHead(this.#ctx, ref), this.#cursorOf(ref, user)]);
      if (!newest) return 0;
      const now = this.#options.now();
      return this.models.messages.countDocuments({
        ...streamFilter(ref),
        seq: { $gt: cursor, $gte: countFloor(this.#options, newest.seq) },
        kind: { $eq: 'message' },
        deletedAt: { $eq: null },
        senderId: { $ne: user },
        ...liveFilter(this.#options, now),
      });
    });
  }

  /** {@inheritDoc MessageStore.eraseSender} */
  eraseSender(senderId: string): Promise<number> {
    return this.#guard.run(async () => {
      const sender = validateText(BACKEND, 'senderId', senderId, MAX_ID_BYTES);
      const now = this.#options.now();
      const mine = { senderId: { $eq: sender }, deletedAt: { $eq: null } };
      if (this.#options.maxCount !== null || this.#options.maxAgeMs !== null) {
        // What retention already removed is not erased: trim the sender's streams first, as an append would.
        const streams = new Map<string, StreamRef>();
        for (const doc of await this.#ctx.messages.find(mine, { projection: { _id: 0, namespace: 1, room: 1 } }).toArray()) {
          streams.set(streamId(doc), { namespace: doc.namespace, room: doc.room });
        }
        for (const ref of streams.values()) {
          const newest = await findHead(this.#ctx, ref);
          if (newest) await trimStream(this.#ctx, this.#options, ref, newest.seq, now);
        }
      }
      const erase = { $set: { payload: null, deletedAt: now }, $inc: { version: 1 } };
      const live = await this.#ctx.messages.updateMany({ ...mine, ...liveFilter(this.#options, now) }, erase);
      // Expired entries not swept yet lose their data too, uncounted: it must not outlive an erasure.
      await this.#ctx.messages.updateMany(mine, erase);
      return live.modifiedCount;
    });
  }

  /** {@inheritDoc MessageStore.close} */
  close(): Promise<void> {
    return this.#guard.close(async () => {
      if (this.#options.closeConnection) await this.#connection.close();
    });
  }

  async #cursorOf(ref: StreamRef, user: string): Promise<number> {
    const doc = await this.models.cursors.findOne(
      { ...streamFilter(ref), userId: { $eq: user } },
      { sort: { seq: -1 }, projection: { _id: 0, seq: 1 } },
    );
    return doc?.seq ?? 0;
  }

  /** Edits or deletes message `seq` in place, then appends the log entry that tells syncing clients. */
  async #change(stream: StreamRef, seq: number, by: string | undefined, kind: 'edit' | 'delete', payload: string | null): Promise<StoredMessage> {
    const ref = validateStream(BACKEND, stream);
    const target = validateSeq(BACKEND, seq);
    const editor = validateOptionalText(BACKEND, 'by', by, MAX_ID_BYTES);
    const now = this.#options.now();
    // Under the lease the version bump and the log entry happen in the same order on every node,
    // so the target always holds the data of its newest log entry.
    return withLease(this.models.locks, entryKey(streamId(ref), target), async () => {
      const updated = await this.#changeInPlace(ref, target, now, kind === 'edit' ? { payload, editedAt: now } : { payload, deletedAt: now });
      if (!updated) {
        throw new RoomlogError('NOT_FOUND', `no live message ${target} in room ${JSON.stringify(ref.room)}`, {
          backend: BACKEND,
          cause: new Error(`${kind} target not found`),
        });
      }
      const entry: NewEntry = {
        id: newMessageId(),
        event: updated.event,
        payload,
        senderId: editor,
        clientMessageId: null,
        createdAt: now,
        kind,
        target,
        expiresAt: null,
      };
      const { headSeq } = await appendToStream(this.#ctx, this.#options, ref, [entry]);
      await this.#afterAppend(ref, headSeq, now);
      return toStoredMessage(updated);
    });
  }

  /**
   * Applies `changes` to message `target` if it is a live, undeleted message. Runs under the
   * message's lease, so the read and the update by `_id` need no further guard.
   * @returns the updated document, or `null` when there is no such message.
   */
  async #changeInPlace(ref: StreamRef, target: number, now: number, changes: Partial<MessageDocument>): Promise<MessageDocument | null> {
    const newest = await findHead(this.#ctx, ref);
    if (!newest || target < countFloor(this.#options, newest.seq) || target > newest.seq) return null;
    const _id = entryKey(streamId(ref), target);
    const [doc] = await this.#ctx.fetchByIds([_id]);
    if (!doc || doc.kind !== 'message' || doc.deletedAt !== null) return null;
    if (!isLive(doc.createdAt, doc.expiresAt, now, ageCutoff(this.#options, now))) return null;
    return this.models.messages.findOneAndUpdate({ _id }, { $set: changes, $inc: { version: 1 } }, { returnDocument: 'after' });
  }

  /**
   * Raises the stream's head hint, then trims; in that order, so no trim ever runs ahead of a
   * hint. Then sweeps TTL-expired entries once the stream's `ttlDue` (kept in its hint document,
   * so it does not matter which instance wrote them) has passed.
   *
   * @param ttlDue - the earliest `expiresAt` this append wrote, or `null`.
   */
  async #afterAppend(ref: StreamRef, headSeq: number, now: number, ttlDue: number | null = null): Promise<void> {
    if (headSeq === 0) return;
    await recordHead(this.#ctx, ref, headSeq, ttlDue);
    await trimStream(this.#ctx, this.#options, ref, headSeq, now);
    const sid = streamId(ref);
    const due = (await this.#ctx.streams.findOne({ _id: sid }, { projection: { _id: 0, ttlDue: 1 } }))?.ttlDue;
    if (due === undefined || due === null || due > now) return;
    const next = await sweepExpired(this.#ctx, ref, headSeq, now);
    // Conditional on the value read: an earlier expiry another writer recorded meanwhile stands.
    await this.#ctx.streams.updateOne({ _id: sid, ttlDue: due }, next === null ? { $unset: { ttlDue: '' } } : { $set: { ttlDue: next } });
  }
}

/** Lets a duplicate-key error through as "already there"; rethrows anything else. */
function ignoreDuplicateKey(error: unknown): void {
  if ((error as { code?: unknown } | null)?.code !== 11000) throw error;
}

/**
 * Creates a {@link MongoMessageStore} on the app's mongoose connection. Call `await store.init()`
 * once at startup to create the indexes.
 *
 * @param connection - a mongoose `Connection` (e.g. `mongoose.connection` or `mongoose.createConnection(url)`).
 * @param options - see {@link MongoStoreOptions}.
 */
export function createMongoStore(connection: Connection, options: MongoStoreOptions = {}): MongoMessageStore {
  return new MongoMessageStore(connection, options);
}
