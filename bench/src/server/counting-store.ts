/**
 * Wraps a store so the reconnect storm can count how many reads a burst of syncs costs.
 */
import type { MessageStore, ReadQuery, StreamRef } from '@roomlog/core';

/** A store that counts its `read` calls, plus the counter. Every other member is the store's own. */
export function countReads(store: MessageStore): { store: MessageStore; take(): number } {
  let reads = 0;
  const read = (stream: StreamRef, query?: ReadQuery) => {
    reads += 1;
    return store.read(stream, query);
  };
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === 'read') return read;
      const value: unknown = Reflect.get(target, property, target);
      // Methods use private fields, so they must run with the real store as `this`.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: counted,
    /** Reads since the last call. */
    take() {
      const count = reads;
      reads = 0;
      return count;
    },
  };
}
