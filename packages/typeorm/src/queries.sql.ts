/**
 * Every SQL statement the store runs, for all three dialects. Values always travel as bound
 * parameters; only escaped table names and fixed column names are spliced into the text.
 *
 * PostgreSQL and SQLite share one upsert syntax (`ON CONFLICT ... RETURNING`); MySQL/MariaDB
 * use `ON DUPLICATE KEY UPDATE` and read the result back with a second statement.
 */
import { type NewEntry as CoreNewEntry, type StoredEntry, UNREAD_SCAN_LIMIT } from '@roomlog/core';
import { type Dialect, Params } from './dialect';

/** Escaped, schema-qualified table names as the DataSource sees them. */
export interface TableNames {
  streams: string;
  messages: string;
  cursors: string;
}

/** SQL text with its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** Columns of a message row as appends write it, in the order {@link MessageRow} lists them. */
export const MESSAGE_COLUMNS =
  'stream_key, seq, id, event, payload, sender_id, client_message_id, created_at, kind, target, version, edited_at, deleted_at, expires_at';
/** Columns a read selects: those, and the original id of an imported entry (see `tables.ts`). */
const SELECTED_COLUMNS = `${MESSAGE_COLUMNS}, source_id`;

/** What a counter row holds after allocation. */
export interface StreamRow {
  stream_key: string;
  seq: number | string;
  epoch: string;
  next_expiry: number | string | null;
}

/**
 * A message row as the driver returns it: BIGINTs may come back as strings (PostgreSQL,
 * MySQL), names and ids as `Buffer`s (MySQL's VARBINARY).
 */
export interface MessageRow {
  stream_key: string;
  seq: number | string;
  id: string;
  event: string | Buffer;
  payload: string | null;
  sender_id: string | Buffer | null;
  client_message_id: string | Buffer | null;
  created_at: number | string;
  kind: string;
  target: number | string | null;
  version: number | string;
  edited_at: number | string | null;
  deleted_at: number | string | null;
  expires_at: number | string | null;
  source_id: string | Buffer | null;
}

/** One stream's share of an allocation. */
export interface Allocation {
  key: string;
  namespace: string;
  room: string;
  /** Epoch to use if the stream is new. */
  epoch: string;
  /** How many seqs to take. */
  count: number;
  /** Earliest `expires_at` in this batch, or `null`. */
  nextExpiry: number | null;
}

/**
 * Creates each stream's counter row or locks the existing one, and advances it by `count`.
 * Rows are locked in the order given: callers sort by key so two batches never deadlock.
 * PostgreSQL/SQLite return the new counters; on MySQL follow with {@link selectStreams}.
 */
export function allocateSeqs(dialect: Dialect, t: TableNames, rows: readonly Allocation[]): Statement {
  const p = new Params(dialect);
  const values = rows
    .map((r) => `(${p.add(r.key)}, ${p.add(r.namespace)}, ${p.add(r.room)}, ${p.add(r.epoch)}, ${p.add(r.count)}, ${p.add(r.nextExpiry)})`)
    .join(', ');
  if (dialect === 'mysql') {
    return {
      sql: `INSERT INTO ${t.streams} (stream_key, namespace, room, epoch, seq, next_expiry) VALUES ${values}
        ON DUPLICATE KEY UPDATE
          next_expiry = CASE WHEN next_expiry IS NULL OR VALUES(next_expiry) < next_expiry THEN VALUES(next_expiry) ELSE next_expiry END,
          seq = seq + VALUES(seq)`,
      params: p.values,
    };
  }
  return {
    sql: `INSERT INTO ${t.streams} AS s (stream_key, namespace, room, epoch, seq, next_expiry) VALUES ${values}
      ON CONFLICT (stream_key) DO UPDATE SET
        seq = s.seq + excluded.seq,
        next_expiry = CASE WHEN s.next_expiry IS NULL OR excluded.next_expiry < s.next_expiry THEN excluded.next_expiry ELSE s.next_expiry END
      RETURNING stream_key, seq, epoch, next_expiry`,
    params: p.values,
  };
}

/** Counter rows by key (MySQL's read-back after {@link allocateSeqs}). */
export function selectStreams(dialect: Dialect, t: TableNames, keys: readonly string[]): Statement {
  const p = new Params(dialect);
  const list = keys.map((k) => p.add(k)).join(', ');
  return { sql: `SELECT stream_key, seq, epoch, next_expiry FROM ${t.streams} WHERE stream_key IN (${list})`, params: p.values };
}

/**
 * A stream's counter row. With `lock`, the row stays locked until the transaction ends
 * (PostgreSQL/MySQL `FOR UPDATE`; SQLite's transaction already excludes other writers).
 */
