/**
 * The indexed id of a stream. Room and namespace names may be 512 UTF-8 bytes each, too long
 * for one index key on MySQL/MariaDB (InnoDB stops at 3072 bytes; two utf8mb4 VARCHAR(512)
 * take 4096), so every table indexes a fixed-length hash and keeps the names as data.
 */
import { createHash } from 'node:crypto';
import { streamKey } from '@roomlog/core';

/**
 * sha256 hex (64 ASCII characters) of core's `streamKey(namespace, room)`.
 * @param stream - `streamKey(namespace, room)`, as `prepareBatch` gives it.
 */
export function hashStreamKey(stream: string): string {
  return createHash('sha256').update(stream, 'utf8').digest('hex');
}

/** {@link hashStreamKey} of a namespace and room. */
export function streamHash(namespace: string, room: string): string {
  return hashStreamKey(streamKey(namespace, room));
}
