/**
 * A `Map` that holds at most a fixed number of entries: adding a new key to a full map first
 * forgets the oldest one (insertion order). For per-process caches a backend keeps to save
 * round trips (which streams it already indexed, when a stream's TTL is next due), whose
 * memory must not grow with the number of streams ever touched.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  /** @param capacity - most entries kept; a positive integer. */
  constructor(readonly capacity: number) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Sets `key`; when it is new and the map is full, the oldest entry is forgotten first. */
  override set(key: K, value: V): this {
    if (this.size >= this.capacity && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
