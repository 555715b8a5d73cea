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

/** Reads a stored offset; anything unreadable counts as none (start fresh rather than fail). */
export async function loadPosition(storage: RoomlogStorage, key: string): Promise<RoomPosition> {
  const fresh = { seq: 0, epoch: null };
  try {
    const text = await storage.getItem(key);
    if (text === null) return fresh;
    const { seq, epoch } = JSON.parse(text) as Partial<RoomPosition>;
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 && (typeof epoch === 'string' || epoch === null)) {
      return { seq, epoch };
    }
  } catch {
    // A corrupt entry means "no offset": a full sync repairs it.
  }
  return fresh;
}
