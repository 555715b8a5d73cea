/**
 * Document keys. A message's `_id` is `<stream id>:<seq>`, so "the entry at seq n" is a lookup
 * by `_id` — the one filter FerretDB v1 pushes down to SQLite (every other query scans the
 * collection) and an index point lookup on MongoDB.
 */
import { createHash } from 'node:crypto';
import { type StreamRef, streamKey } from '@roomlog/core';

/**
 * A short, fixed-length id for a stream: 128 bits of SHA-256 over `(namespace, room)`, base64url.
 * Names up to 512 bytes each would make long keys; a hash keeps `_id`s and their index small.
 */
export function streamId(stream: StreamRef): string {
  return createHash('sha256').update(streamKey(stream.namespace, stream.room)).digest('base64url').slice(0, 22);
}

/** The `_id` of the entry at `seq` in the stream `sid`. */
export function entryKey(sid: string, seq: number): string {
  return `${sid}:${seq}`;
}
