/** Identifiers Roomlog generates: message ids and stream epochs. */
import { randomUUID } from 'node:crypto';

/** A new unique message id. */
export function newMessageId(): string {
  return randomUUID();
}

/** A new stream epoch; unique, so a stream recreated after data loss never repeats an old one. */
export function newEpoch(): string {
  return randomUUID();
}

/**
 * The key of a stream in maps and caches. NUL cannot occur in a namespace or room
 * (validation refuses it), so the joined form is unambiguous.
 */
export function streamKey(namespace: string, room: string): string {
  return `${namespace}\u0000${room}`;
}
