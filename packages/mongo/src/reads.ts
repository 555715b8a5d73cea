/**
 * Every read, in the order `read()` makes them: find the stream's newest entry ({@link findHead}),
 * its oldest retained one ({@link firstSeqAt}), then the page ({@link readPage}).
 *
 * Entries of a stream exist for every seq from the oldest retained one up to the head
 * (allocation is gapless, see `writes.ts`, and trimming removes only the front), so "seq h exists
 * and h + 1 does not" proves h is the head, and the seqs a page can hold are known before it is
 * read. The `streams` collection holds a hint (a seq known to exist) from which the head is found
 * by looking up a few `_id`s.
 *
 * Under the `'mongodb'` strategy a page is one range query on the `(namespace, room, seq)` index;
 * under `'ferretdb'`, where any query but an `_id` equality scans the collection, small pages
 * are fetched by key (see `server.ts`) and expired entries skipped, in rounds until the page is
 * full or the range ends.
 */
import {
  type DriverPage,
  type NormalizedReadQuery,
  type StreamHead,
  type StreamRef,
  ageCutoff,
  countFloor,
  firstSeqOf,
} from '@roomlog/core';
import type { StoreContext } from './context';
import { type MessageDocument, toStoredMessage } from './documents';
import { isLiveDoc, liveFilter, streamFilter } from './filters';
import { entryKey, streamId } from './keys';

/** The newest entry: its id (the next entry's `prev`), seq and epoch, and its times (for the TTL stamp of the entry that supersedes it). */
export interface HeadEntry {
  id: string;
  seq: number;
  epoch: string;
  createdAt: Date;
  expiresAt: Date | null;
}

function headEntry(doc: Pick<MessageDocument, 'id' | 'seq' | 'epoch' | 'createdAt' | 'expiresAt'>): HeadEntry {
  return { id: doc.id, seq: doc.seq, epoch: doc.epoch, createdAt: doc.createdAt, expiresAt: doc.expiresAt };
}

/** Seqs probed above the last one known in a round after the first: + 1, + 2, + 4, ... + 64. */
const PROBE_STEPS = [1, 2, 4, 8, 16, 32, 64];
/** The first round looks only at the hint and the seq above it: usually the hint is the head. */
const FIRST_STEPS = [1];
/** First batch of seqs looked at when searching for the oldest live entry; it doubles each round. */
const FIRST_WALK = 16;
/** Largest page fetched by key under the `'ferretdb'` strategy; above it one scan is cheaper than that many lookups. */
const MAX_LOOKUP_PAGE = 64;
/** Smallest round after the first: a range full of expired entries is still crossed quickly. */
const MIN_ROUND = 16;

/** `read()`: the head, then the page `query` asks for, at `now`; `null` for a stream never written. */
export async function readStream(
  ctx: StoreContext,
  stream: StreamRef,
  query: NormalizedReadQuery,
  now: number,
): Promise<DriverPage | null> {
  const head = await currentHead(ctx, stream, now);
  if (!head) return null;
  const { docs, hasMore } = await readPage(ctx, stream, head, query, now);
  return { messages: docs.map(toStoredMessage), head, hasMore };
}

/** The stream's head as the API reports it at `now`, or `null` if it was never written. */
export async function currentHead(ctx: StoreContext, stream: StreamRef, now: number): Promise<StreamHead | null> {
  const newest = await findHead(ctx, stream);
  if (!newest) return null;
  return { seq: newest.seq, epoch: newest.epoch, firstSeq: await firstSeqAt(ctx, stream, newest.seq, now) };
}

/**
 * The stream's newest entry, or `null` if it was never written. Probes forward from the head
 * hint. A seq found missing only proves the head when the entry below it was seen in the same
 * query or later: retention deletes from the oldest end, so an entry seen present after its
 * successor was seen absent means the successor did not exist yet. An entry seen only earlier
 * may have been trimmed since, with many newer entries above it; taking it for the head would
 * hand out a trimmed seq again, so it is confirmed first.
 */
export async function findHead(ctx: StoreContext, stream: StreamRef): Promise<HeadEntry | null> {
  const sid = streamId(stream);
  const hint = await ctx.streams.findOne({ _id: sid }, { projection: { seq: 1 } });
  // No hint: a new stream, or one whose hint was lost (a crash before the first hint write, a
  // dropped collection). Its front may be trimmed, so only the index can tell.
  if (!hint) return scanForHead(ctx, stream);
  let at = hint.seq;
  let base: HeadEntry | null = null;
  // Which fetch last saw `base` present, and which one this is.
  let baseFetch = 0;
  let fetch = 0;
  for (;;) {
    const steps: readonly number[] = base === null ? FIRST_STEPS : PROBE_STEPS;
    const seqs: number[] = steps.map((step) => at + step);
    if (base === null) seqs.unshift(at);
    const found = await ctx.server.fetchByIds(seqs.map((seq) => entryKey(sid, seq)));
    fetch++;
    const present = new Map<number, MessageDocument>(found.map((doc) => [doc.seq, doc]));
    if (base === null) {
      const start = present.get(at);
      // A hint that no longer exists (trimmed after a lost hint update, or a wiped collection): ask the index.
      if (!start) return scanForHead(ctx, stream);
      base = headEntry(start);
      baseFetch = fetch;
    }
    let missing: number | null = null;
    for (const step of steps) {
      const doc = present.get(at + step);
      if (!doc) {
        missing = at + step;
        break;
      }
      base = headEntry(doc);
      baseFetch = fetch;
    }
    if (missing === null) {
      at = base.seq;
      continue;
    }
    if (missing === base.seq + 1) return baseFetch === fetch ? base : confirmHead(ctx, stream, base);
    // The head lies between the last seq found and the first one missing: look at all of them.
    const between = Array.from({ length: missing - base.seq - 1 }, (_, i) => entryKey(sid, base!.seq + 1 + i));
    const inBetween = await ctx.server.fetchByIds(between);
    fetch++;
    for (const doc of inBetween) {
      if (doc.seq > base.seq) {
        base = headEntry(doc);
        baseFetch = fetch;
      }
    }
    return baseFetch === fetch ? base : confirmHead(ctx, stream, base);
  }
}

