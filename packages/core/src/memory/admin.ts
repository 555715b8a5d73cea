/**
 * The operations side of {@link MemoryStore}: writing imported entries and walking or dropping
 * whole streams. Kept apart from the append/read path, which these never touch.
 */
import type { PreparedImportEntry } from '../import';
import { streamKey } from '../ids';
import { encodeUserCursor } from '../import';
import type { CursorList, StreamRef } from '../store';
import type { MemoryDatabase, MemoryStream } from './database';

/** Appends imported entries (above the head, ascending) to `stream` as they were exported. */
export function writeImported(stream: MemoryStream, entries: readonly PreparedImportEntry[]): void {
  for (const imported of entries) {
    const entry = { ...imported };
    stream.entries.push(entry);
    stream.seq = entry.seq;
    if (entry.expiresAt !== null) stream.nextExpiry = Math.min(stream.nextExpiry ?? entry.expiresAt, entry.expiresAt);
    // `prepareImport` lets only a message carry a key.
    if (entry.clientMessageId !== null) stream.byClientId.set(entry.clientMessageId, entry);
  }
}

/** Streams in `(namespace, room)` order, the page after `after` (exclusive). */
export function streamPage(database: MemoryDatabase, after: StreamRef | null, limit: number): { page: MemoryStream[]; more: boolean } {
  const ordered = [...database.streams.values()].sort(compareStreams);
  const start = after === null ? 0 : ordered.findIndex((stream) => compareStreams(stream, after) > 0);
  const from = start === -1 ? ordered.length : start;
  return { page: ordered.slice(from, from + limit), more: from + limit < ordered.length };
}

/** Removes a stream and its read markers; `true` when it existed. */
export function dropMemoryStream(database: MemoryDatabase, ref: StreamRef): boolean {
  const key = streamKey(ref.namespace, ref.room);
  const existed = database.streams.delete(key);
  const markerPrefix = `${key}\u0000`;
  for (const marker of database.cursors.keys()) if (marker.startsWith(markerPrefix)) database.cursors.delete(marker);
  return existed;
}

/** A stream's read markers in user order (UTF-16 code units), the page after user `after`. */
export function cursorPage(database: MemoryDatabase, ref: StreamRef, after: string | null, limit: number): CursorList {
  const prefix = `${streamKey(ref.namespace, ref.room)}\u0000`;
  const users: [string, number][] = [];
  for (const [marker, seq] of database.cursors) {
    if (!marker.startsWith(prefix)) continue;
    const user = marker.slice(prefix.length);
    if (after === null || user > after) users.push([user, seq]);
  }
  users.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const page = users.slice(0, limit);
  return {
    cursors: page.map(([userId, seq]) => ({ userId, seq })),
    next: users.length > limit ? encodeUserCursor(page.at(-1)![0]) : null,
  };
}

/** Orders streams by namespace, then room, by UTF-16 code units (what `<` compares). */
function compareStreams(a: StreamRef, b: StreamRef): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.room !== b.room) return a.room < b.room ? -1 : 1;
  return 0;
}
