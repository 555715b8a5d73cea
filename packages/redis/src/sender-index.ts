/**
 * The per-sender index `eraseSender` reads: for each sender, a set of the stream tags they
 * wrote to. A (sender, stream) pair is added with `SADD` before the write that stores the
 * sender's first message there, so the index never misses a stored message. This process
 * remembers the pairs it already added, per stream epoch, so later writes skip the extra round
 * trip; when a write reveals a new epoch (the stream's data was wiped, index included) the
 * remembered pairs are no longer trusted and are added again.
 */
import { BoundedMap } from '@roomlog/core';
import { senderKey } from './keys';
import type { RedisClient } from './evalsha';

/** Streams whose indexed senders this process remembers; beyond this the oldest are forgotten. */
const REMEMBERED_STREAMS = 10_000;

interface Remembered {
  /** The stream's epoch when its senders were indexed, `null` until a write reports it. */
  epoch: string | null;
  senders: Set<string>;
}

/** Writes and remembers sender-index entries for one store instance. */
export class SenderIndex {
  readonly #streams = new BoundedMap<string, Remembered>(REMEMBERED_STREAMS);

  /**
   * @param client - the store's client.
   * @param prefix - the store's key prefix.
   */
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Indexes the senders of stream `tag` this process has not indexed yet. Call before writing. */
  async before(tag: string, senders: Iterable<string | null>): Promise<void> {
    const known = this.#streams.get(tag)?.senders;
    const missing = new Set<string>();
    for (const sender of senders) {
      if (sender !== null && !known?.has(sender)) missing.add(sender);
    }
    await this.#add(tag, missing);
  }

  /**
   * Checks the epoch a write to stream `tag` reported. If it differs from the one the
   * remembered senders were indexed under, the stream was recreated and its index may be
   * gone: the write's senders are indexed again and the rest forgotten.
   */
  async after(tag: string, epoch: string, senders: Iterable<string | null>): Promise<void> {
    const remembered = this.#streams.get(tag);
    if (remembered && remembered.epoch === null) remembered.epoch = epoch;
    if (remembered && remembered.epoch === epoch) return;
    this.#streams.delete(tag);
    const all = new Set<string>();
    for (const sender of senders) if (sender !== null) all.add(sender);
    await this.#add(tag, all);
    const current = this.#streams.get(tag);
    if (current) current.epoch = epoch;
  }

  async #add(tag: string, senders: ReadonlySet<string>): Promise<void> {
    if (senders.size === 0) return;
    await Promise.all([...senders].map((sender) => this.client.sadd(senderKey(this.prefix, sender), tag)));
    // Remembered only once stored, so a concurrent write never skips a pair still in flight.
    let remembered = this.#streams.get(tag);
    if (!remembered) {
      this.#streams.set(tag, (remembered = { epoch: null, senders: new Set() }));
    }
    for (const sender of senders) remembered.senders.add(sender);
  }
}
