/**
 * Every write to the messages and streams collections: appending (seq allocation by unique
 * insert, the one write both MongoDB and FerretDB make atomic), the head hint, and retention's
 * deletes.
 *
 * An append finds the stream's head and inserts its entries at `head + 1, head + 2, ...` with
 * one ordered `insertMany`; the `_id` of an entry is `<stream id>:<seq>`, so exactly one of
 * several concurrent writers takes a seq and a loser gets a duplicate-key error, finds the new
 * head and tries again with what it has left. So:
 *
 * - seqs are gapless even across crashes: a seq exists only as an inserted document;
 * - a seq becomes visible only after every lower one (its writer saw that one as the head), so
 *   a reader never sees `n + 1` before `n`;
 * - idempotency rides the same insert: the unique index on `(namespace, room, dedupeKey)`
 *   refuses a second copy of a `clientMessageId`; only then are the originals looked up, so an
 *   append without duplicates does no lookup, and a race between two senders of the same id
 *   burns no seq.
 *
 * A unique insert only refuses a seq that is stored *now*. Retention deletes entries (the front
 * by count or age, TTL-expired ones anywhere but the newest), so a writer that found head `h`,
 * then stalled while other nodes appended past `h + 1` and retention deleted it, would insert
 * into the freed slot: a seq already delivered with another message, its own message never
 * readable. So every insert is confirmed before it counts ({@link confirmInsert}): the round
 * trip that raises the head hint tells whether anything was appended above it, and only then
 * does the writer look at the entry above its last one, which records in `prev` the id of the
 * entry it was inserted after.
 *
 * Why not a counter document and `$inc`: FerretDB v1 applies updates as read-modify-write
 * without isolation (`$inc` from 4 connections lost most increments when measured here), and a
 * counter leaves a hole whenever a duplicate races past a pre-check. A writer that lost a race
 * backs off a few random milliseconds before it tries again.
 */
import { RoomlogError, type StreamRef, ageCutoff, backoff, countFloor, newEpoch } from '@roomlog/core';
import type { StoreContext } from './context';
import {
  type DataFields,
  type MessageDocument,
  type StreamDocument,
  asDate,
  clientKey,
  dataFields,
  millis,
  ownKey,
  retiredKey,
} from './documents';
import { isLiveDoc, streamFilter } from './filters';
import { entryKey, streamId } from './keys';
import { BACKEND } from './options';
import { type HeadEntry, findHead, firstSeqAt } from './reads';

/** An entry to append, everything but its place in the stream. */
export interface NewEntry {
  id: string;
  event: string;
  /** The codec's encoded data, `null` for none (a delete's log entry). */
  payload: string | null;
  senderId: string | null;
  clientMessageId: string | null;
  createdAt: number;
  kind: MessageDocument['kind'];
  target: number | null;
  expiresAt: number | null;
}

/** What became of one entry. */
export interface Appended {
  /** The stored document: the new one, or the original it duplicates. */
  doc: MessageDocument;
  duplicate: boolean;
}

/** Attempts before an append under extreme contention gives up with `UNAVAILABLE` (safe to retry). */
const MAX_ATTEMPTS = 200;

/** MongoDB's duplicate-key error code. */
const DUPLICATE_KEY = 11000;

interface Pending {
  entry: NewEntry;
  /** How the entry's data is stored on this server. */
  data: DataFields;
  /** Position in the caller's list. */
  index: number;
}

/**
 * Appends entries to one stream in order; they get consecutive seqs unless another writer's
 * duplicate-key race splits them (see the package docs).
 *
 * @returns one result per entry, in input order; the highest seq this call saw stored; the
 *   stream's hint document as this call's last insert left it (`null` if it inserted nothing).
 * @throws whatever the driver throws (the store classifies it), or `UNAVAILABLE` after {@link MAX_ATTEMPTS} lost races.
 */
