/**
 * The statements of the operations side, for all three dialects: listing streams in
 * `(namespace, room)` order, dropping a stream, inserting imported entries with every field as
 * exported, and the readiness check. Values travel as bound parameters.
 */
import type { PreparedImportEntry } from '@roomlog/core';
import { type Dialect, Params } from './dialect';
import { MESSAGE_COLUMNS, type Statement, type TableNames } from './queries.sql';

/**
 * An imported entry with the stream key, the id it is kept under (`id`, a UUID) and, when that
 * is not the exported id, the exported one (`sourceId`).
 */
export type ImportRow = PreparedImportEntry & { key: string; sourceId: string | null };

/** Inserts imported entries in one statement, each with its original id where `id` holds a derived one. */
export function insertImported(dialect: Dialect, t: TableNames, rows: readonly ImportRow[]): Statement {
  const p = new Params(dialect);
  const values = rows
    .map(
      (e) =>
        `(${p.add(e.key)}, ${p.add(e.seq)}, ${p.add(e.id)}, ${p.add(e.event)}, ${p.add(e.payload)}, ${p.add(e.senderId)}, ` +
        `${p.add(e.clientMessageId)}, ${p.add(e.createdAt)}, ${p.add(e.kind)}, ${p.add(e.target)}, ${p.add(e.version)}, ` +
        `${p.add(e.editedAt)}, ${p.add(e.deletedAt)}, ${p.add(e.expiresAt)}, ${p.add(e.sourceId)})`,
    )
    .join(', ');
  return { sql: `INSERT INTO ${t.messages} (${MESSAGE_COLUMNS}, source_id) VALUES ${values}`, params: p.values };
}

/** Creates an import's counter row at seq 0 under the imported epoch. */
export function insertImportStream(
  dialect: Dialect,
  t: TableNames,
  key: string,
  namespace: string,
  room: string,
  epoch: string,
): Statement {
  const p = new Params(dialect);
  return {
    sql: `INSERT INTO ${t.streams} (stream_key, namespace, room, epoch, seq, next_expiry) VALUES (${p.add(key)}, ${p.add(namespace)}, ${p.add(room)}, ${p.add(epoch)}, 0, NULL)`,
    params: p.values,
  };
}

/** Sets the counter to `seq` and `next_expiry` (read under the row lock, lowered by the import). */
export function advanceImported(dialect: Dialect, t: TableNames, key: string, seq: number, nextExpiry: number | null): Statement {
  const p = new Params(dialect);
  return {
    sql: `UPDATE ${t.streams} SET seq = ${p.add(seq)}, next_expiry = ${p.add(nextExpiry)} WHERE stream_key = ${p.add(key)}`,
    params: p.values,
  };
}

/** Up to `limit` streams after `(namespace, room)` (none for the first page), in that order. */
export function selectStreamPage(
  dialect: Dialect,
  t: TableNames,
  after: { namespace: string; room: string } | null,
  limit: number,
): Statement {
  const p = new Params(dialect);
  const where =
    after === null
      ? ''
      : `WHERE namespace > ${p.add(after.namespace)} OR (namespace = ${p.add(after.namespace)} AND room > ${p.add(after.room)})`;
  return { sql: `SELECT namespace, room FROM ${t.streams} ${where} ORDER BY namespace, room LIMIT ${p.add(limit)}`, params: p.values };
}

/** Up to `limit` read markers of stream `key` after user `after` (none for the first page), in user order. */
export function selectCursorPage(dialect: Dialect, t: TableNames, key: string, after: string | null, limit: number): Statement {
  const p = new Params(dialect);
  // Placeholders are positional on MySQL and SQLite: add them in the order the text has them.
  const stream = p.add(key);
  const from = after === null ? '' : ` AND user_id > ${p.add(after)}`;
  return {
    sql: `SELECT user_id, seq FROM ${t.cursors} WHERE stream_key = ${stream}${from} ORDER BY user_id LIMIT ${p.add(limit)}`,
    params: p.values,
  };
}

/** Deletes one stream's rows from `table`. */
export function deleteStreamRows(dialect: Dialect, t: TableNames, table: 'streams' | 'messages' | 'cursors', key: string): Statement {
  const p = new Params(dialect);
  return { sql: `DELETE FROM ${t[table]} WHERE stream_key = ${p.add(key)}`, params: p.values };
}

/** A query that fails when `table` is missing and otherwise returns nothing. */
export function probeTable(t: TableNames, table: 'streams' | 'messages' | 'cursors'): Statement {
  return { sql: `SELECT stream_key FROM ${t[table]} WHERE 1 = 0`, params: [] };
}

/** A query that fails when a column added by a later migration (`source_id`) is missing. */
export function probeUpgrades(t: TableNames): Statement {
  return { sql: `SELECT source_id FROM ${t.messages} WHERE 1 = 0`, params: [] };
}
