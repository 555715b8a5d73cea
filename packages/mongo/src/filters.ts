/**
 * Filters shared by every operation. Every caller-supplied value goes in as `{ $eq: value }`,
 * so a room or event that looks like `{ "$gt": "" }` is compared as a value, never run as an
 * operator (validation already insists on strings; this makes the query itself say so).
 */
import { type ResolvedStoreOptions, type StreamRef, ageCutoff, isLive } from '@roomlog/core';
import type { mongo } from 'mongoose';
import { type MessageDocument, millis } from './documents';

/** Entries of one stream. */
export function streamFilter(stream: StreamRef): { namespace: { $eq: string }; room: { $eq: string } } {
  return { namespace: { $eq: stream.namespace }, room: { $eq: stream.room } };
}

/**
 * Entries still retained at `now`: younger than `maxAgeMs` and not past their own `expiresAt`.
 * The same test as core's `isLive`, as a query, because deletion is lazy.
 */
export function liveFilter(options: ResolvedStoreOptions, now: number): mongo.Filter<MessageDocument> {
  const cutoff = ageCutoff(options, now);
  const at = new Date(now);
  const filter: mongo.Filter<MessageDocument> = { $or: [{ expiresAt: { $eq: null } }, { expiresAt: { $gt: at } }] };
  if (cutoff !== null) filter.createdAt = { $gt: new Date(cutoff) };
  return filter;
}

/** Whether a stored entry is retained at `now` (core's `isLive` on the stored dates). */
export function isLiveDoc(doc: MessageDocument, now: number, cutoff: number | null): boolean {
  return isLive(millis(doc.createdAt), millis(doc.expiresAt), now, cutoff);
}
