/**
 * One room's ordered feed: entries arrive live, in acks, in sync replays and in gap fills, in
 * any order and possibly twice; they leave exactly once each, in seq order.
 */
import type { DeliveredEntry, MessageEnvelope } from './protocol';
import type { RoomPosition } from './storage';

/**
 * What became of an offered entry. `diverged`: an entry at or below the position that is not
 * the entry delivered at its seq (the log was rewound); `unverified`: one at or below the
 * position whose seq this feed has no id for (delivered before a reload). Both are dropped, and
 * the caller resyncs: the server checks the position against the log.
 */
export type OfferOutcome = 'taken' | 'old' | 'other-epoch' | 'diverged' | 'unverified';

/** How many delivered seqs the feed remembers the fingerprint of, to check repeats against. */
const REMEMBERED = 512;

/**
 * What tells one entry from another at the same seq: its id and `createdAt` together (some
 * stores derive the id from the seq, so after a rewind a new entry there has the lost one's id).
 */
export function fingerprint(id: string, createdAt: number): string {
  return `${id}\u0000${createdAt}`;
}

/** Ordering buffer and position of one room. */
export class RoomFeed {
  /** Last seq delivered (or passed over as withheld or removed by retention). */
  seq: number;
  /** Epoch of the stream the seq belongs to; `null` until known. */
  epoch: string | null;
  /** Id of the entry at `seq`, `null` when the feed holds none there (withheld, passed over). */
  id: string | null;
  /** `createdAt` of that entry, `null` with the id. */
  createdAt: number | null;
  readonly #pending = new Map<number, DeliveredEntry>();
  /** Fingerprints of recently delivered seqs (`null`: withheld), oldest first; at most {@link REMEMBERED}. */
  readonly #recent = new Map<number, string | null>();
  readonly #deliver: (entry: MessageEnvelope) => void;

  /**
   * @param offset - where the client left off.
   * @param deliver - called once per entry, in seq order (withheld entries are passed over).
   */
  constructor(offset: RoomPosition, deliver: (entry: MessageEnvelope) => void) {
    this.seq = offset.seq;
    this.epoch = offset.epoch;
    this.id = offset.id ?? null;
    this.createdAt = this.id === null ? null : (offset.createdAt ?? null);
    if (this.id !== null && this.createdAt !== null) this.#recent.set(this.seq, fingerprint(this.id, this.createdAt));
    this.#deliver = deliver;
  }

  /** True when entries wait behind a missing seq. */
  get hasGap(): boolean {
    return this.#pending.size > 0;
  }

  /** The position to store. */
  get offset(): RoomPosition {
    return { seq: this.seq, epoch: this.epoch, id: this.id, createdAt: this.createdAt };
  }

  /** The {@link fingerprint} delivered at `seq`: `undefined` when not remembered, `null` when it was withheld. */
  fingerprintAt(seq: number): string | null | undefined {
    return this.#recent.get(seq);
  }

  /**
   * Offers one entry from anywhere. Entries at or below the position are repeats and dropped; an
   * entry of another epoch is refused (the caller resyncs); the rest wait for their turn.
   */
  offer(entry: DeliveredEntry): OfferOutcome {
    if (this.epoch !== null && entry.epoch !== this.epoch) return 'other-epoch';
    if (entry.seq <= this.seq) {
      const known = this.#recent.get(entry.seq);
      if (known === undefined) return 'unverified';
      return known !== null && 'id' in entry && fingerprint(entry.id, entry.createdAt) !== known ? 'diverged' : 'old';
    }
    this.#pending.set(entry.seq, entry);
    this.#drain();
    return 'taken';
  }

  /**
   * Applies a page the server read after seq `from` that holds every retained entry in
   * `(from, through]`: a seq in that range missing from it was removed by retention and is
   * passed over rather than waited for.
   */
  applyPage(from: number, entries: readonly DeliveredEntry[], through: number, epoch: string | null): void {
    for (const entry of entries) this.offer(entry);
    if (this.seq < from || (this.epoch !== null && this.epoch !== epoch)) return;
    while (this.seq < through) {
      const next = this.#lowestPending();
      this.seq = next !== null && next <= through ? next - 1 : through;
      this.id = null;
      this.createdAt = null;
      this.#drain();
    }
    this.epoch ??= epoch;
  }

  /**
   * Moves the position (after an epoch change, a rewound log, or past entries the client will
   * not replay) and drops what no longer fits; `startOver` drops every waiting entry too (it may
   * belong to the log as it was) and forgets the ids delivered so far.
   */
  reset(seq: number, epoch: string | null, startOver = false): void {
    this.seq = seq;
    this.epoch = epoch;
    this.id = null;
    this.createdAt = null;
    if (startOver) this.#recent.clear();
    for (const [pendingSeq, entry] of this.#pending) {
      if (startOver || pendingSeq <= seq || (epoch !== null && entry.epoch !== epoch)) this.#pending.delete(pendingSeq);
    }
    this.#drain();
  }

  #remember(seq: number, print: string | null): void {
    this.#recent.set(seq, print);
    if (this.#recent.size > REMEMBERED) this.#recent.delete(this.#recent.keys().next().value as number);
  }

  #lowestPending(): number | null {
    let lowest: number | null = null;
    for (const seq of this.#pending.keys()) if (lowest === null || seq < lowest) lowest = seq;
    return lowest;
  }

  #drain(): void {
    for (let next = this.#pending.get(this.seq + 1); next; next = this.#pending.get(this.seq + 1)) {
      this.#pending.delete(next.seq);
      this.seq = next.seq;
      this.epoch = next.epoch;
      this.id = 'withheld' in next ? null : next.id;
      this.createdAt = 'withheld' in next ? null : next.createdAt;
      this.#remember(next.seq, 'withheld' in next ? null : fingerprint(next.id, next.createdAt));
      if (!('withheld' in next)) this.#deliver(next);
    }
  }
}
