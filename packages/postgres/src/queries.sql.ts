/**
 * Every statement the store runs besides the append function (see `schema.sql.ts`). Table
 * names are validated and quoted identifiers; every value is a `$n` parameter.
 *
 * Retention parameters shared by these statements: `now` (ms since epoch), `cutoff`
 * (`ageCutoff`, or NULL) and `maxCount` (or NULL). An entry is live when its TTL has not
 * passed, it is younger than the cutoff and its seq is at or above the count floor
 * (`seq > head - maxCount`), the same rule as core's `isLive` and `countFloor`.
 */
import type { TableNames } from './options';
import { UNREAD_SCAN_LIMIT } from '@roomlog/core';

/** The columns of a stored entry, as `rowToMessage` reads them. */
function entryColumns(alias: string): string {
  // An imported entry keeps its original id in source_id (see `upgrades.sql.ts`).
  return `${alias}.seq, coalesce(${alias}.source_id, ${alias}.id::text) AS id, ${alias}.created_at, ${alias}.expires_at, ${alias}.edited_at,
    ${alias}.deleted_at, ${alias}.target, ${alias}.version, ${alias}.kind, ${alias}.event,
    ${alias}.sender_id, ${alias}.client_message_id, ${alias}.payload::text AS payload`;
}

/**
 * SQL true when entry `m` of the stream whose head is `head` is retained (see the file comment).
 * A `null` cutoff or maxCount leaves its clause out (a store without that retention rule).
 */
function liveSql(m: string, head: string, now: string, cutoff: string | null, maxCount: string | null): string {
  return [
    `(${m}.expires_at IS NULL OR ${m}.expires_at > ${now})`,
    ...(cutoff ? [`(${cutoff}::bigint IS NULL OR ${m}.created_at > ${cutoff})`] : []),
    ...(maxCount ? [`(${maxCount}::bigint IS NULL OR ${m}.seq > ${head} - ${maxCount})`] : []),
  ].join('\n    AND ');
}

/** Which retention rules a store has configured; a read statement carries only those. */
export interface RetentionShape {
  /** `maxAgeMs` is set. */
  age: boolean;
  /** `maxCount` is set. */
  count: boolean;
}

/**
 * A page of a stream plus its head, in one statement (one snapshot, so page and head agree).
 * One row per entry, each carrying the head; a single row with NULL entry columns when the page
 * is empty; no row when the stream was never written. With limit 0 it is the head query.
 *
 * Built per store for the retention it has: an unused clause still costs planning time on
 * every read (unnamed statements are planned per call), about half of a page read's time on
 * the server before this was specialized.
 *
 * `$1` namespace, `$2` room, `$3` now, `$4` after (exclusive, NULL for none), `$5` before
 * (exclusive, NULL for none), `$6` row limit, then the cutoff (`shape.age`) and maxCount
 * (`shape.count`), in that order: see {@link readValues}.
 *
 * @param newest - read backwards from `before`/the head (no `after`): the page is the newest
 *   `limit` entries, returned in descending seq. Otherwise ascending from `after`.
 */
export function readSql(t: TableNames, newest: boolean, shape: RetentionShape): string {
  const cutoff = shape.age ? '$7' : null;
  const maxCount = shape.count ? (shape.age ? '$8' : '$7') : null;
  const live = (m: string) => liveSql(m, 'st.seq', '$3', cutoff, maxCount);
  // Only age retention needs the oldest live entry, for firstSeq (see core's firstSeqOf).
  const oldest = cutoff
    ? `LEFT JOIN LATERAL (
    SELECT o.seq FROM ${t.messages} o
    WHERE o.stream_id = st.stream_id AND ${live('o')}
    ORDER BY o.seq LIMIT 1
  ) o ON true`
    : '';
  return `SELECT st.seq AS head_seq, st.epoch, ${cutoff ? 'o.seq' : 'NULL::bigint'} AS oldest_live, ${entryColumns('m')}
  FROM ${t.streams} st
  ${oldest}
  LEFT JOIN LATERAL (
    SELECT * FROM ${t.messages} e
    WHERE e.stream_id = st.stream_id
      AND e.seq > coalesce($4::bigint, 0)
      AND e.seq < coalesce($5::bigint, 9223372036854775807)
      AND ${live('e')}
    ORDER BY e.seq ${newest ? 'DESC' : 'ASC'}
    LIMIT $6
  ) m ON true
  WHERE st.namespace = $1 AND st.room = $2`;
}

/** The values of {@link readSql}'s parameters, in its order. */
export function readValues(
  shape: RetentionShape,
  query: { namespace: string; room: string; now: number; after: number | null; before: number | null; limit: number },
  retention: { cutoff: number | null; maxCount: number | null },
): unknown[] {
  const values: unknown[] = [query.namespace, query.room, query.now, query.after, query.before, query.limit];
  if (shape.age) values.push(retention.cutoff);
  if (shape.count) values.push(retention.maxCount);
  return values;
}

/**
 * Edit or delete of a live `message` entry, with its log entry, in one statement. The counter
 * row is locked first, so the log entry's seq is the next one, gapless. Returns the updated
 * target with the stream's epoch, or no row when the target is not a live, undeleted message.
 *
 * `$1` namespace, `$2` room, `$3` target seq, `$4` new payload (NULL to delete), `$5` now,
 * `$6` cutoff, `$7` maxCount, `$8` log entry id, `$9` kind (`'edit'` | `'delete'`), `$10` by.
 */
