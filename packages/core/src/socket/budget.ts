/**
 * Packets within Socket.IO's limits. Every page or sync answer Roomlog emits is filled against a
 * budget of bytes and binary attachments: socket.io-parser's decoder drops the connection of a
 * packet with more than 10 attachments (and a page of large entries could pass the engine's
 * string length limit while being encoded), so a page that would not fit ends early with
 * `hasMore`, and the client reads on.
 *
 * Reads are made in chunks sized to what is left of the budget, so a request for 1000 entries of
 * 1 MB each reads a few entries, not a gigabyte. A room's entry size is remembered from its last
 * page, so the first chunk of the next one is sized too; a room never read yet starts with a
 * small chunk, whatever size its entries turn out to be.
 */
import { BoundedMap } from '../kit/bounded-map';
import { measureData } from './data-size';
import type { ReadQuery, ReadResult, StreamRef } from '../store';
import { DEFAULT_READ_LIMIT } from '../validation';
import type { RoomlogContext } from './context';
import { presentAll } from './deliver';
import type { Recipient, RoomlogSocket } from './options';
import type { WireEntry } from './protocol';

/**
 * Entries read in the first chunk of a room whose entry size is not known yet. Small, because
 * each may be as large as the store's `maxPayloadBytes` (1 MiB by default): a cold read holds at
 * most this many before the budget knows their size.
 */
export const COLD_CHUNK = 10;

/** Rooms whose entry size is remembered; the least recently measured are forgotten first. */
const REMEMBERED_ROOMS = 10_000;

/** What one entry costs on the wire. */
export interface EntryCost {
  /** Its JSON with binary at raw size. */
  bytes: number;
  /** Its binary attachments. */
  binaries: number;
}

/** Size of an entry on the wire: its JSON with binary at raw size, and its attachments. */
function costOf(entry: WireEntry): EntryCost {
  try {
    const { bytes, binaries } = measureData(entry, { maxBytes: Number.POSITIVE_INFINITY });
    return { bytes, binaries };
  } catch {
    // Not encodable (a beforeDeliver result with a cycle): it gets a packet of its own at most.
    return { bytes: Number.POSITIVE_INFINITY, binaries: Number.POSITIVE_INFINITY };
  }
}

/** What is left of one packet's budget. Shared by the rooms of a sync answer. */
export class PacketBudget {
  #bytes: number;
  #attachments: number;
  #entries = 0;
  #refused = false;

  /**
   * @param bytes - byte budget of the packet.
   * @param attachments - binary attachments allowed in the packet.
   */
  constructor(bytes: number, attachments: number) {
    this.#bytes = bytes;
    this.#attachments = attachments;
  }

  /**
   * Takes an entry of cost `cost` if it fits. The first entry of a packet always fits, so a page
   * is never empty while entries exist (an entry is at most `maxPayloadBytes` and
   * `maxBinariesPerMessage`).
   * @returns whether it was taken.
   */
  take(cost: EntryCost): boolean {
    if (this.#entries > 0 && (cost.bytes > this.#bytes || cost.binaries > this.#attachments)) {
      this.#refused = true;
      return false;
    }
    this.#entries++;
    this.#bytes -= cost.bytes;
    this.#attachments -= cost.binaries;
    return true;
  }

  /**
   * Whether the packet is full: nothing is left, or an entry was already refused (the next is
   * likely no smaller, and reading on for one that is costs more than the client paging on).
   */
  get spent(): boolean {
    return this.#refused || (this.#entries > 0 && (this.#bytes <= 0 || this.#attachments < 0));
  }

