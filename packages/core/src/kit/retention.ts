/**
 * Retention arithmetic shared by every backend (rule 8), so "expired" and "truncated" mean
 * the same everywhere. An entry expires at the instant `now >= createdAt + maxAgeMs` or
 * `now >= expiresAt`; from then on it is never returned, however lazily it is deleted.
 */
import type { ResolvedStoreOptions } from './options';

/** Entries created at or before this instant are expired by `maxAgeMs`; `null` without age retention. */
export function ageCutoff(options: ResolvedStoreOptions, now: number): number | null {
  return options.maxAgeMs === null ? null : now - options.maxAgeMs;
}

/** The lowest seq `maxCount` keeps when the head is `headSeq`. */
export function countFloor(options: ResolvedStoreOptions, headSeq: number): number {
  return options.maxCount === null ? 1 : Math.max(1, headSeq - options.maxCount + 1);
}

/** True when an entry is still retained at `now` (not expired by age or by its own TTL). */
export function isLive(createdAt: number, expiresAt: number | null, now: number, cutoff: number | null): boolean {
  return (expiresAt === null || expiresAt > now) && (cutoff === null || createdAt > cutoff);
}

/** True when a read `after` an offset skips entries that retention removed (`after + 1 < firstSeq`). */
export function isTruncated(after: number | null, firstSeq: number): boolean {
  return after !== null && after + 1 < firstSeq;
}

/**
 * A stream's `firstSeq` (see `StreamHead.firstSeq`): the `maxCount` floor, raised with age
 * retention to the oldest live entry at or above it (`headSeq + 1` when none is live).
 *
 * @param oldestLiveSeq - seq of the oldest live entry at or above the count floor, or `null` if none; only consulted with `maxAgeMs`.
 */
export function firstSeqOf(options: ResolvedStoreOptions, headSeq: number, oldestLiveSeq: number | null): number {
  const floor = countFloor(options, headSeq);
  if (options.maxAgeMs === null) return floor;
  return Math.max(floor, oldestLiveSeq ?? headSeq + 1);
}