export function changeSql(t: TableNames): string {
  return `WITH st AS (
    SELECT stream_id, seq, epoch FROM ${t.streams}
    WHERE namespace = $1 AND room = $2
    FOR UPDATE
  ), target AS (
    UPDATE ${t.messages} m SET
      payload = $4::json,
      version = m.version + 1,
      edited_at = CASE WHEN $9::text = 'edit' THEN $5::bigint ELSE m.edited_at END,
      deleted_at = CASE WHEN $9::text = 'delete' THEN $5::bigint ELSE m.deleted_at END
    FROM st
    WHERE m.stream_id = st.stream_id AND m.seq = $3 AND m.kind = 'message' AND m.deleted_at IS NULL
      AND ${liveSql('m', 'st.seq', '$5', '$6', '$7')}
    RETURNING m.*
  ), logged AS (
    INSERT INTO ${t.messages} (stream_id, seq, id, created_at, kind, target, event, sender_id, payload)
    SELECT st.stream_id, st.seq + 1, $8, $5, $9, t.seq, t.event, $10, t.payload
    FROM st JOIN target t ON true
  ), bumped AS (
    UPDATE ${t.streams} s SET seq = st.seq + 1
    FROM st JOIN target ON true
    WHERE s.stream_id = st.stream_id
  )
  SELECT st.epoch, ${entryColumns('t')} FROM st JOIN target t ON true`;
}

/**
 * Moves a read marker forward, clamped to the head; a lower value keeps the current one.
 * No row when the stream was never written. `$1` namespace, `$2` room, `$3` user, `$4` seq.
 */
export function setCursorSql(t: TableNames): string {
  return `INSERT INTO ${t.cursors} AS c (stream_id, user_id, seq)
  SELECT st.stream_id, $3, least($4::bigint, st.seq) FROM ${t.streams} st
  WHERE st.namespace = $1 AND st.room = $2
  ON CONFLICT (stream_id, user_id) DO UPDATE SET seq = greatest(c.seq, EXCLUDED.seq)
  RETURNING c.seq`;
}

/** A read marker. `$1` namespace, `$2` room, `$3` user. */
export function getCursorSql(t: TableNames): string {
  return `SELECT c.seq FROM ${t.cursors} c
  JOIN ${t.streams} st ON st.stream_id = c.stream_id
  WHERE st.namespace = $1 AND st.room = $2 AND c.user_id = $3`;
}

/**
 * Live, undeleted `message` entries after the user's marker that the user did not send.
 * `$1` namespace, `$2` room, `$3` user, `$4` now, `$5` cutoff, `$6` maxCount.
 */
export function unreadCountSql(t: TableNames): string {
  // Bounded work: only the first UNREAD_SCAN_LIMIT entries after the cursor (an index range).
  return `SELECT count(*)::int AS unread FROM ${t.streams} st
  LEFT JOIN ${t.cursors} c ON c.stream_id = st.stream_id AND c.user_id = $3
  CROSS JOIN LATERAL (
    SELECT * FROM ${t.messages} w WHERE w.stream_id = st.stream_id AND w.seq > coalesce(c.seq, 0)
    ORDER BY w.seq LIMIT ${UNREAD_SCAN_LIMIT}
  ) m
  WHERE st.namespace = $1 AND st.room = $2
    AND m.kind = 'message' AND m.deleted_at IS NULL AND m.sender_id IS DISTINCT FROM $3
    AND ${liveSql('m', 'st.seq', '$4', '$5', '$6')}`;
}

/**
 * Erases up to `$3` not yet erased entries of sender `$1` (time `$2`), through the partial
 * sender index. Run until it touches fewer than `$3`, so no statement touches unbounded rows.
 * Entries that retention already expired but has not swept yet are wiped too (their data
 * must not outlive an erasure) but not counted: `erased` counts only the live ones, which a
 * read could still return. `$4` cutoff, `$5` maxCount.
 */
export function eraseSenderSql(t: TableNames): string {
  return `WITH batch AS (
    SELECT stream_id, seq FROM ${t.messages}
    WHERE sender_id = $1 AND deleted_at IS NULL
    LIMIT $3
  ), wiped AS (
    UPDATE ${t.messages} m SET payload = NULL, deleted_at = $2, version = m.version + 1
    FROM batch b
    WHERE m.stream_id = b.stream_id AND m.seq = b.seq AND m.deleted_at IS NULL
    RETURNING m.stream_id, m.seq, m.created_at, m.expires_at
  )
  SELECT count(*)::int AS touched,
    (count(*) FILTER (WHERE ${liveSql('m', 'st.seq', '$2::bigint', '$4', '$5')}))::int AS erased
  FROM wiped m LEFT JOIN ${t.streams} st ON st.stream_id = m.stream_id`;
}

/**
 * Calls the append function; parameters as its signature in `schema.sql.ts`. The store's
 * retention settings go into the text as constants: they never change for a store, and each
 * parameter costs encoding and parsing on every call. They are safe integers or NULL (checked by
 * the options), so the text is exactly what `String` of them gives.
 */
export function appendSql(t: TableNames, retention: { maxCount: number | null; maxAgeMs: number | null }): string {
  const constant = (value: number | null) => {
    if (value !== null && !Number.isSafeInteger(value)) throw new Error(`retention setting ${value} is not a safe integer`);
    return value === null ? 'NULL' : String(value);
  };
  return `SELECT * FROM ${t.append}($1, $2, $3, $4, $5, $6, $7, $8, $9, ${constant(retention.maxCount)}, ${constant(retention.maxAgeMs)})`;
}

/** Takes the migration lock of a schema until the transaction ends. `$1` lock key (`TableNames.lockKey`). */
export const MIGRATION_LOCK_SQL = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';
