/**
 * One room's ordered feed: entries arrive live, in acks, in sync replays and in gap fills, in
 * any order and possibly twice; they leave exactly once each, in seq order.
 */
import type { DeliveredEntry, MessageEnvelope } from './protocol';
import type { RoomPosition } from './storage';

/** What became of an offered entry. */
export type OfferOutcome = 'taken' | 'old' | 'other-epoch';

/** Ordering buffer and position of one room. */
export class RoomFeed {
  /** Last seq delivered (or passed over as withheld or removed by retention). */
  seq: number;
  /** Epoch of the stream the seq belongs to; `null` until known. */
  epoch: string | null;
  readonly #pending = new Map<number, DeliveredEntry>();
  readonly #deliver: (entry: MessageEnvelope) => void;

  /**
   * @param offset - where the client left off.
   * @param deliver - called once per entry, in seq order (withheld entries are passed over).
   */
  constructor(offset: RoomPosition, deliver: (entry: MessageEnvelope) => void) {
    this.seq = offset.seq;
    this.epoch = offset.epoch;
    this.#deliver = deliver;
  }

  /** True when entries wait behind a missing seq. */
  get hasGap(): boolean {
    return this.#pending.size > 0;
  }

  /** The position to store. */
  get offset(): RoomPosition {
    return { seq: this.seq, epoch: this.epoch };
  }

  /**
   * Offers one entry from anywhere. Entries at or below the position are repeats and dropped; an
   * entry of another epoch is refused (the caller resyncs); the rest wait for their turn.
   */
  offer(entry: DeliveredEntry): OfferOutcome {
    if (this.epoch !== null && entry.epoch !== this.epoch) return 'other-epoch';
    if (entry.seq <= this.seq) return 'old';
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
      this.#drain();
    }
    this.epoch ??= epoch;
  }

  /** Moves the position (after an epoch change, or past entries the client will not replay) and drops what no longer fits. */
  reset(seq: number, epoch: string | null): void {
    this.seq = seq;
    this.epoch = epoch;
    for (const [pendingSeq, entry] of this.#pending) {
      if (pendingSeq <= seq || (epoch !== null && entry.epoch !== epoch)) this.#pending.delete(pendingSeq);
    }
    this.#drain();
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
      if (!('withheld' in next)) this.#deliver(next);
    }
  }
}
