/**
 * Seq allocation by unique insert, the one write both MongoDB and FerretDB make atomic.
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
 * Why not a counter document and `$inc`: FerretDB v1 applies updates as read-modify-write
 * without isolation (`$inc` from 4 connections lost most increments when measured here), and a
 * counter leaves a hole whenever a duplicate races past a pre-check. A writer that lost a race
 * backs off a few random milliseconds before it tries again.
 */
import { type ResolvedStoreOptions, RoomlogError, type StreamRef, ageCutoff, countFloor, isLive, newEpoch } from '@roomlog/core';
import { type MessageDocument, clientKey, ownKey, retiredKey } from './documents';
import { type HeadContext, findHead } from './head';
import { entryKey, streamId } from './keys';
import { BACKEND } from './options';
import { streamFilter } from './queries';

/** An entry to append, everything but its place in the stream. */
export interface NewEntry {
  id: string;
  event: string;
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
  /** Position in the caller's list. */
  index: number;
}

/**
 * Appends entries to one stream in order; they get consecutive seqs unless another writer's
 * duplicate-key race splits them (see the package docs).
 *
 * @returns one result per entry, in input order, and the highest seq this call saw stored.
 * @throws whatever the driver throws (the store classifies it), or `UNAVAILABLE` after {@link MAX_ATTEMPTS} lost races.
 */
export async function appendToStream(
  ctx: HeadContext,
  options: ResolvedStoreOptions,
  stream: StreamRef,
  entries: readonly NewEntry[],
): Promise<{ results: Appended[]; headSeq: number }> {
  const sid = streamId(stream);
  const results: Appended[] = new Array(entries.length);
  let pending: Pending[] = entries.map((entry, index) => ({ entry, index }));
  let headSeq = 0;
  let ownInserted = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) {
      throw new RoomlogError('UNAVAILABLE', `gave up after ${MAX_ATTEMPTS} lost races for the next seq; retry`, {
        backend: BACKEND,
        cause: new Error('seq contention'),
      });
    }
    if (attempt > 1) await backoff(attempt);
    const head = await findHead(ctx, stream);
    headSeq = head?.seq ?? 0;
    const epoch = head?.epoch ?? newEpoch();
    const docs = pending.map(({ entry }, i) => toDocument(sid, stream, entry, headSeq + 1 + i, epoch));
    const inserted = await insertPrefix(ctx, docs);
    for (let i = 0; i < inserted; i++) results[pending[i]!.index] = { doc: docs[i]!, duplicate: false };
    if (inserted > 0) headSeq = docs[inserted - 1]!.seq;
    ownInserted += inserted;
    pending = pending.slice(inserted);
    if (pending.length === 0) break;
    // The entry at `inserted` was refused. Without a clientMessageId only its seq can clash;
    // with one, a free seq means the clientMessageId did.
    if (pending[0]!.entry.clientMessageId === null) continue;
    const [taken] = await ctx.fetchByIds([docs[inserted]!._id]);
    if (!taken) pending = await settleDuplicates(ctx, options, stream, pending, results, ownInserted);
  }
  return { results, headSeq };
}

function toDocument(sid: string, stream: StreamRef, entry: NewEntry, seq: number, epoch: string): MessageDocument {
  return {
    _id: entryKey(sid, seq),
    id: entry.id,
    namespace: stream.namespace,
    room: stream.room,
    seq,
    epoch,
    event: entry.event,
    payload: entry.payload,
    senderId: entry.senderId,
    clientMessageId: entry.clientMessageId,
    dedupeKey: entry.clientMessageId === null ? ownKey(entry.id) : clientKey(entry.clientMessageId),
    createdAt: entry.createdAt,
    kind: entry.kind,
    target: entry.target,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: entry.expiresAt,
  };
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
  ctx: HeadContext,
  options: ResolvedStoreOptions,
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
    if (original.seq >= floor && isLive(original.createdAt, original.expiresAt, now, ageCutoff(options, now))) {
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
async function insertPrefix(ctx: HeadContext, docs: MessageDocument[]): Promise<number> {
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

/** A short random pause after a lost race, so writers in lockstep spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(5 * attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
