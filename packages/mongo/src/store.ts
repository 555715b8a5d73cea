/**
 * `MongoMessageStore`: the Roomlog contract on MongoDB through the app's mongoose connection.
 * The store is core's kit around {@link MongoDriver}, which holds only what is particular to
 * MongoDB: reads in `reads.ts`, writes in `writes.ts`, the server's strategy in `server.ts`.
 */
import {
  type CursorList,
  type AppendResult,
  type DriverChange,
  type DriverPage,
  DriverStore,
  type ImportResult,
  type NormalizedReadQuery,
  type PreparedBatch,
  type PreparedImport,
  type StoreDriver,
  type StoredMessage,
  type StreamHead,
  type StreamList,
  type StreamRef,
  UNREAD_SCAN_LIMIT,
  ageCutoff,
  countFloor,
  newMessageId,
} from '@roomlog/core';
import type { Connection } from 'mongoose';
import type { StoreContext } from './context';
import { dropMongoStream, importIntoMongo, listMongoCursors, listMongoStreams, pingMongo } from './admin';
import { type MessageDocument, type StreamDocument, asDate, dataFields, setDataUpdate, toStoredMessage } from './documents';
import { classifyMongoError } from './errors';
import { isLiveDoc, liveFilter, streamFilter } from './filters';
import { createIndexes, createTtlIndex } from './indexes';
import { entryKey, streamId } from './keys';
import { withLease } from './lock';
import { BACKEND, type MongoStoreOptions, type ResolvedMongoOptions, resolveMongoOptions } from './options';
import { currentHead, findHead, readStream } from './reads';
import { type RoomlogModels, registerModels } from './schema';
import { connectServer } from './server';
import { type NewEntry, appendToStream, recordHead, sweepExpired, trimStream } from './writes';

/** What `init()` built beyond the always-built indexes. */
export interface InitReport {
  /**
   * Whether the TTL index on `purgeAt` exists: `false` under the `'ferretdb'` strategy, with
   * `ttlIndex: false`, and on a server without TTL indexes (FerretDB v1). Without it, expired
   * entries leave when their stream is next appended to; reads never return them either way.
   */
  ttlIndex: boolean;
}

/** The MongoDB implementation of `MessageStore`. Create it with {@link createMongoStore}. */
export class MongoMessageStore extends DriverStore {
  /** The mongoose models Roomlog registered on the connection (for inspection and your own queries). */
  readonly models: RoomlogModels;
  readonly #driver: MongoDriver;

  /**
   * @param connection - the app's mongoose connection; not closed by `close()` unless `closeConnection` is set.
   * @param options - collection prefix, retention, payload limit, clock, strategy.
   */
  constructor(connection: Connection, options: MongoStoreOptions = {}) {
    const driver = new MongoDriver(connection, resolveMongoOptions(options));
    super(driver);
    this.#driver = driver;
    this.models = driver.models;
  }

  /**
   * Creates the collections' indexes (and, under the `'mongodb'` strategy, the TTL index). Call
   * it once at startup, before the first append: seq allocation and idempotency rely on the
   * unique indexes. Idempotent, and safe when several nodes call it at once.
   */
  init(): Promise<InitReport> {
    return this.guarded(() => this.#driver.init());
  }
}

/** What is particular to MongoDB: its documents, its queries, and the server it talks to. */
class MongoDriver implements StoreDriver {
  readonly name = BACKEND;
  readonly retention = true;
  readonly models: RoomlogModels;
  readonly #ctx: StoreContext;

  constructor(
    private readonly connection: Connection,
    readonly options: ResolvedMongoOptions,
  ) {
    this.models = registerModels(connection, options.collectionPrefix);
    const { messages, streams } = this.models;
    this.#ctx = { messages, streams, server: connectServer(connection, messages, options.strategy), options };
  }

  classify(error: unknown) {
    return classifyMongoError(error);
  }

  async init(): Promise<InitReport> {
    await createIndexes(this.models);
    const { strategy } = await this.#ctx.server.profile();
    const ttlIndex = strategy === 'mongodb' && this.options.ttlIndex && (await createTtlIndex(this.models.messages));
    return { ttlIndex };
  }

