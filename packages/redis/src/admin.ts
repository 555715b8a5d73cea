/**
 * The operations side of the Redis store: listing streams by scanning their meta keys, and
 * turning imported entries into the script's arguments. The keys carry only a digest of
 * `(namespace, room)`; the names are read from the meta hash, where appends write them.
 */
import { type PreparedImportEntry, invalidCursorPosition, invalidStreamCursor } from '@roomlog/core';
import { entryId } from './entry';
import type { Cluster } from 'ioredis';
import type { RedisClient } from './evalsha';

const KIND_CODES = { message: 'm', edit: 'e', delete: 'd' } as const;

/** The import script's 13 arguments for one entry (see `IMPORT_SCRIPT`). */
export function importArgs(entry: PreparedImportEntry, streamEpoch: string): (string | number)[] {
  const orEmpty = (value: string | number | null) => (value === null ? '' : value);
  return [
    entry.seq,
    entry.createdAt,
    orEmpty(entry.expiresAt),
    KIND_CODES[entry.kind],
    orEmpty(entry.target),
    entry.version,
    orEmpty(entry.editedAt),
    orEmpty(entry.deletedAt),
    orEmpty(entry.senderId),
    orEmpty(entry.clientMessageId),
    entry.event,
    orEmpty(entry.payload),
    // The derived id costs nothing to keep; any other is stored with the entry.
    entry.id === entryId(streamEpoch, entry.seq) ? '' : entry.id,
  ];
}

/** A scan position: which node (of a cluster's masters) and its SCAN cursor. */
interface ScanPosition {
  node: number;
  cursor: string;
}

/** `listStreams` positions: `<node>.<cursor>`, both decimal. */
export function decodeScanPosition(backend: string, after: string | null): ScanPosition {
  if (after === null) return { node: 0, cursor: '0' };
  const match = /^(\d{1,4})\.(\d{1,20})$/.exec(after);
  if (!match) throw invalidStreamCursor(backend);
  return { node: Number(match[1]), cursor: match[2]! };
}

/** A `listCursors` position: the HSCAN cursor of the stream's marker hash, decimal. */
export function decodeHashPosition(backend: string, after: string | null): string {
  if (after === null) return '0';
  if (!/^[1-9]\d{0,19}$/.test(after)) throw invalidCursorPosition(backend);
  return after;
}

/** The nodes to scan: a standalone server, or every master of a cluster. */
export function scanNodes(client: RedisClient): RedisClient[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client];
}

/** Escapes the glob characters of a key prefix for `SCAN MATCH`. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
