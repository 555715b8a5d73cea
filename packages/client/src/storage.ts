/**
 * Where the client keeps its position (last seq and epoch) per room, so a page reload or an app
 * restart resumes from there. Anything with `getItem`/`setItem` fits, `localStorage` included.
 */

/** A key-value store for offsets. Methods may be sync (`localStorage`) or async. */
export interface RoomlogStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
}

/** A client's position in one room. */
export interface RoomPosition {
  /** Last seq delivered. */
  seq: number;
  /** The epoch of that seq, `null` before the first entry. */
  epoch: string | null;
  /**
   * The id of the entry at `seq`, which the next sync sends so the server can check the log
   * still holds it; `null` (or absent, in positions stored by older versions) when none is held there.
   */
  id?: string | null | undefined;
  /** That entry's `createdAt` (checked with the id: some stores derive ids from seqs). */
  createdAt?: number | null | undefined;
}

/** In-memory storage: offsets live as long as the client object. */
export function memoryStorage(): RoomlogStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
  };
}

/**
 * Reads a stored position: `null` when there is none (the room was never synced: a first visit).
 * A corrupt one counts as a position at seq 0, so the room is caught up from the start, with a
 * reset notice, rather than treated as a first visit that might skip entries the user never saw.
 */
export async function loadPosition(storage: RoomlogStorage, key: string): Promise<RoomPosition | null> {
  let text: string | null;
  try {
    text = await storage.getItem(key);
  } catch {
    return { seq: 0, epoch: null, id: null, createdAt: null };
  }
  if (text === null) return null;
  try {
    const { seq, epoch, id, createdAt } = JSON.parse(text) as Partial<RoomPosition>;
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 && (typeof epoch === 'string' || epoch === null)) {
      const held = typeof id === 'string' && typeof createdAt === 'number' && Number.isSafeInteger(createdAt);
      return { seq, epoch, id: held ? id : null, createdAt: held ? createdAt : null };
    }
  } catch {
    // Unreadable: handled below like any other corrupt entry.
  }
  return { seq: 0, epoch: null, id: null, createdAt: null };
}
