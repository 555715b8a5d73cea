/**
 * The persistent outbox: sends not yet acked, kept in the client's storage so that a page reload
 * or a process restart does not lose them. The next client on the same storage re-sends them,
 * with their original `clientMessageId` (so each is stored once) and in their original order.
 *
 * All rooms share one key (`<prefix>:outbox`): storage has no listing of keys, and a restarted
 * client must find every room's pending sends without knowing the rooms.
 */
import type { RoomlogStorage } from './storage';

/** One send waiting for its ack. */
export interface PendingSend {
  room: string;
  event: string;
  data: unknown;
  clientMessageId: string;
}

/** Most sends the outbox keeps in storage; later ones are kept in memory only (localStorage has a quota). */
const MAX_STORED = 1000;

/** True for data `JSON.stringify` carries unchanged: no binary, `undefined`, functions, non-finite numbers or cycles. */
function jsonSafe(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => jsonSafe(item, depth + 1));
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value as Record<string, unknown>).every((item) => jsonSafe(item, depth + 1));
}

function parse(text: string | null): PendingSend[] {
  if (text === null) return [];
  try {
    const list: unknown = JSON.parse(text);
    if (!Array.isArray(list)) return [];
    return list.filter(
      (item): item is PendingSend =>
        item !== null &&
        typeof item === 'object' &&
        typeof (item as PendingSend).room === 'string' &&
        typeof (item as PendingSend).event === 'string' &&
        typeof (item as PendingSend).clientMessageId === 'string' &&
        'data' in item,
    );
  } catch {
    // A corrupt outbox cannot be re-sent; starting with an empty one beats failing the client.
    return [];
  }
}

/** The pending sends of one client, mirrored to storage. */
export class Outbox {
  readonly #storage: RoomlogStorage;
  readonly #key: string;
  readonly #report: (error: unknown) => void;
  /** Pending sends in call order (memory holds them all; storage the JSON-safe ones). */
  readonly #pending = new Map<string, PendingSend & { stored: boolean }>();
  /** Resolves with the sends a previous client left, once read. */
  readonly loaded: Promise<PendingSend[]>;
  #writing: Promise<void>;
  #written = '';

  /**
   * @param storage - where the outbox is kept.
   * @param key - its storage key.
   * @param report - receives storage failures (the send itself goes on).
   */
  constructor(storage: RoomlogStorage, key: string, report: (error: unknown) => void) {
    this.#storage = storage;
    this.#key = key;
    this.#report = report;
    this.loaded = Promise.resolve()
      .then(() => storage.getItem(key))
      .then(
        (text) => {
          this.#written = text ?? '';
          const left = parse(text);
          // Sends made before the outbox was read come after the ones left behind.
          const early = [...this.#pending.values()];
          this.#pending.clear();
          for (const send of left) this.#pending.set(send.clientMessageId, { ...send, stored: true });
          for (const send of early) if (!this.#pending.has(send.clientMessageId)) this.#pending.set(send.clientMessageId, send);
          return left;
        },
        (error: unknown) => {
          report(error);
          return [];
        },
      );
    // No write before the read: it would overwrite what a previous client left.
    this.#writing = this.loaded.then(() => undefined);
  }

  /** Sends not yet acked, in call order. */
  list(room?: string): PendingSend[] {
    return [...this.#pending.values()]
      .filter((send) => room === undefined || send.room === room)
      .map(({ room: to, event, data, clientMessageId }) => ({ room: to, event, data, clientMessageId }));
  }

  /** Adds a send (kept in storage when its data survives JSON and the outbox has room). */
  add(send: PendingSend): void {
    if (this.#pending.has(send.clientMessageId)) return;
    let stored = 0;
    for (const pending of this.#pending.values()) if (pending.stored) stored++;
    this.#pending.set(send.clientMessageId, { ...send, stored: stored < MAX_STORED && jsonSafe(send.data) });
    this.#persist();
  }

  /** Removes a send that was acked or refused. */
  remove(clientMessageId: string): void {
    if (this.#pending.delete(clientMessageId)) this.#persist();
  }

  /** Waits until every change so far reached storage. */
  flushed(): Promise<void> {
    return this.#writing;
  }

  /** Writes the stored part, one write at a time and in order, so storage never goes back to an older list. */
  #persist(): void {
    this.#writing = this.#writing.then(async () => {
      const stored = [...this.#pending.values()]
        .filter((send) => send.stored)
        .map(({ room, event, data, clientMessageId }) => ({ room, event, data, clientMessageId }));
      const text = JSON.stringify(stored);
      if (text === this.#written || (stored.length === 0 && this.#written === '')) return;
      try {
        await this.#storage.setItem(this.#key, text);
        this.#written = text;
      } catch (error) {
        this.#report(error);
      }
    });
  }
}
