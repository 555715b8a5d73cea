/**
 * Reading a page. On MongoDB: one range query on the `(namespace, room, seq)` index. On FerretDB,
 * where any query but an `_id` lookup scans the collection, small pages are fetched by key: the
 * seqs a page can hold are known from the head and the query, so they are looked up (see
 * `lookup.ts`) and expired ones skipped, in rounds until the page is full or the range ends.
 */
import { type NormalizedReadQuery, type ResolvedStoreOptions, type StreamHead, type StreamRef, ageCutoff, isLive } from '@roomlog/core';
import type { MessageDocument } from './documents';
import type { HeadContext } from './head';
import { entryKey, streamId } from './keys';
import { liveFilter, streamFilter } from './queries';

/** Largest page fetched by key on FerretDB; above it one scan is cheaper than that many lookups. */
const MAX_LOOKUP_PAGE = 64;

/** Smallest round after the first: a range full of expired entries is still crossed quickly. */
const MIN_ROUND = 16;

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
  ctx: HeadContext,
  options: ResolvedStoreOptions,
  stream: StreamRef,
  head: StreamHead,
  query: NormalizedReadQuery,
  now: number,
): Promise<Page> {
  const { after, before, limit } = query;
  const sid = streamId(stream);
  const cutoff = ageCutoff(options, now);
  const low = Math.max(head.firstSeq, (after ?? 0) + 1);
  const high = Math.min(head.seq, (before ?? Number.POSITIVE_INFINITY) - 1);
  const forward = after !== null;
  const wanted = limit + 1;
  if (high < low) return { docs: [], hasMore: false };
  if (wanted > MAX_LOOKUP_PAGE || !(await ctx.scansOnQuery())) {
    const docs = await ctx.messages
      .find({ ...streamFilter(stream), seq: { $gte: low, $lte: high }, ...liveFilter(options, now) }, { sort: { seq: forward ? 1 : -1 }, limit: wanted })
      .toArray();
    return finish(docs, limit, forward);
  }
  const found: MessageDocument[] = [];
  let next = forward ? low : high;
  for (let round = 0; found.length < wanted && next >= low && next <= high; round++) {
    const size = Math.min(Math.max(wanted - found.length, round === 0 ? 0 : MIN_ROUND), forward ? high - next + 1 : next - low + 1);
    const first = forward ? next : next - size + 1;
    const docs = await ctx.fetchByIds(Array.from({ length: size }, (_, i) => entryKey(sid, first + i)));
    docs.sort((a, b) => (forward ? a.seq - b.seq : b.seq - a.seq));
    for (const doc of docs) {
      if (found.length === wanted) break;
      if (isLive(doc.createdAt, doc.expiresAt, now, cutoff)) found.push(doc);
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