export async function appendToStream(
  ctx: StoreContext,
  stream: StreamRef,
  entries: readonly NewEntry[],
): Promise<{ results: Appended[]; headSeq: number; hint: StreamDocument | null }> {
  const sid = streamId(stream);
  const results: Appended[] = new Array(entries.length);
  const { rules, strategy } = await ctx.server.profile();
  let pending: Pending[] = entries.map((entry, index) => ({ entry, index, data: dataFields(entry.payload, rules) }));
  const stamping = strategy === 'mongodb' && ctx.options.ttlIndex;
  let headSeq = 0;
  let ownInserted = 0;
  let hint: StreamDocument | null = null;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) {
      throw new RoomlogError('UNAVAILABLE', `gave up after ${MAX_ATTEMPTS} lost races for the next seq; retry`, {
        backend: BACKEND,
        cause: new Error('seq contention'),
      });
    }
    // A short random pause after a lost race, so writers in lockstep spread out instead of colliding again.
    if (attempt > 1) await backoff(attempt - 1);
    const head = await findHead(ctx, stream);
    headSeq = head?.seq ?? 0;
    const epoch = head?.epoch ?? newEpoch();
    let prev = head?.id ?? null;
    const docs = pending.map(({ entry, data }, i) => {
      const doc = toDocument(sid, stream, entry, data, headSeq + 1 + i, epoch, prev);
      prev = doc.id;
      return doc;
    });
    const inserted = await insertPrefix(ctx, docs);
    if (inserted > 0) {
      const mine = docs.slice(0, inserted);
      const confirmed = await confirmInsert(ctx, stream, mine);
      hint = confirmed.hint;
      if (!confirmed.ok) {
        // Landed in freed seqs: take the entries back and append them again above the real head.
        await takeBack(ctx, mine);
        continue;
      }
    }
    if (stamping && inserted > 0) await stampSuperseded(ctx, sid, head, docs.slice(0, inserted - 1));
    for (let i = 0; i < inserted; i++) results[pending[i]!.index] = { doc: docs[i]!, duplicate: false };
    if (inserted > 0) headSeq = docs[inserted - 1]!.seq;
    ownInserted += inserted;
    pending = pending.slice(inserted);
    if (pending.length === 0) break;
    // The entry at `inserted` was refused. Without a clientMessageId only its seq can clash;
    // with one, a free seq means the clientMessageId did.
    if (pending[0]!.entry.clientMessageId === null) continue;
    const [taken] = await ctx.server.fetchByIds([docs[inserted]!._id]);
    if (!taken) pending = await settleDuplicates(ctx, stream, pending, results, ownInserted);
  }
  return { results, headSeq, hint };
}

function toDocument(
  sid: string,
  stream: StreamRef,
  entry: NewEntry,
  data: DataFields,
  seq: number,
  epoch: string,
  prev: string | null,
): MessageDocument {
  // Field order is the order a user sees in the shell: identity, then the message, then bookkeeping.
  return {
    _id: entryKey(sid, seq),
    id: entry.id,
    namespace: stream.namespace,
    room: stream.room,
    seq,
    epoch,
    event: entry.event,
    ...data,
    senderId: entry.senderId,
    clientMessageId: entry.clientMessageId,
    dedupeKey: entry.clientMessageId === null ? ownKey(entry.id) : clientKey(entry.clientMessageId),
    createdAt: asDate(entry.createdAt),
    kind: entry.kind,
    target: entry.target,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: asDate(entry.expiresAt),
    prev,
  };
}

/**
 * Tells whether `mine`, just inserted in order, took seqs nobody had before (`ok`), after
 * raising the head hint to its last seq (and `ttlDue` to its earliest expiry).
 *
 * Why it decides: retention deletes an entry only after the appender above it raised the hint
 * past it (see `#afterAppend`), and the hint only rises. So if `mine` landed in freed seqs, the
 * hint stood above them before the insert: a hint not above `mine` proves the seqs new, at the
 * cost of the round trip the hint update takes anyway. Above it, some entry was appended later
 * (or `mine` is in freed seqs), and the entry above the last of `mine` tells: inserted after it
 * (its `prev` names it), or after the entry that held the seq before (another `prev`), or gone.
 * Gone means retention deleted it, so `mine` is already below the retained entries either way
 * (or next to a TTL-swept one); it is appended again, as a retry of an expired message would be,
 * and only an entry pushed out of retention before its own append returned can be stored twice
 * that way.
 */
async function confirmInsert(
  ctx: StoreContext,
  stream: StreamRef,
  mine: readonly MessageDocument[],
): Promise<{ ok: boolean; hint: StreamDocument }> {
  const last = mine.at(-1)!;
  let ttlDue: number | null = null;
  for (const doc of mine) if (doc.expiresAt !== null) ttlDue = Math.min(ttlDue ?? Number.POSITIVE_INFINITY, doc.expiresAt.getTime());
  const hint = await raiseHint(ctx, stream, last.seq, ttlDue);
  if (hint.seq <= last.seq) return { ok: true, hint };
  const [next] = await ctx.server.fetchByIds([entryKey(streamId(stream), last.seq + 1)]);
  return { ok: next !== undefined && insertedAfter(next, last), hint };
}

/** Whether `next` was inserted after `doc`; `true` for an entry whose writer did not record it (imported). */
function insertedAfter(next: MessageDocument, doc: MessageDocument): boolean {
  return next.prev === undefined || next.prev === doc.id;
}