export function selectStream(dialect: Dialect, t: TableNames, key: string, lock: boolean): Statement {
  const p = new Params(dialect);
  const forUpdate = lock && dialect !== 'sqlite' ? ' FOR UPDATE' : '';
  return {
    sql: `SELECT stream_key, seq, epoch, next_expiry FROM ${t.streams} WHERE stream_key = ${p.add(key)}${forUpdate}`,
    params: p.values,
  };
}

/** Moves a counter back by `count` seqs it took but did not use (duplicates found under the lock). */
export function releaseSeqs(dialect: Dialect, t: TableNames, key: string, count: number): Statement {
  const p = new Params(dialect);
  return { sql: `UPDATE ${t.streams} SET seq = seq - ${p.add(count)} WHERE stream_key = ${p.add(key)}`, params: p.values };
}

/** Sets a counter to `seq` (edit/delete take one seq for their log entry). */
export function setStreamSeq(dialect: Dialect, t: TableNames, key: string, seq: number): Statement {
  const p = new Params(dialect);
  return { sql: `UPDATE ${t.streams} SET seq = ${p.add(seq)} WHERE stream_key = ${p.add(key)}`, params: p.values };
}

/**
 * Stored messages whose idempotency key matches, per stream. On MySQL a locking read, so a
 * caller's REPEATABLE READ snapshot cannot hide a row committed after it began.
 */
export function findByClientIds(dialect: Dialect, t: TableNames, wanted: ReadonlyMap<string, readonly string[]>): Statement {
  const p = new Params(dialect);
  const conditions: string[] = [];
  for (const [key, ids] of wanted) {
    conditions.push(`(stream_key = ${p.add(key)} AND client_message_id IN (${ids.map((id) => p.add(id)).join(', ')}))`);
  }
  const lock = dialect === 'mysql' ? ' FOR UPDATE' : '';
  return { sql: `SELECT ${SELECTED_COLUMNS} FROM ${t.messages} WHERE ${conditions.join(' OR ')}${lock}`, params: p.values };
}

/**
 * An entry to insert with its stream's key: a new one (core's `NewEntry`: version 1, never
 * edited or deleted) or one imported with every field as exported.
 */
export type NewEntry = CoreNewEntry & Partial<Pick<StoredEntry, 'version' | 'editedAt' | 'deletedAt'>> & { key: string };

/** Inserts entries in one statement. */
export function insertEntries(dialect: Dialect, t: TableNames, entries: readonly NewEntry[]): Statement {
  const p = new Params(dialect);
  const values = entries
    .map(
      (e) =>
        `(${p.add(e.key)}, ${p.add(e.seq)}, ${p.add(e.id)}, ${p.add(e.event)}, ${p.add(e.payload)}, ${p.add(e.senderId)}, ` +
        `${p.add(e.clientMessageId)}, ${p.add(e.createdAt)}, ${p.add(e.kind)}, ${p.add(e.target)}, ${p.add(e.version ?? 1)}, ` +
        `${p.add(e.editedAt ?? null)}, ${p.add(e.deletedAt ?? null)}, ${p.add(e.expiresAt)})`,
    )
    .join(', ');
  return { sql: `INSERT INTO ${t.messages} (${MESSAGE_COLUMNS}) VALUES ${values}`, params: p.values };
}

/**
 * Removes whatever a stream's entries and cursors left behind when its counter row was lost
 * (deleted by hand, restored without it): the stream restarts at seq 1 with a new epoch.
 */
export function purgeStreams(dialect: Dialect, t: TableNames, table: 'messages' | 'cursors', keys: readonly string[]): Statement {
  const p = new Params(dialect);
  return { sql: `DELETE FROM ${t[table]} WHERE stream_key IN (${keys.map((k) => p.add(k)).join(', ')})`, params: p.values };
}

/** Deletes entries by (stream, seq): expired ones whose idempotency keys new messages reuse. */
export function deleteEntries(dialect: Dialect, t: TableNames, entries: readonly { key: string; seq: number }[]): Statement {
  const p = new Params(dialect);
  const which = entries.map((e) => `(stream_key = ${p.add(e.key)} AND seq = ${p.add(e.seq)})`).join(' OR ');
  return { sql: `DELETE FROM ${t.messages} WHERE ${which}`, params: p.values };
}

/** What a retention sweep removes from one stream; each bound is skipped when `null`, at least one is set. */
export interface Sweep {
  key: string;
  /** Remove seqs below this (`maxCount`). */
  floor: number | null;
  /** Remove entries created at or before this (`maxAgeMs`). */
  cutoff: number | null;
  /** Remove entries whose own TTL ended at or before this. */
  now: number | null;
}

