/**
 * Coalesces identical concurrent reads, so a reconnect storm of sockets asking for the same
 * room and offset costs a few store reads instead of one per socket.
 *
 * A request never shares a read that started before it arrived: its socket has just joined
 * the room, and only a read started after the join is sure to include every entry the socket
 * did not get live. A read therefore starts one event-loop turn after it is first asked for
 * (`setImmediate`: after the pending I/O callbacks, so at once when idle): every identical
 * request of that turn shares it. Requests arriving while it runs wait together for the next.
 */
import type { MessageStore, ReadQuery, ReadResult, StreamRef } from '../store';
import { recordRead } from '../telemetry';

interface Slot {
  /** The read the next requests share until it starts; then the running one. */
  current: Promise<ReadResult>;
  /** Whether `current` has been sent to the store (a request arriving now must not share it). */
  started: boolean;
  /** The read queued behind a running `current`. */
  next: Promise<ReadResult> | null;
}

/** Resolves when `promise` settles either way; the callers' own handlers see its outcome. */
const settled = (promise: Promise<unknown>): Promise<void> =>
  promise.then(
    () => undefined,
    () => undefined,
  );

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Single-flight reads keyed by stream and query. */
export class ReadCoalescer {
  readonly #store: MessageStore;
  readonly #slots = new Map<string, Slot>();

  /** @param store - the store read from. */
  constructor(store: MessageStore) {
    this.#store = store;
  }

  /** Reads like `store.read`, sharing the call with identical requests (see the file comment). */
  read(stream: StreamRef, query: ReadQuery): Promise<ReadResult> {
    const key = JSON.stringify([stream.namespace, stream.room, query.after ?? null, query.before ?? null, query.limit ?? null]);
    let slot = this.#slots.get(key);
    recordRead(slot !== undefined);
    if (!slot) {
      slot = { current: undefined as never, started: false, next: null }; // current: set by #schedule
      this.#slots.set(key, slot);
      this.#schedule(key, slot, stream, query);
      return slot.current;
    }
    if (!slot.started) return slot.current;
    const queued = slot;
    queued.next ??= settled(queued.current).then(() => {
      queued.next = null;
      return this.#schedule(key, queued, stream, query);
    });
    return queued.next;
  }

  /** Makes `slot.current` a read that starts next turn; the slot goes once nothing waits on it. */
  #schedule(key: string, slot: Slot, stream: StreamRef, query: ReadQuery): Promise<ReadResult> {
    slot.started = false;
    const read = nextTurn().then(() => {
      slot.started = true;
      return this.#store.read(stream, query);
    });
    slot.current = read;
    void settled(read).then(() => {
      if (this.#slots.get(key) === slot && slot.current === read && slot.next === null) this.#slots.delete(key);
    });
    return read;
  }
}