/** Deletes entries {@link confirmInsert} refused, each only if it is still this call's own. */
async function takeBack(ctx: StoreContext, mine: readonly MessageDocument[]): Promise<void> {
  await Promise.all(mine.map((doc) => ctx.messages.deleteOne({ _id: doc._id, id: { $eq: doc.id } })));
}

/**
 * Stamps the entries an insert just superseded (the head it inserted above, and its own entries
 * but the last) with `purgeAt`, the time they expire, for the TTL index (see `indexes.ts`). Only
 * superseded entries get one: the newest entry of a stream is the only record of its last seq
 * and epoch, so the TTL monitor must never take it. After the insert, never with it: an insert
 * cut short by a race, then a crash, leaves its last stored entry as the newest, unstamped.
 * Entries that expire by no rule get no stamp and cost no write.
 */
async function stampSuperseded(ctx: StoreContext, sid: string, head: HeadEntry | null, own: readonly MessageDocument[]): Promise<void> {
  const entries: Array<{ _id: string; createdAt: Date; expiresAt: Date | null }> = [...own];
  if (head) entries.unshift({ _id: entryKey(sid, head.seq), createdAt: head.createdAt, expiresAt: head.expiresAt });
  const stamps = [];
  for (const entry of entries) {
    const purgeAt = purgeTime(ctx.options.maxAgeMs, entry.createdAt, entry.expiresAt);
    if (purgeAt !== null) stamps.push({ updateOne: { filter: { _id: entry._id }, update: { $set: { purgeAt } } } });
  }
  if (stamps.length > 0) await ctx.messages.bulkWrite(stamps, { ordered: false });
}

/** When an entry expires by `maxAgeMs` or its own `ttlMs`, whichever comes first; `null` when by neither. */
export function purgeTime(maxAgeMs: number | null, createdAt: Date, expiresAt: Date | null): Date | null {
  const aged = maxAgeMs === null ? null : createdAt.getTime() + maxAgeMs;
  const due = expiresAt === null ? aged : aged === null ? expiresAt.getTime() : Math.min(aged, expiresAt.getTime());
  return due === null ? null : new Date(due);
}

/**
 * Resolves pending entries whose `clientMessageId` is already stored (one query for all): a
 * retained original makes the entry a duplicate; an expired one gives its key up and stays,
 * invisible, until trimmed. "Retained" is judged as the call found the stream: the count floor
 * leaves out the `ownInserted` entries this call stored, so a batch's new messages never push
 * out the original of a retry in the same batch (the contract's rule 4).
 *
 * @returns the entries still to insert, in order.
 */
async function settleDuplicates(
  ctx: StoreContext,
  stream: StreamRef,
  pending: readonly Pending[],
  results: Appended[],
  ownInserted: number,
): Promise<Pending[]> {
  const keys: string[] = [];
  for (const { entry } of pending) if (entry.clientMessageId !== null) keys.push(clientKey(entry.clientMessageId));
  if (keys.length === 0) return [...pending];
  const [originals, head] = await Promise.all([
    ctx.messages.find({ ...streamFilter(stream), dedupeKey: { $in: keys } }).toArray(),
    findHead(ctx, stream),
  ]);
  const byKey = new Map(originals.map((doc) => [doc.dedupeKey, doc]));
  const { options } = ctx;
  const floor = countFloor(options, (head?.seq ?? 0) - ownInserted);
  const fresh: Pending[] = [];
  const expired: MessageDocument[] = [];
  for (const item of pending) {
    const original = item.entry.clientMessageId === null ? undefined : byKey.get(clientKey(item.entry.clientMessageId));
    if (!original) {
      fresh.push(item);
      continue;
    }
    const now = item.entry.createdAt;
    if (original.seq >= floor && isLiveDoc(original, now, ageCutoff(options, now))) {
      results[item.index] = { doc: original, duplicate: true };
    } else {
      expired.push(original);
      fresh.push(item);
    }
  }
  if (expired.length > 0) {
    // Conditional on the key, so a writer that retired it first is not undone; a new original
    // racing in shows up as another duplicate-key error and the next round finds it.
    await ctx.messages.bulkWrite(
      expired.map((doc) => ({
        updateOne: { filter: { _id: doc._id, dedupeKey: { $eq: doc.dedupeKey } }, update: { $set: { dedupeKey: retiredKey(doc.id) } } },
      })),
      { ordered: false },
    );
  }
  return fresh;
}

/**
 * Inserts `docs` in order and stops at the first one whose seq or dedupe key is taken.
 * @returns how many were inserted (a prefix).
 */
