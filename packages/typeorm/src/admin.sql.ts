/**
 * The statements of the operations side, for all three dialects: listing streams in
 * `(namespace, room)` order, dropping a stream and the readiness check (imported entries go
 * through `insertEntries`, with every field as exported). Values travel as bound parameters.
 */
import type { PreparedImportEntry } from '@roomlog/core';
import { type Dialect, Params } from './dialect';
import type { Statement, TableNames } from './queries.sql';

/** An imported entry with the stream key and the id it is kept under; written by `insertEntries`. */
export type ImportRow = PreparedImportEntry & { key: string };

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

/** Deletes one stream's rows from `table`. */
export function deleteStreamRows(dialect: Dialect, t: TableNames, table: 'streams' | 'messages' | 'cursors', key: string): Statement {
  const p = new Params(dialect);
  return { sql: `DELETE FROM ${t[table]} WHERE stream_key = ${p.add(key)}`, params: p.values };
}

/** A query that fails when `table` is missing and otherwise returns nothing. */
export function probeTable(t: TableNames, table: 'streams' | 'messages' | 'cursors'): Statement {
  return { sql: `SELECT stream_key FROM ${t[table]} WHERE 1 = 0`, params: [] };
}
