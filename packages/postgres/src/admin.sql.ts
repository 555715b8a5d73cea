/**
 * The statements of the operations side: importing entries with their own seq, id and times,
 * listing and dropping streams, and the readiness check. Names are validated, quoted
 * identifiers; every value is a `$n` parameter.
 */
import type { TableNames } from './options';
import { upgradedColumns } from './upgrades.sql';

/** Creates the stream of an import if missing, with the imported epoch. `$1` namespace, `$2` room, `$3` epoch. */
export function createImportStreamSql(t: TableNames): string {
  return `INSERT INTO ${t.streams} (namespace, room, epoch, seq) VALUES ($1, $2, $3::uuid, 0)
ON CONFLICT (namespace, room) DO NOTHING`;
}

/**
 * Locks the stream row of an import (after {@link createImportStreamSql}, in the same
 * transaction), so no append or other import moves its head meanwhile. Returns
 * `stream_id, epoch, seq`. `$1` namespace, `$2` room.
 */
export function lockImportStreamSql(t: TableNames): string {
  return `SELECT stream_id, epoch::text AS epoch, seq FROM ${t.streams} WHERE namespace = $1 AND room = $2 FOR UPDATE`;
}

/**
 * Inserts imported entries (one array per column, same length) and raises the head to the
 * last one. `$1` stream_id, then seq, id, created_at, expires_at, edited_at, deleted_at,
 * target, version, kind, event, sender_id, client_message_id, payload, source_id arrays
 * (`source_id` the original id where `id` holds a UUID derived from it, else NULL).
 */
export function importEntriesSql(t: TableNames): string {
  return `WITH entries AS (
  INSERT INTO ${t.messages} (stream_id, seq, id, created_at, expires_at, edited_at, deleted_at, target, version,
    kind, event, sender_id, client_message_id, payload, source_id)
  SELECT $1, e.seq, e.id, e.created_at, e.expires_at, e.edited_at, e.deleted_at, e.target, e.version,
    e.kind, e.event, e.sender_id, e.client_message_id, e.payload::json, e.source_id
  FROM unnest($2::bigint[], $3::uuid[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
    $9::int[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
    AS e(seq, id, created_at, expires_at, edited_at, deleted_at, target, version, kind, event, sender_id,
      client_message_id, payload, source_id)
  RETURNING seq
)
UPDATE ${t.streams} SET seq = greatest(seq, (SELECT max(seq) FROM entries)) WHERE stream_id = $1`;
}

/** Streams after `($1, $2)` (both NULL for the first page) in `(namespace, room)` order, `$3` of them. */
export function listStreamsSql(t: TableNames): string {
  return `SELECT namespace, room FROM ${t.streams}
WHERE $1::text IS NULL OR (namespace, room) > ($1, $2)
ORDER BY namespace, room
LIMIT $3`;
}

/** Removes a stream, its entries and its read markers in one statement; returns `dropped` (0 or 1). `$1` namespace, `$2` room. */
export function dropStreamSql(t: TableNames): string {
  return `WITH s AS (DELETE FROM ${t.streams} WHERE namespace = $1 AND room = $2 RETURNING stream_id),
m AS (DELETE FROM ${t.messages} WHERE stream_id IN (SELECT stream_id FROM s)),
c AS (DELETE FROM ${t.cursors} WHERE stream_id IN (SELECT stream_id FROM s))
SELECT count(*)::int AS dropped FROM s`;
}

/**
 * The readiness check: one row saying which of Roomlog's tables, indexes, upgraded columns
 * and the append function are missing (an empty array when none is).
 */
export function pingSql(t: TableNames): string {
  const relations = [
    t.streams,
    t.messages,
    t.cursors,
    ...['messages_client_id', 'messages_sender', 'messages_expiry'].map((name) => `${t.schema}.${t.local(name)}`),
  ];
  const checks = relations.map(
    (name) => `CASE WHEN to_regclass('${name.replaceAll("'", "''")}') IS NULL THEN '${name.replaceAll("'", "''")}' END`,
  );
  checks.push(`CASE WHEN to_regproc('${t.append.replaceAll("'", "''")}') IS NULL THEN '${t.append.replaceAll("'", "''")}' END`);
  for (const [table, column] of upgradedColumns(t)) {
    const name = `${table}.${column}`.replaceAll("'", "''");
    checks.push(
      `CASE WHEN NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('${table.replaceAll("'", "''")}') AND attname = '${column}' AND NOT attisdropped) THEN '${name}' END`,
    );
  }
  return `SELECT array_remove(ARRAY[${checks.join(', ')}]::text[], NULL) AS missing`;
}

/**
 * The original ids of duplicates an append returned: the append function answers with the
 * `uuid` column, so a duplicate of an imported entry would otherwise carry the derived UUID.
 * `$1` namespaces, `$2` rooms, `$3` seqs (one per duplicate); rows only where one is kept.
 */
export function sourceIdsSql(t: TableNames): string {
  return `SELECT d.ix::int AS ix, m.source_id
FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS d(namespace, room, seq, ix)
JOIN ${t.streams} s ON s.namespace = d.namespace AND s.room = d.room
JOIN ${t.messages} m ON m.stream_id = s.stream_id AND m.seq = d.seq
WHERE m.source_id IS NOT NULL`;
}

/**
 * A stream's read markers after user `$3` (NULL for the first page), in user order, `$4` of
 * them; the primary key `(stream_id, user_id)` serves it. `$1` namespace, `$2` room.
 */
export function listCursorsSql(t: TableNames): string {
  return `SELECT c.user_id, c.seq FROM ${t.streams} s
JOIN ${t.cursors} c ON c.stream_id = s.stream_id
WHERE s.namespace = $1 AND s.room = $2 AND ($3::text IS NULL OR c.user_id > $3)
ORDER BY c.user_id
LIMIT $4`;
}