async function insertPrefix(ctx: StoreContext, docs: MessageDocument[]): Promise<number> {
  try {
    await ctx.messages.insertMany(docs, { ordered: true });
    return docs.length;
  } catch (error) {
    const first = firstWriteError(error);
    if (first?.code === DUPLICATE_KEY) return first.index;
    throw error;
  }
}

/** The first write error of a bulk error, read by shape (the driver may be another copy than ours). */
function firstWriteError(error: unknown): { code: number; index: number } | null {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors === undefined ? [] : [writeErrors];
  let first: { code: number; index: number } | null = null;
  for (const item of list as Array<{ code?: unknown; index?: unknown }>) {
    if (typeof item.code !== 'number' || typeof item.index !== 'number') continue;
    if (first === null || item.index < first.index) first = { code: item.code, index: item.index };
  }
  return first;
}

/**
 * Raises the stream's hint to `seq` after an append, and lowers its `ttlDue` to `ttlDue` when
 * the append wrote entries with a `ttlMs`. `$max` is atomic on MongoDB; on FerretDB a race may
 * leave it lower, which costs a later lookup a few probes, never correctness.
 */
export async function recordHead(ctx: StoreContext, stream: StreamRef, seq: number, ttlDue: number | null = null): Promise<void> {
  await ctx.streams.updateOne({ _id: streamId(stream) }, hintUpdate(stream, seq, ttlDue), { upsert: true }).catch((error: unknown) => {
    // Two first appends created the hint at once; the other one's value stands.
    if ((error as { code?: unknown } | null)?.code !== DUPLICATE_KEY) throw error;
  });
}

/** {@link recordHead}, answering with the hint document it left. */
async function raiseHint(ctx: StoreContext, stream: StreamRef, seq: number, ttlDue: number | null): Promise<StreamDocument> {
  const raise = () =>
    ctx.streams.findOneAndUpdate({ _id: streamId(stream) }, hintUpdate(stream, seq, ttlDue), { upsert: true, returnDocument: 'after' });
  const doc = await raise().catch((error: unknown) => {
    // Two first appends created the hint at once: the document exists now, so raise it again.
    if ((error as { code?: unknown } | null)?.code !== DUPLICATE_KEY) throw error;
    return raise();
  });
  if (!doc) throw new Error(`the head hint of ${streamId(stream)} was not returned by an upsert`);
  return doc;
}

function hintUpdate(stream: StreamRef, seq: number, ttlDue: number | null) {
  return {
    $max: { seq },
    $setOnInsert: { namespace: stream.namespace, room: stream.room },
    ...(ttlDue === null ? {} : { $min: { ttlDue } }),
  };
}

/**
 * Retention's deletes. Expired entries are filtered out of every read (deletion is lazy); each
 * append deletes the expired front of its stream with one bounded delete ({@link trimStream}),
 * and entries expired by their own `ttlMs` are swept once one is due ({@link sweepExpired}).
 *
 * The newest entry of a stream is never deleted: it is the only record of the stream's last seq
 * and epoch (seqs are allocated by unique insert), so deleting it would make the next append start
 * again at seq 1 — a reused seq, which rule 8 forbids.
 */
export async function trimStream(ctx: StoreContext, stream: StreamRef, headSeq: number, now: number): Promise<void> {
  const { options } = ctx;
  if (options.maxCount === null && options.maxAgeMs === null) return;
  const keepFrom = Math.min(await firstSeqAt(ctx, stream, headSeq, now), headSeq);
  if (keepFrom <= 1) return;
  await ctx.messages.deleteMany({ ...streamFilter(stream), seq: { $lt: keepFrom } });
}

/**
 * Deletes the stream's entries whose own `ttlMs` ran out (never the newest entry), wherever they
 * are, and tells when the next one is due. The store runs it only once the stream's recorded
 * `ttlDue` has passed (whichever instance wrote the entries), so streams without `ttlMs` never
 * pay for it.
 *
 * @returns the earliest `expiresAt` (ms) still ahead in the stream, or `null` when none is.
 */
export async function sweepExpired(ctx: StoreContext, stream: StreamRef, headSeq: number, now: number): Promise<number | null> {
  const at = new Date(now);
  await ctx.messages.deleteMany({ ...streamFilter(stream), expiresAt: { $lte: at }, seq: { $lt: headSeq } });
  const next = await ctx.messages.findOne(
    { ...streamFilter(stream), expiresAt: { $gt: at } },
    { sort: { expiresAt: 1 }, projection: { _id: 0, expiresAt: 1 } },
  );
  return next?.expiresAt ? millis(next.expiresAt) : null;
}
