/**
 * Coalesces identical concurrent reads, so a reconnect storm of sockets asking for the same
 * room and offset costs a couple of store reads instead of one per socket.
 *
 * A request never shares a read that started before it arrived: its socket has just joined
 * the room, and only a read started after the join is sure to include every entry the socket
 * did not get live. So requests arriving during a read wait together for the next one.
 */
import type { MessageStore, ReadQuery, ReadResult, StreamRef } from '../store';

interface Slot {
  current: Promise<ReadResult>;
  next: Promise<ReadResult> | null;
}

/** Resolves when `promise` settles either way; the callers' own handlers see its outcome. */
const settled = (promise: Promise<unknown>): Promise<void> =>
  promise.then(
    () => undefined,
    () => undefined,
  );

/** Single-flight reads keyed by stream and query. */
export class ReadCoalescer {
  readonly #store: MessageStore;
  readonly #slots = new Map<string, Slot>();

  /** @param store - the store read from. */
  constructor(store: MessageStore) {
    this.#store = store;
  }

  /** Reads like `store.read`, sharing the call with identical requests that arrive while one is running. */
  read(stream: StreamRef, query: ReadQuery): Promise<ReadResult> {
    const key = JSON.stringify([stream.namespace, stream.room, query.after ?? null, query.before ?? null, query.limit ?? null]);
    const slot = this.#slots.get(key);
    if (!slot) {
      const current = this.#start(key, stream, query);
      this.#slots.set(key, { current, next: null });
      return current;
    }
    slot.next ??= settled(slot.current).then(() => {
      slot.next = null;
      slot.current = this.#start(key, stream, query);
      return slot.current;
    });
    return slot.next;
  }

  #start(key: string, stream: StreamRef, query: ReadQuery): Promise<ReadResult> {
    const read = this.#store.read(stream, query);
    void settled(read).then(() => {
      const slot = this.#slots.get(key);
      if (slot?.current === read && slot.next === null) this.#slots.delete(key);
    });
    return read;
  }
}