/**
 * Physically removes up to `limit` expired entries of the given streams in one statement, so
 * a sweep never holds locks for long; the next write continues where it stopped.
 */
export function deleteExpired(dialect: Dialect, t: TableNames, sweeps: readonly Sweep[], limit: number): Statement {
  const p = new Params(dialect);
  // Placeholders are added in the order they appear: MySQL and SQLite bind `?` by position.
  const expired = () =>
    sweeps
      .map((sweep) => {
        const stream = `stream_key = ${p.add(sweep.key)}`;
        const which: string[] = [];
        if (sweep.floor !== null) which.push(`seq < ${p.add(sweep.floor)}`);
        if (sweep.cutoff !== null) which.push(`created_at <= ${p.add(sweep.cutoff)}`);
        if (sweep.now !== null) which.push(`expires_at <= ${p.add(sweep.now)}`);
        return `(${stream} AND (${which.join(' OR ')}))`;
      })
      .join(' OR ');
  if (dialect === 'mysql') {
    return { sql: `DELETE FROM ${t.messages} WHERE ${expired()} LIMIT ${p.add(limit)}`, params: p.values };
  }
  // PostgreSQL has no DELETE ... LIMIT and sql.js is built without it: bound through a subquery.
  return {
    sql: `DELETE FROM ${t.messages} WHERE (stream_key, seq) IN (SELECT stream_key, seq FROM ${t.messages} WHERE ${expired()} LIMIT ${p.add(limit)})`,
    params: p.values,
  };
}

/** Recomputes the earliest pending TTL of streams after a sweep. */
export function refreshNextExpiry(dialect: Dialect, t: TableNames, keys: readonly string[]): Statement {
  const p = new Params(dialect);
  return {
    sql: `UPDATE ${t.streams} AS s SET next_expiry = (SELECT MIN(m.expires_at) FROM ${t.messages} m WHERE m.stream_key = s.stream_key)
      WHERE s.stream_key IN (${keys.map((k) => p.add(k)).join(', ')})`,
    params: p.values,
  };
}

/** Seq of the oldest entry at or above `floor` that is live at `now` (age and TTL). */
export function oldestLiveSeq(dialect: Dialect, t: TableNames, key: string, floor: number, cutoff: number, now: number): Statement {
  const p = new Params(dialect);
  return {
    sql: `SELECT MIN(seq) AS seq FROM ${t.messages}
      WHERE stream_key = ${p.add(key)} AND seq >= ${p.add(floor)} AND created_at > ${p.add(cutoff)}
        AND (expires_at IS NULL OR expires_at > ${p.add(now)})`,
    params: p.values,
  };
}

/** A keyset page: live entries with `low <= seq <= high`, nearest to `low` (ascending) or to `high` (descending). */
export interface PageQuery {
  key: string;
  low: number;
  high: number;
  /** `ASC` reads forward from `low`, `DESC` backward from `high`. */
  order: 'ASC' | 'DESC';
  /** Rows to fetch (the page size + 1, to learn `hasMore`). */
  limit: number;
  now: number;
  /** Age cutoff, or `null` without `maxAgeMs`. */
  cutoff: number | null;
}

/** One keyset page over the primary key (stream_key, seq). */
export function selectPage(dialect: Dialect, t: TableNames, q: PageQuery): Statement {
  const p = new Params(dialect);
  return {
    sql: `SELECT ${SELECTED_COLUMNS} FROM ${t.messages}
      WHERE stream_key = ${p.add(q.key)} AND seq >= ${p.add(q.low)} AND seq <= ${p.add(q.high)}
        AND (expires_at IS NULL OR expires_at > ${p.add(q.now)})${q.cutoff === null ? '' : ` AND created_at > ${p.add(q.cutoff)}`}
      ORDER BY seq ${q.order} LIMIT ${p.add(q.limit)}`,
    params: p.values,
  };
}

/** One entry by seq. */
export function selectEntry(dialect: Dialect, t: TableNames, key: string, seq: number): Statement {
  const p = new Params(dialect);
  return {
    sql: `SELECT ${SELECTED_COLUMNS} FROM ${t.messages} WHERE stream_key = ${p.add(key)} AND seq = ${p.add(seq)}`,
    params: p.values,
  };
}

