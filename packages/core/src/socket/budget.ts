/**
 * Packets within Socket.IO's limits. Every page or sync answer Roomlog emits is filled against a
 * budget of bytes and binary attachments: socket.io-parser's decoder drops the connection of a
 * packet with more than 10 attachments (and a page of large entries could pass the engine's
 * string length limit while being encoded), so a page that would not fit ends early with
 * `hasMore`, and the client reads on.
 *
 * Reads are made in chunks sized to what is left of the budget, so a request for 1000 entries of
 * 1 MB each reads a few entries, not a gigabyte.
 */
import { measureData } from '../codec';
import type { ReadQuery, ReadResult, StreamRef } from '../store';
import { DEFAULT_READ_LIMIT } from '../validation';
import type { RoomlogContext } from './context';
import { presentAll } from './deliver';
import type { Recipient, RoomlogSocket } from './options';
import type { WireEntry } from './protocol';

/** Entries read in the first chunk of a page: the default page (50) costs one store read. */
const FIRST_CHUNK = 50;

/** Size of an entry on the wire: its JSON with binary at raw size, and its attachments. */
function costOf(entry: WireEntry): { bytes: number; binaries: number } {
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
  #measured = 0;
  #measuredBytes = 0;

  /**
   * @param bytes - byte budget of the packet.
   * @param attachments - binary attachments allowed in the packet.
   */
  constructor(bytes: number, attachments: number) {
    this.#bytes = bytes;
    this.#attachments = attachments;
  }

  /**
   * Takes an entry if it fits. The first entry of a packet always fits, so a page is never empty
   * while entries exist (an entry is at most `maxPayloadBytes` and `maxBinariesPerMessage`).
   * @returns the entry's cost to give back with {@link release}, or `null` when it does not fit.
   */
  take(entry: WireEntry): { bytes: number; binaries: number } | null {
    const cost = costOf(entry);
    if (Number.isFinite(cost.bytes)) {
      this.#measured++;
      this.#measuredBytes += cost.bytes;
    }
    if (this.#entries > 0 && (cost.bytes > this.#bytes || cost.binaries > this.#attachments)) return null;
    this.#entries++;
    this.#bytes -= cost.bytes;
    this.#attachments -= cost.binaries;
    return cost;
  }

  /** Gives back what {@link take} took (an answer that was read and then replaced). */
  release(cost: { bytes: number; binaries: number }): void {
    this.#entries--;
    this.#bytes += cost.bytes;
    this.#attachments += cost.binaries;
  }

  /** Whether another entry can fit at all. */
  get spent(): boolean {
    return this.#entries > 0 && (this.#bytes <= 0 || this.#attachments < 0);
  }

  /** How many more entries of the sizes seen so far are likely to fit (at least 1). */
  estimate(): number {
    const average = this.#measured === 0 ? 1 : Math.max(1, this.#measuredBytes / this.#measured);
    return Math.max(1, Math.floor(Math.max(0, this.#bytes) / average));
  }
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
  /** Gives the page's entries back to the budget (the caller answers with another page). */
  release(): void;
}

/**
 * Reads one page for `recipient` like `store.read(stream, query)`, in chunks, taking entries from
 * `budget` nearest to the cursor first: the oldest for `after`, the newest otherwise.
 */
export async function readBudgeted<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  stream: StreamRef,
  query: ReadQuery,
  budget: PacketBudget,
): Promise<BudgetedPage> {
  const forward = query.after !== undefined && query.after !== null;
  let remaining = query.limit ?? DEFAULT_READ_LIMIT;
  let chunk = Math.min(remaining, FIRST_CHUNK);
  let after = query.after ?? undefined;
  let before = query.before ?? undefined;
  const taken: WireEntry[] = [];
  const costs: { bytes: number; binaries: number }[] = [];
  let first: ReadResult | null = null;
  let last: ReadResult;
  let cut = false;
  for (;;) {
    last = await ctx.reads.read(stream, { after, before, limit: chunk });
    first ??= last;
    const presented = await presentAll(ctx, recipient, last.messages);
    if (!forward) presented.reverse();
    for (const entry of presented) {
      const cost = budget.take(entry);
      if (!cost) {
        cut = true;
        break;
      }
      taken.push(entry);
      costs.push(cost);
      remaining--;
    }
    if (cut || !last.hasMore || remaining === 0 || last.messages.length === 0) break;
    if (budget.spent) {
      cut = true;
      break;
    }
    if (forward) after = last.messages.at(-1)!.seq;
    else before = last.messages[0]!.seq;
    chunk = Math.min(remaining, budget.estimate());
  }
  if (!forward) taken.reverse();
  return {
    messages: taken,
    head: last.head,
    hasMore: cut || last.hasMore,
    truncated: first.truncated,
    cut,
    release: () => {
      for (const cost of costs.splice(0)) budget.release(cost);
    },
  };
}

/**
 * Takes entries of an already read page from `budget`: from the start (a replay, read forward)
 * or from the end (a latest page, whose newest entries matter most).
 * @returns the entries that fit, in ascending seq, and whether the budget cut the page.
 */
export function fitPage(
  entries: readonly WireEntry[],
  budget: PacketBudget,
  keep: 'oldest' | 'newest',
): { messages: WireEntry[]; cut: boolean } {
  const order = keep === 'oldest' ? entries : [...entries].reverse();
  const messages: WireEntry[] = [];
  for (const entry of order) {
    if (!budget.take(entry)) break;
    messages.push(entry);
  }
  if (keep === 'newest') messages.reverse();
  return { messages, cut: messages.length < entries.length };
}