  async append(prepared: PreparedBatch): Promise<Map<number, AppendResult>> {
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
        const { results, headSeq, hint } = await appendToStream(this.#ctx, group, entries);
        for (let i = 0; i < results.length; i++) {
          const { doc, duplicate } = results[i]!;
          written.set(group.messages[i]!.index, { message: toStoredMessage(doc), duplicate });
        }
        await this.#afterAppend(group, headSeq, prepared.createdAt, hint);
      }),
    );
    return written;
  }

  read(stream: StreamRef, query: NormalizedReadQuery): Promise<DriverPage | null> {
    return readStream(this.#ctx, stream, query, this.options.now());
  }

  head(stream: StreamRef): Promise<StreamHead | null> {
    return currentHead(this.#ctx, stream, this.options.now());
  }

  /** Edits or deletes message `seq` in place, then appends the log entry that tells syncing clients. */
  async change(ref: StreamRef, { kind, seq: target, by, payload }: DriverChange): Promise<StoredMessage | null> {
    const now = this.options.now();
    // Under the lease the version bump and the log entry happen in the same order on every node,
    // so the target always holds the data of its newest log entry.
    return withLease(this.models.locks, entryKey(streamId(ref), target), async () => {
      const { $set, $unset } = setDataUpdate(dataFields(payload, (await this.#ctx.server.profile()).rules));
      const stamp = kind === 'edit' ? { editedAt: asDate(now) } : { deletedAt: asDate(now) };
      const updated = await this.#changeInPlace(ref, target, now, { $set: { ...$set, ...stamp }, $unset });
      if (!updated) return null;
      const entry: NewEntry = {
        id: newMessageId(),
        event: updated.event,
        payload,
        senderId: by,
        clientMessageId: null,
        createdAt: now,
        kind,
        target,
        expiresAt: null,
      };
      const { headSeq, hint } = await appendToStream(this.#ctx, ref, [entry]);
      await this.#afterAppend(ref, headSeq, now, hint);
      return toStoredMessage(updated);
    });
  }

  async setCursor(ref: StreamRef, user: string, wanted: number): Promise<number> {
    const [newest, current] = await Promise.all([findHead(this.#ctx, ref), this.getCursor(ref, user)]);
    const next = Math.min(wanted, newest?.seq ?? 0);
    if (next <= current) return current;
    // Inserting the higher value (never updating) keeps the marker monotonic even on FerretDB,
    // whose updates are not atomic; a concurrent insert of the same value is a no-op.
    await this.models.cursors.insertOne({ namespace: ref.namespace, room: ref.room, userId: user, seq: next }).catch(ignoreDuplicateKey);
    await this.models.cursors.deleteMany({ ...streamFilter(ref), userId: { $eq: user }, seq: { $lt: next } });
    return next;
  }

  async getCursor(ref: StreamRef, user: string): Promise<number> {
    const doc = await this.models.cursors.findOne(
      { ...streamFilter(ref), userId: { $eq: user } },
      { sort: { seq: -1 }, projection: { _id: 0, seq: 1 } },
    );
    return doc?.seq ?? 0;
  }

  async unreadCount(ref: StreamRef, user: string): Promise<number> {
    const [newest, cursor] = await Promise.all([findHead(this.#ctx, ref), this.getCursor(ref, user)]);
    if (!newest) return 0;
    // Bounded work, whatever the stream's size: at most UNREAD_SCAN_LIMIT seqs after the marker
    // (or after the oldest retained entry, when the marker is below it) are counted.
    const from = Math.max(cursor, countFloor(this.options, newest.seq) - 1);
    return this.models.messages.countDocuments({
      ...streamFilter(ref),
      seq: { $gt: from, $lte: from + UNREAD_SCAN_LIMIT },
      kind: { $eq: 'message' },
      deletedAt: { $eq: null },
      senderId: { $ne: user },
      ...liveFilter(this.options, this.options.now()),
    });
  }

  async eraseSender(sender: string): Promise<number> {
    const now = this.options.now();
    const mine = { senderId: { $eq: sender }, deletedAt: { $eq: null } };
    if (this.options.maxCount !== null || this.options.maxAgeMs !== null) {
      // What retention already removed is not erased: trim the sender's streams first, as an append would.
      const streams = new Map<string, StreamRef>();
      for (const doc of await this.models.messages.find(mine, { projection: { _id: 0, namespace: 1, room: 1 } }).toArray()) {
        streams.set(streamId(doc), { namespace: doc.namespace, room: doc.room });
      }
      for (const ref of streams.values()) {
        const newest = await findHead(this.#ctx, ref);
        if (!newest) continue;
        // The hint first, as after an append: the head found may be one whose writer has not recorded it yet.
        await recordHead(this.#ctx, ref, newest.seq);
        await trimStream(this.#ctx, ref, newest.seq, now);
      }
    }
    const erase = { $set: { data: null, deletedAt: new Date(now) }, $unset: { payload: '' as const }, $inc: { version: 1 } };
    const live = await this.models.messages.updateMany({ ...mine, ...liveFilter(this.options, now) }, erase);
    // Expired entries not swept yet lose their data too, uncounted: it must not outlive an erasure.
    await this.models.messages.updateMany(mine, erase);
    return live.modifiedCount;
  }

  async close(): Promise<void> {
    if (this.options.closeConnection) await this.connection.close();
  }

  ping(): Promise<void> {
    return pingMongo(this.connection, this.models);
  }

  importEntries(batch: PreparedImport): Promise<ImportResult> {
    return importIntoMongo(this.#ctx, batch, (ref) => this.head(ref));
  }

  listStreams(query: { after: string | null; limit: number }): Promise<StreamList> {
    return listMongoStreams(this.#ctx, query, (ref) => this.head(ref));
  }

  dropStream(stream: StreamRef): Promise<boolean> {
    return dropMongoStream(this.models, stream);
  }

  listCursors(stream: StreamRef, query: { after: string | null; limit: number }): Promise<CursorList> {
    return listMongoCursors(this.models, stream, query);
  }

  /**
   * Applies `changes` to message `target` if it is a live, undeleted message. Runs under the
   * message's lease, so the read and the update by `_id` need no further guard.
   * @returns the updated document, or `null` when there is no such message.
   */
  async #changeInPlace(ref: StreamRef, target: number, now: number, changes: ChangeUpdate): Promise<MessageDocument | null> {
    const newest = await findHead(this.#ctx, ref);
    if (!newest || target < countFloor(this.options, newest.seq) || target > newest.seq) return null;
    const _id = entryKey(streamId(ref), target);
    const [doc] = await this.#ctx.server.fetchByIds([_id]);
    if (doc?.kind !== 'message' || doc.deletedAt !== null) return null;
    if (!isLiveDoc(doc, now, ageCutoff(this.options, now))) return null;
    return this.models.messages.findOneAndUpdate({ _id }, { ...changes, $inc: { version: 1 } }, { returnDocument: 'after' });
  }

  /**
   * Trims, then sweeps TTL-expired entries once the stream's `ttlDue` (kept in its hint document,
   * so it does not matter which instance wrote them) has passed. The head hint is raised first
   * (by the append's own insert, or here when it inserted nothing), so no trim or sweep ever runs
   * ahead of a hint: the proof that an insert took a seq nobody had relies on it (`writes.ts`).
   *
   * @param hint - the hint document as the append's last insert left it, or `null` when it inserted nothing.
   */
  async #afterAppend(ref: StreamRef, headSeq: number, now: number, hint: StreamDocument | null): Promise<void> {
    if (headSeq === 0) return;
    const sid = streamId(ref);
    if (hint === null) await recordHead(this.#ctx, ref, headSeq);
    await trimStream(this.#ctx, ref, headSeq, now);
    const due = hint ? hint.ttlDue : (await this.#ctx.streams.findOne({ _id: sid }, { projection: { _id: 0, ttlDue: 1 } }))?.ttlDue;
    if (due === undefined || due === null || due > now) return;
    const next = await sweepExpired(this.#ctx, ref, headSeq, now);
    // Conditional on the value read: an earlier expiry another writer recorded meanwhile stands.
    await this.#ctx.streams.updateOne({ _id: sid, ttlDue: due }, next === null ? { $unset: { ttlDue: '' } } : { $set: { ttlDue: next } });
  }
}

/** An in-place edit or delete: the new data fields and stamp, and the form of data they replace. */
interface ChangeUpdate {
  $set: Record<string, unknown>;
  $unset: Record<string, ''>;
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