/** Replaces an entry's payload in place (`version` + 1) and stamps `edited_at` or `deleted_at`. */
export function changeEntry(
  dialect: Dialect,
  t: TableNames,
  key: string,
  seq: number,
  payload: string | null,
  stamp: 'edited_at' | 'deleted_at',
  at: number,
): Statement {
  const p = new Params(dialect);
  return {
    sql: `UPDATE ${t.messages} SET payload = ${p.add(payload)}, version = version + 1, ${stamp} = ${p.add(at)}
      WHERE stream_key = ${p.add(key)} AND seq = ${p.add(seq)}`,
    params: p.values,
  };
}

/** Moves a read marker forward only. PostgreSQL/SQLite return it; on MySQL follow with {@link selectCursor}. */
export function advanceCursor(dialect: Dialect, t: TableNames, key: string, userId: string, seq: number): Statement {
  const p = new Params(dialect);
  const values = `(${p.add(key)}, ${p.add(userId)}, ${p.add(seq)})`;
  if (dialect === 'mysql') {
    return {
      sql: `INSERT INTO ${t.cursors} (stream_key, user_id, seq) VALUES ${values}
        ON DUPLICATE KEY UPDATE seq = CASE WHEN VALUES(seq) > seq THEN VALUES(seq) ELSE seq END`,
      params: p.values,
    };
  }
  return {
    sql: `INSERT INTO ${t.cursors} AS c (stream_key, user_id, seq) VALUES ${values}
      ON CONFLICT (stream_key, user_id) DO UPDATE SET seq = CASE WHEN excluded.seq > c.seq THEN excluded.seq ELSE c.seq END
      RETURNING seq`,
    params: p.values,
  };
}

/** A user's read marker. */
export function selectCursor(dialect: Dialect, t: TableNames, key: string, userId: string): Statement {
  const p = new Params(dialect);
  return { sql: `SELECT seq FROM ${t.cursors} WHERE stream_key = ${p.add(key)} AND user_id = ${p.add(userId)}`, params: p.values };
}

/** Live `message` entries after the user's marker that others sent, in one statement. */
export function countUnread(
  dialect: Dialect,
  t: TableNames,
  key: string,
  userId: string,
  now: number,
  cutoff: number | null,
  maxCount: number | null,
): Statement {
  const p = new Params(dialect);
  // Built strictly left to right: MySQL and SQLite bind `?` by position.
  // Bounded work: only the first UNREAD_SCAN_LIMIT entries after the cursor (an index range).
  let sql = `SELECT COUNT(*) AS n FROM (
      SELECT seq, kind, deleted_at, sender_id, expires_at, created_at FROM ${t.messages}
      WHERE stream_key = ${p.add(key)}
        AND seq > COALESCE((SELECT c.seq FROM ${t.cursors} c WHERE c.stream_key = ${p.add(key)} AND c.user_id = ${p.add(userId)}), 0)
      ORDER BY seq LIMIT ${UNREAD_SCAN_LIMIT}
    ) w
      WHERE kind = 'message' AND deleted_at IS NULL
        AND (sender_id IS NULL OR sender_id <> ${p.add(userId)})
        AND (expires_at IS NULL OR expires_at > ${p.add(now)})`;
  if (cutoff !== null) sql += ` AND created_at > ${p.add(cutoff)}`;
  if (maxCount !== null) sql += ` AND seq > (SELECT s.seq FROM ${t.streams} s WHERE s.stream_key = ${p.add(key)}) - ${p.add(maxCount)}`;
  return {
    sql,
    params: p.values,
  };
}

/**
 * Tombstones a sender's entries, in every stream, without log entries. With `live` only the
 * entries retention still keeps (so the affected count is what `eraseSender` reports); with
 * `null` every remaining one, so expired entries not yet swept lose their data too.
 */
export function eraseSender(
  dialect: Dialect,
  t: TableNames,
  senderId: string,
  at: number,
  live: { cutoff: number | null; maxCount: number | null } | null,
): Statement {
  const p = new Params(dialect);
  // Built strictly left to right: MySQL and SQLite bind `?` by position.
  let sql = `UPDATE ${t.messages} SET payload = NULL, deleted_at = ${p.add(at)}, version = version + 1
      WHERE sender_id = ${p.add(senderId)} AND deleted_at IS NULL`;
  if (live !== null) {
    sql += ` AND (expires_at IS NULL OR expires_at > ${p.add(at)})`;
    if (live.cutoff !== null) sql += ` AND created_at > ${p.add(live.cutoff)}`;
    if (live.maxCount !== null) {
      sql += ` AND seq > (SELECT s.seq FROM ${t.streams} s WHERE s.stream_key = ${t.messages}.stream_key) - ${p.add(live.maxCount)}`;
    }
  }
  return { sql, params: p.values };
}