  /** How many more entries of `averageBytes` each are likely to fit (at least 1). */
  estimate(averageBytes: number): number {
    return Math.max(1, Math.floor(Math.max(0, this.#bytes) / Math.max(1, averageBytes)));
  }
}

/**
 * The average wire size of each room's entries, as measured by its last page. It sizes the
 * first chunk of the room's next page; it is a hint only (a wrong one costs a read, never a
 * page over budget).
 */
export class EntrySizes {
  readonly #sizes = new BoundedMap<string, number>(REMEMBERED_ROOMS);

  /** The room's remembered average entry size in bytes, `undefined` when it was never measured. */
  get(stream: StreamRef): number | undefined {
    return this.#sizes.get(keyOf(stream));
  }

  /** Remembers the room's average entry size (the newest measure wins: rooms change). */
  set(stream: StreamRef, averageBytes: number): void {
    const key = keyOf(stream);
    this.#sizes.delete(key);
    this.#sizes.set(key, averageBytes);
  }
}

const keyOf = (stream: StreamRef): string => `${stream.namespace}\u0000${stream.room}`;

/**
 * Entries to read next: as many as what is left of `budget` holds at `averageBytes` each (at most
 * `remaining`), {@link COLD_CHUNK} when their size is not known, 1 when the budget is spent.
 */
export function chunkSize(budget: PacketBudget, remaining: number, averageBytes: number | undefined): number {
  // A spent budget takes no more entries: one tells whether any exist (a sync answers BUSY then).
  if (budget.spent) return 1;
  return Math.max(1, Math.min(remaining, averageBytes === undefined ? COLD_CHUNK : budget.estimate(averageBytes)));
}

/** A page read within a budget. */
export interface BudgetedPage {
  /** Entries in ascending seq, as the recipient may see them. */
  messages: WireEntry[];
  head: ReadResult['head'];
  /** The store has more beyond the page, or the budget ended it. */
  hasMore: boolean;
  truncated: boolean;
  /** The budget ended the page before `limit` or the store's end. */
  cut: boolean;
}

/**
 * Reads one page for `recipient` like `store.read(stream, query)`, in chunks, taking entries from
 * `budget` nearest to the cursor first: the oldest for `after`, the newest otherwise.
 * @param opened - the page's first chunk when the caller already read it (a sync reads it to
 *   decide how to answer); the next chunks follow on from it.
 */
export async function readBudgeted<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  stream: StreamRef,
  query: ReadQuery,
  budget: PacketBudget,
  opened?: ReadResult,
): Promise<BudgetedPage> {
  const forward = query.after !== undefined && query.after !== null;
  let remaining = query.limit ?? DEFAULT_READ_LIMIT;
  let after = query.after ?? undefined;
  let before = query.before ?? undefined;
  const taken: WireEntry[] = [];
  let measured = 0;
  let measuredBytes = 0;
  const average = () => (measured === 0 ? ctx.entrySizes.get(stream) : measuredBytes / measured);
  let next: ReadResult | undefined = opened;
  let first: ReadResult | null = null;
  let last: ReadResult;
  let cut = false;
  let beyond = false;
  for (;;) {
    last = next ?? (await ctx.reads.read(stream, { after, before, limit: chunkSize(budget, remaining, average()) }));
    next = undefined;
    first ??= last;
    const presented = await presentAll(ctx, recipient, last.messages);
    if (!forward) presented.reverse();
    for (const entry of presented) {
      if (remaining === 0) {
        // A caller's opened chunk may hold more than `limit`: the rest follows the page.
        beyond = true;
        break;
      }
      const cost = costOf(entry);
      if (Number.isFinite(cost.bytes)) {
        measured++;
        measuredBytes += cost.bytes;
      }
      if (!budget.take(cost)) {
        cut = true;
        break;
      }
      taken.push(entry);
      remaining--;
    }
    if (cut || !last.hasMore || remaining === 0 || last.messages.length === 0) break;
    if (budget.spent) {
      cut = true;
      break;
    }
    if (forward) after = last.messages.at(-1)!.seq;
    else before = last.messages[0]!.seq;
  }
  if (measured > 0) ctx.entrySizes.set(stream, measuredBytes / measured);
  if (!forward) taken.reverse();
  return { messages: taken, head: last.head, hasMore: cut || beyond || last.hasMore, truncated: first.truncated, cut };
}
