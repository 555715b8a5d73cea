/**
 * The state behind {@link MemoryStore}: plain maps and arrays. Several store instances may
 * share one `MemoryDatabase`, which is how the conformance suite runs its multi-instance
 * tests on the reference backend.
 */
import type { StoredEntry } from '../kit/entry';

/** One stored entry: the kit's {@link StoredEntry} plus the epoch it was written under. */
export interface MemoryEntry extends StoredEntry {
  epoch: string;
}

/** One stream: its counter, epoch and entries in ascending seq. */
export interface MemoryStream {
  namespace: string;
  room: string;
  epoch: string;
  /** Seq of the newest entry. */
  seq: number;
  entries: MemoryEntry[];
  /** Entries by `clientMessageId`, for idempotency. */
  byClientId: Map<string, MemoryEntry>;
  /** Earliest `expiresAt` among the entries, so TTL sweeps run only when one is due. */
  nextExpiry: number | null;
}

/** Shared in-process state for one or more {@link MemoryStore} instances. */
export class MemoryDatabase {
  /** Streams by `streamKey(namespace, room)`. */
  readonly streams = new Map<string, MemoryStream>();
  /** Read markers by `streamKey` + NUL + user id. */
  readonly cursors = new Map<string, number>();
}

/** Index of the first entry with `seq >= target` (entries are sorted by seq). */
export function lowerBound(entries: readonly MemoryEntry[], target: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.seq < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
