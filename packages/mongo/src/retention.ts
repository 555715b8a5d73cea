/**
 * Retention on MongoDB and FerretDB: expired entries are filtered out of every read (deletion is
 * lazy), each append deletes the expired front of its stream with one bounded delete, and
 * entries expired by their own `ttlMs` are swept once one is due.
 *
 * There is deliberately no TTL index. The newest entry of a stream is the only record of its last
 * seq and epoch (seqs are allocated by unique insert, see `append.ts`); a TTL monitor would delete
 * it once a quiet room aged out, and the next append would start again at seq 1 — a reused seq,
 * which rule 8 forbids. Roomlog's trimming keeps that entry. (FerretDB v1 has no TTL indexes
 * anyway: `createIndexes` with `expireAfterSeconds` answers `NotImplemented`.)
 */
import { type ResolvedStoreOptions, type StreamHead, type StreamRef, ageCutoff, countFloor, firstSeqOf, isLive } from '@roomlog/core';
import { type HeadContext, type HeadEntry, findHead } from './head';
import { entryKey, streamId } from './keys';
import { streamFilter } from './queries';

/** First batch of seqs looked at when searching for the oldest live entry; it doubles each round. */
const FIRST_WALK = 16;

/**
 * The stream's `firstSeq` at `now` (see `StreamHead.firstSeq`). With `maxAgeMs` it walks up from
 * the count floor, by `_id`, to the oldest live entry; trimming keeps that walk short.
 */
export async function firstSeqAt(
  ctx: HeadContext,
  options: ResolvedStoreOptions,
  stream: StreamRef,
  headSeq: number,
  now: number,
): Promise<number> {
  const floor = countFloor(options, headSeq);
  if (options.maxAgeMs === null) return firstSeqOf(options, headSeq, null);
  const sid = streamId(stream);
  const cutoff = ageCutoff(options, now);
  for (let from = floor, size = FIRST_WALK; from <= headSeq; from += size, size *= 2) {
    const count = Math.min(size, headSeq - from + 1);
    const docs = await ctx.fetchByIds(Array.from({ length: count }, (_, i) => entryKey(sid, from + i)));
    let oldest: number | null = null;
    for (const doc of docs) {
      if (isLive(doc.createdAt, doc.expiresAt, now, cutoff) && (oldest === null || doc.seq < oldest)) oldest = doc.seq;
    }
    if (oldest !== null) return firstSeqOf(options, headSeq, oldest);
  }
  return firstSeqOf(options, headSeq, null);
}

/** The head as the API reports it, from the newest entry. */
async function headAt(
  ctx: HeadContext,
  options: ResolvedStoreOptions,
  stream: StreamRef,
  newest: HeadEntry,
  now: number,
): Promise<StreamHead> {
  return { seq: newest.seq, epoch: newest.epoch, firstSeq: await firstSeqAt(ctx, options, stream, newest.seq, now) };
}

/** The stream's head at `now`, or `null` if it was never written. */
export async function currentHead(ctx: HeadContext, options: ResolvedStoreOptions, stream: StreamRef, now: number): Promise<StreamHead | null> {
  const newest = await findHead(ctx, stream);
  return newest && headAt(ctx, options, stream, newest, now);
}

/**
 * Deletes the entries below `firstSeq`, keeping the newest entry whatever its age. Entries
 * expired by their own `ttlMs` further up are left to {@link sweepExpired}; reads skip them.
 */
export async function trimStream(
  ctx: HeadContext,
  options: ResolvedStoreOptions,
  stream: StreamRef,
  headSeq: number,
  now: number,
): Promise<void> {
  if (options.maxCount === null && options.maxAgeMs === null) return;
  const keepFrom = Math.min(await firstSeqAt(ctx, options, stream, headSeq, now), headSeq);
  if (keepFrom <= 1) return;
  await ctx.messages.deleteMany({ ...streamFilter(stream), seq: { $lt: keepFrom } });
}

/**
 * Deletes the stream's entries whose own `ttlMs` ran out (never the newest entry), wherever they
 * are, and tells when the next one is due. The store runs it only once the stream's recorded
 * `ttlDue` has passed (whichever instance wrote the entries), so streams without `ttlMs` never
 * pay for it.
 *
 * @returns the earliest `expiresAt` still ahead in the stream, or `null` when none is.
 */
export async function sweepExpired(ctx: HeadContext, stream: StreamRef, headSeq: number, now: number): Promise<number | null> {
  await ctx.messages.deleteMany({ ...streamFilter(stream), expiresAt: { $lte: now }, seq: { $lt: headSeq } });
  const next = await ctx.messages.findOne(
    { ...streamFilter(stream), expiresAt: { $gt: now } },
    { sort: { expiresAt: 1 }, projection: { _id: 0, expiresAt: 1 } },
  );
  return next?.expiresAt ?? null;
}
