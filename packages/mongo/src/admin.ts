/**
 * The operations side of the MongoDB store: the readiness check, importing entries with their
 * own seq, id, epoch and times, listing streams (from the head-hint documents, which name
 * them) and dropping a stream. Kept apart from the append/read path, which these never touch.
 */
import {
  type CursorList,
  type ImportResult,
  type PreparedImport,
  RoomlogError,
  type StreamHead,
  type StreamInfo,
  type StreamList,
  type StreamRef,
  decodeUserCursor,
  encodeUserCursor,
  entriesToWrite,
  invalidStreamCursor,
} from '@roomlog/core';
import type { Connection } from 'mongoose';
import type { StoreContext } from './context';
import { type MessageDocument, asDate, clientKey, dataFields, ownKey } from './documents';
import { streamFilter } from './filters';
import { entryKey, streamId } from './keys';
import { BACKEND } from './options';
import { findHead } from './reads';
import type { RoomlogModels } from './schema';
import { recordHead } from './writes';

/** The indexes every write relies on, by collection (what `init()` creates). */
const REQUIRED_INDEXES = { messages: ['stream_seq', 'stream_dedupe', 'sender'], cursors: ['stream_user_seq'] } as const;

/**
 * One round trip to the server, then the unique indexes appends and idempotency rely on.
 * @throws RoomlogError `INTERNAL` naming the missing indexes (run `store.init()`).
 */
export async function pingMongo(connection: Connection, models: RoomlogModels): Promise<void> {
  const db = connection.db;
  if (!db) throw new RoomlogError('UNAVAILABLE', 'the mongoose connection is not open', { backend: BACKEND, cause: new Error('no db') });
  await db.command({ ping: 1 });
  const missing: string[] = [];
  for (const [collection, names] of Object.entries(REQUIRED_INDEXES) as [keyof typeof REQUIRED_INDEXES, readonly string[]][]) {
    // A collection never created has no indexes: listIndexes answers "ns does not exist".
    const present = new Set((await models[collection].indexes().catch(() => [])).map((index) => index.name));
    for (const name of names) if (!present.has(name)) missing.push(`${models[collection].collectionName}.${name}`);
  }
  if (missing.length > 0) {
    throw new RoomlogError('INTERNAL', `Roomlog's indexes are missing (${missing.join(', ')}): run store.init()`, {
      backend: BACKEND,
      cause: new Error(`missing indexes: ${missing.join(', ')}`),
    });
  }
}

/**
 * Writes a validated import. The head hint is raised before the insert: a hint above what
 * exists sends head lookups to the index, so an insert that fails halfway still leaves a head
 * that tells a re-run where to go on. Entries carry the stream's epoch, which is what a head
 * lookup reads off the newest one.
 */
export async function importIntoMongo(
  ctx: StoreContext,
  batch: PreparedImport,
  head: (ref: StreamRef) => Promise<StreamHead | null>,
): Promise<ImportResult> {
  const ref = { namespace: batch.namespace, room: batch.room };
  const newest = await findHead(ctx, ref);
  const toWrite = entriesToWrite(BACKEND, batch, newest);
  if (toWrite.length > 0) {
    const sid = streamId(ref);
    const { rules } = await ctx.server.profile();
    await recordHead(ctx, ref, toWrite.at(-1)!.seq);
    const docs: MessageDocument[] = toWrite.map((entry) => ({
      _id: entryKey(sid, entry.seq),
      id: entry.id,
      namespace: ref.namespace,
      room: ref.room,
      seq: entry.seq,
      epoch: batch.epoch,
      event: entry.event,
      ...dataFields(entry.payload, rules),
      senderId: entry.senderId,
      clientMessageId: entry.clientMessageId,
      dedupeKey: entry.kind === 'message' && entry.clientMessageId !== null ? clientKey(entry.clientMessageId) : ownKey(entry.id),
      createdAt: asDate(entry.createdAt),
      kind: entry.kind,
      target: entry.target,
      version: entry.version,
      editedAt: asDate(entry.editedAt),
      deletedAt: asDate(entry.deletedAt),
      expiresAt: asDate(entry.expiresAt),
    }));
    await ctx.messages.insertMany(docs, { ordered: true });
    // Imported entries with an expiry are swept like appended ones: the stream's `ttlDue`
    // (recorded once they are written, so a sweep running meanwhile cannot clear it first).
    const expiries = toWrite.flatMap((entry) => (entry.expiresAt === null ? [] : [entry.expiresAt]));
    if (expiries.length > 0) await recordHead(ctx, ref, toWrite.at(-1)!.seq, Math.min(...expiries));
  }
  return { imported: toWrite.length, skipped: batch.entries.length - toWrite.length, head: await head(ref) };
}

const SID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A page of streams in stream-id order, from the head-hint documents. */
export async function listMongoStreams(
  ctx: StoreContext,
  { after, limit }: { after: string | null; limit: number },
  head: (ref: StreamRef) => Promise<StreamHead | null>,
): Promise<StreamList> {
  if (after !== null && !SID_PATTERN.test(after)) throw invalidStreamCursor(BACKEND);
  const hints = await ctx.streams
    .find(after === null ? {} : { _id: { $gt: after } }, { sort: { _id: 1 }, limit, projection: { namespace: 1, room: 1 } })
    .toArray();
  const streams: StreamInfo[] = [];
  for (const hint of hints) {
    const ref = { namespace: hint.namespace, room: hint.room };
    const current = await head(ref);
    if (current !== null) streams.push({ ...ref, head: current });
  }
  return { streams, next: hints.length === limit ? hints.at(-1)!._id : null };
}

/**
 * A page of a stream's read markers in user order. A marker moves by inserting its higher seq
 * and then deleting the lower ones (see `setCursor`), so a user may briefly have two
 * documents: sorted by seq descending within a user, the first is the marker, the rest are
 * passed over. A page cut inside one user's documents has seen that user's marker already.
 */
export async function listMongoCursors(
  models: RoomlogModels,
  ref: StreamRef,
  { after, limit }: { after: string | null; limit: number },
): Promise<CursorList> {
  const from = after === null ? null : decodeUserCursor(BACKEND, after);
  const docs = await models.cursors
    .find(
      { ...streamFilter(ref), ...(from === null ? {} : { userId: { $gt: from } }) },
      { sort: { userId: 1, seq: -1 }, limit, projection: { _id: 0, userId: 1, seq: 1 } },
    )
    .toArray();
  const cursors: { userId: string; seq: number }[] = [];
  for (const doc of docs) if (cursors.at(-1)?.userId !== doc.userId) cursors.push({ userId: doc.userId, seq: doc.seq });
  return { cursors, next: docs.length === limit ? encodeUserCursor(docs.at(-1)!.userId) : null };
}

/** Removes a stream's entries, read markers and head hint; `true` when it had entries. */
export async function dropMongoStream(models: RoomlogModels, ref: StreamRef): Promise<boolean> {
  const { deletedCount } = await models.messages.deleteMany(streamFilter(ref));
  await models.cursors.deleteMany(streamFilter(ref));
  await models.streams.deleteOne({ _id: streamId(ref) });
  return deletedCount > 0;
}