/** `candidate` is the head if it is still there and its successor is not, in one fetch; else the index decides. */
async function confirmHead(ctx: StoreContext, stream: StreamRef, candidate: HeadEntry): Promise<HeadEntry | null> {
  const sid = streamId(stream);
  const found = await ctx.server.fetchByIds([entryKey(sid, candidate.seq), entryKey(sid, candidate.seq + 1)]);
  const seqs = new Set(found.map((doc) => doc.seq));
  if (seqs.has(candidate.seq) && !seqs.has(candidate.seq + 1)) return candidate;
  return scanForHead(ctx, stream);
}

/** The newest entry by query: an index walk on MongoDB, a collection scan on FerretDB. Only without a usable hint. */
async function scanForHead(ctx: StoreContext, stream: StreamRef): Promise<HeadEntry | null> {
  const doc = await ctx.messages.findOne(streamFilter(stream), {
    sort: { seq: -1 },
    projection: { _id: 0, id: 1, seq: 1, epoch: 1, createdAt: 1, expiresAt: 1 },
  });
  return doc && headEntry(doc);
}

/**
 * The stream's `firstSeq` at `now` (see `StreamHead.firstSeq`). With `maxAgeMs` it walks up from
 * the count floor, by `_id`, to the oldest live entry; trimming keeps that walk short.
 */
export async function firstSeqAt(ctx: StoreContext, stream: StreamRef, headSeq: number, now: number): Promise<number> {
  const { options } = ctx;
  if (options.maxAgeMs === null) return firstSeqOf(options, headSeq, null);
  const sid = streamId(stream);
  const cutoff = ageCutoff(options, now);
  for (let from = countFloor(options, headSeq), size = FIRST_WALK; from <= headSeq; from += size, size *= 2) {
    const count = Math.min(size, headSeq - from + 1);
    const docs = await ctx.server.fetchByIds(Array.from({ length: count }, (_, i) => entryKey(sid, from + i)));
    let oldest: number | null = null;
    for (const doc of docs) {
      if (isLiveDoc(doc, now, cutoff) && (oldest === null || doc.seq < oldest)) oldest = doc.seq;
    }
    if (oldest !== null) return firstSeqOf(options, headSeq, oldest);
  }
  return firstSeqOf(options, headSeq, null);
}

/** One page: live entries in ascending seq, and whether more exist beyond it in the reading direction. */
export interface Page {
  docs: MessageDocument[];
  hasMore: boolean;
}

/**
 * Fetches the page `query` asks for. `after` reads forward from above it (below `before` if
 * given); otherwise the page ends just below `before` (or at the head) and is read backward.
 */
export async function readPage(
  ctx: StoreContext,
  stream: StreamRef,
  head: StreamHead,
  query: NormalizedReadQuery,
  now: number,
): Promise<Page> {
  const { after, before, limit } = query;
  const low = Math.max(head.firstSeq, (after ?? 0) + 1);
  const high = Math.min(head.seq, (before ?? Number.POSITIVE_INFINITY) - 1);
  const forward = after !== null;
  const wanted = limit + 1;
  if (high < low) return { docs: [], hasMore: false };
  if (wanted > MAX_LOOKUP_PAGE || (await ctx.server.profile()).strategy === 'mongodb') {
    const docs = await ctx.messages
      .find(
        { ...streamFilter(stream), seq: { $gte: low, $lte: high }, ...liveFilter(ctx.options, now) },
        { sort: { seq: forward ? 1 : -1 }, limit: wanted },
      )
      .toArray();
    return finish(docs, limit, forward);
  }
  const sid = streamId(stream);
  const cutoff = ageCutoff(ctx.options, now);
  const found: MessageDocument[] = [];
  let next = forward ? low : high;
  for (let round = 0; found.length < wanted && next >= low && next <= high; round++) {
    const size = Math.min(Math.max(wanted - found.length, round === 0 ? 0 : MIN_ROUND), forward ? high - next + 1 : next - low + 1);
    const first = forward ? next : next - size + 1;
    const docs = await ctx.server.fetchByIds(Array.from({ length: size }, (_, i) => entryKey(sid, first + i)));
    docs.sort((a, b) => (forward ? a.seq - b.seq : b.seq - a.seq));
    for (const doc of docs) {
      if (found.length === wanted) break;
      if (isLiveDoc(doc, now, cutoff)) found.push(doc);
    }
    next = forward ? next + size : next - size;
  }
  return finish(found, limit, forward);
}

/** Cuts the look-ahead entry off and puts the page in ascending order. */
function finish(found: MessageDocument[], limit: number, forward: boolean): Page {
  const hasMore = found.length > limit;
  if (hasMore) found.pop();
  if (!forward) found.reverse();
  return { docs: found, hasMore };
}
