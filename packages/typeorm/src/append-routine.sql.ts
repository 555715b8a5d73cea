/**
 * The append routine: the whole write path of `append` (seqs, idempotency, the purge of lost
 * streams, insert, retention sweep) as one PostgreSQL function or one MariaDB/MySQL stored
 * procedure, so a batch costs one round trip. `RoomlogAppendRoutine1764633600000` installs it
 * with the DataSource's own table names written into its body (no dynamic SQL per call); the
 * store falls back to its statement-by-statement path (`queries.sql.ts`) where it is missing.
 *
 * Both do exactly what that path does, step for step, so results are the same either way:
 * 1. per stream, in key order: create or advance its counter row by the batch's count (which
 *    locks it until the transaction ends); a counter that now equals the count was just
 *    created, so entries and cursors left from a lost counter row go;
 * 2. per message with a `clientMessageId`: a stored live match is a duplicate; an expired one
 *    (below the count floor, past `maxAgeMs` or its TTL) is deleted, freeing its key;
 * 3. new messages take consecutive seqs; seqs duplicates did not use go back to the counter;
 * 4. insert; then sweep at most `sweepLimit` expired entries of the streams written, and
 *    recompute `next_expiry` where a TTL was due.
 *
 * Every statement after the counter lock runs with a fresh snapshot under READ COMMITTED (a
 * VOLATILE function's statements each take one; a procedure's too), so a batch that waited for
 * the lock sees what the batch before it committed.
 */
import type { RoomlogPaths } from './table-paths';

/**
 * The PostgreSQL function. Parameters: per stream (sorted by key) `p_keys`, `p_namespaces`,
 * `p_rooms`, `p_epochs` (used if the stream is new) and `p_counts` (how many of the message
 * arrays' elements, in order, are its); per message `p_ids`, `p_events`, `p_payloads`,
 * `p_senders`, `p_client_ids`, `p_expires`; then the batch time, `maxCount`, the age cutoff
 * (`null` without `maxAgeMs`) and `sweepLimit`. One row per message: `ord` is its 1-based
 * position in the message arrays; a new message carries only its seq and epoch, a duplicate
 * also the stored original's columns.
 *
 * Plans: four indexes of the messages table start with `stream_key`, and on a table that was
 * never analyzed the planner rates them all alike, even with each call's own values: a probe
 * by (stream_key, client_message_id) that took the `expires_at` index read the whole stream
 * every time (measured: store appends on a fresh schema fell from 26k to 3.4k messages/s; held
 * by `test/append-routine.test.ts`, which counts the rows a probe fetches). So no lookup leaves
 * the choice open: each one bounds the second column of the one index that serves it by a
 * range (an equality would make its order trivial; a key `k` is the range `[k, k]`) and orders
 * by it with a LIMIT, which only that index delivers without a sort (sequential and bitmap
 * scans, which deliver no order, are off, and so are explicit sorts: on a table of a few
 * hundred rows another index that starts with `stream_key`, shallower than the key index, plus
 * a sort of the one row the planner expected came out cheaper, and the probe read the whole
 * stream again, as `test/append-routine.test.ts` shows when sorts are allowed); deletes go by `ctid` from such a lookup. With the shapes fixed,
 * each statement is planned once per connection (`force_generic_plan`), as in
 * `@roomlog/postgres`'s function, instead of once per call.
 */
export function postgresAppendFunction(t: RoomlogPaths): string {
  const sweepStep = (condition: string, order: string) => `
      IF v_left > 0 THEN
        DELETE FROM ${t.messages} m WHERE m.ctid = ANY (ARRAY(
          SELECT x.ctid FROM ${t.messages} x WHERE x.stream_key = p_keys[v_ix] AND ${condition} ORDER BY ${order} LIMIT v_left));
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_left := v_left - v_n;
      END IF;`;
  return `
CREATE OR REPLACE FUNCTION ${t.append}(
  p_keys text[], p_namespaces text[], p_rooms text[], p_epochs text[], p_counts int[],
  p_ids text[], p_events text[], p_payloads text[], p_senders text[], p_client_ids text[], p_expires bigint[],
  p_now bigint, p_max_count bigint, p_cutoff bigint, p_sweep_limit int)
RETURNS TABLE (
  ord int, seq bigint, epoch text, duplicate boolean, id text, event text, payload text, sender_id text,
  client_message_id text, created_at bigint, kind text, target bigint, version int, edited_at bigint,
  deleted_at bigint, expires_at bigint, source_id text)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_sort = off
SET plan_cache_mode = force_generic_plan
AS $roomlog$
#variable_conflict use_column
DECLARE
  v_first int := 1;
  v_ix int;
  v_m int;
  v_row record;
  v_old record;
  v_next bigint;
  v_before bigint;
  v_floor bigint;
  v_seq bigint;
  v_heads bigint[] := '{}';
  v_nexts bigint[] := '{}';
  v_new_keys text[] := '{}';
  v_new_seqs bigint[] := '{}';
  v_new_ords int[] := '{}';
  v_left int := p_sweep_limit;
  v_n int;
BEGIN
  FOR v_ix IN 1 .. cardinality(p_keys) LOOP
    v_next := NULL;
    FOR v_m IN v_first .. v_first + p_counts[v_ix] - 1 LOOP
      IF p_expires[v_m] IS NOT NULL AND (v_next IS NULL OR p_expires[v_m] < v_next) THEN v_next := p_expires[v_m]; END IF;
    END LOOP;
    INSERT INTO ${t.streams} AS s (stream_key, namespace, room, epoch, seq, next_expiry)
    VALUES (p_keys[v_ix], p_namespaces[v_ix], p_rooms[v_ix], p_epochs[v_ix], p_counts[v_ix], v_next)
    ON CONFLICT (stream_key) DO UPDATE SET
      seq = s.seq + excluded.seq,
      next_expiry = CASE WHEN s.next_expiry IS NULL OR excluded.next_expiry < s.next_expiry THEN excluded.next_expiry ELSE s.next_expiry END
    RETURNING s.seq, s.epoch, s.next_expiry INTO v_row;
    v_before := v_row.seq - p_counts[v_ix];
    IF v_before = 0 THEN
      -- Just created: whatever is stored under this key belongs to a lost counter row's epoch.
      DELETE FROM ${t.messages} m WHERE m.stream_key = p_keys[v_ix];
      DELETE FROM ${t.cursors} c WHERE c.stream_key = p_keys[v_ix];
    END IF;
    v_floor := CASE WHEN p_max_count IS NULL THEN 1 ELSE greatest(1, v_before - p_max_count + 1) END;
    v_seq := v_before;
    FOR v_m IN v_first .. v_first + p_counts[v_ix] - 1 LOOP
      IF p_client_ids[v_m] IS NOT NULL THEN
        -- A range of one key, in key order, so the unique index is the plan (see above).
        SELECT m.*, m.ctid AS row_id INTO v_old FROM ${t.messages} m
        WHERE m.stream_key = p_keys[v_ix]
          AND m.client_message_id >= p_client_ids[v_m] AND m.client_message_id <= p_client_ids[v_m]
        ORDER BY m.client_message_id LIMIT 1;
        IF FOUND THEN
          IF v_old.seq >= v_floor AND (v_old.expires_at IS NULL OR v_old.expires_at > p_now)
            AND (p_cutoff IS NULL OR v_old.created_at > p_cutoff) THEN
            ord := v_m; seq := v_old.seq; epoch := v_row.epoch; duplicate := true;
            id := v_old.id; event := v_old.event; payload := v_old.payload; sender_id := v_old.sender_id;
            client_message_id := v_old.client_message_id; created_at := v_old.created_at; kind := v_old.kind;
            target := v_old.target; version := v_old.version; edited_at := v_old.edited_at;
            deleted_at := v_old.deleted_at; expires_at := v_old.expires_at; source_id := v_old.source_id;
            RETURN NEXT;
            CONTINUE;
          END IF;
          -- Expired but not yet swept: it goes, so its idempotency key is free again.
          DELETE FROM ${t.messages} m WHERE m.ctid = v_old.row_id;
        END IF;
      END IF;
      v_seq := v_seq + 1;
      v_new_keys := array_append(v_new_keys, p_keys[v_ix]);
      v_new_seqs := array_append(v_new_seqs, v_seq);
      v_new_ords := array_append(v_new_ords, v_m);
      ord := v_m; seq := v_seq; epoch := v_row.epoch; duplicate := false;
      id := NULL; event := NULL; payload := NULL; sender_id := NULL; client_message_id := NULL; created_at := NULL;
      kind := NULL; target := NULL; version := NULL; edited_at := NULL; deleted_at := NULL; expires_at := NULL; source_id := NULL;
      RETURN NEXT;
    END LOOP;
    IF v_seq < v_row.seq THEN
      -- The counter row is locked by this transaction, so nobody took a seq after ours.
      UPDATE ${t.streams} s SET seq = v_seq WHERE s.stream_key = p_keys[v_ix];
    END IF;
    v_heads := array_append(v_heads, v_seq);
    v_nexts := array_append(v_nexts, v_row.next_expiry);
    v_first := v_first + p_counts[v_ix];
  END LOOP;

  INSERT INTO ${t.messages}
    (stream_key, seq, id, event, payload, sender_id, client_message_id, created_at, kind, target, version, edited_at, deleted_at, expires_at)
  SELECT n.stream_key, n.seq, p_ids[n.ord], p_events[n.ord], p_payloads[n.ord], p_senders[n.ord], p_client_ids[n.ord],
    p_now, 'message', NULL, 1, NULL, NULL, p_expires[n.ord]
  FROM unnest(v_new_keys, v_new_seqs, v_new_ords) AS n(stream_key, seq, ord);

  -- Retention: one bounded delete per bound (count floor, age, due TTLs), each a range of an index.
  FOR v_ix IN 1 .. cardinality(p_keys) LOOP
    v_floor := CASE WHEN p_max_count IS NULL THEN 1 ELSE greatest(1, v_heads[v_ix] - p_max_count + 1) END;
    IF v_floor > 1 THEN${sweepStep('x.seq < v_floor', 'x.seq')}
    END IF;
    IF p_cutoff IS NOT NULL THEN${sweepStep('x.created_at <= p_cutoff', 'x.created_at')}
    END IF;
    IF v_nexts[v_ix] IS NOT NULL AND v_nexts[v_ix] <= p_now THEN${sweepStep('x.expires_at <= p_now', 'x.expires_at')}
      UPDATE ${t.streams} s SET next_expiry = (SELECT min(m.expires_at) FROM ${t.messages} m WHERE m.stream_key = s.stream_key)
      WHERE s.stream_key = p_keys[v_ix];
    END IF;
  END LOOP;
END
$roomlog$`;
}

/** Drops the PostgreSQL function (the migration's `down`). */
export function postgresDropAppendFunction(t: RoomlogPaths): string {
  return `DROP FUNCTION IF EXISTS ${t.append}(text[], text[], text[], text[], int[], text[], text[], text[], text[], text[], bigint[], bigint, bigint, bigint, int)`;
}

/** The call: one statement, atomic on its own (the store's transaction) or inside the caller's. */
export function postgresAppendCall(t: RoomlogPaths): string {
  return `SELECT * FROM ${t.append}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;
}

/** A query that returns one row when the PostgreSQL function is installed. `$1` is its escaped, possibly qualified name. */
export const POSTGRES_HAS_APPEND = 'SELECT 1 AS present WHERE to_regproc($1) IS NOT NULL';

/**
 * The MariaDB/MySQL procedure (JSON_TABLE: MariaDB 10.6+, MySQL 8.0+). The batch travels as two
 * JSON documents, so one parse serves all messages: `p_streams` is `[{k, ns, r, e, n, x?}]`
 * (key, namespace, room, epoch if new, message count, earliest TTL), sorted by key, and
 * `p_messages` is `[{s, i, e, p, f?, c?, x?}]` (stream's index in `p_streams`, id, event,
 * payload, sender, clientMessageId, expiry), grouped by stream in input order; absent keys are
 * `NULL`. Two result sets, `ord` 1-based: new messages (`ord`, `seq`, `epoch`, `duplicate`),
 * then duplicates with their stored originals' columns too (as the PostgreSQL function's rows).
 *
 * `p_own` says the store's own transaction: the procedure then starts it (READ COMMITTED, as
 * the statement path does, so no gap locks between streams) and commits it, and an exit
 * handler rolls it back and re-raises the error with its own code (a deadlock stays
 * `ER_LOCK_DEADLOCK`, so it is retried). Inside the caller's transaction it does neither:
 * START TRANSACTION there would commit the caller's work.
 *
 * Work rows go to a session-local temporary table (small columns, no payloads), since a
 * procedure has no arrays; InnoDB, so a caller's rollback rolls it back like everything else. Duplicates' originals are returned before the sweep, which
 * may remove them once the count floor moves up, as the statement path read them before it too.
 */
export function mysqlAppendProcedure(t: RoomlogPaths): string {
  const work = t.appendWork;
  const sweepStep = (condition: string) => `
      IF v_left > 0 THEN
        DELETE FROM ${t.messages} WHERE stream_key = v_key AND ${condition} LIMIT v_left;
        SET v_left = v_left - ROW_COUNT();
      END IF;`;
  const streamField = (field: string) => `JSON_VALUE(p_streams, CONCAT('$[', v_i, '].${field}'))`;
  return `
CREATE PROCEDURE ${t.append}(
  IN p_streams LONGTEXT CHARACTER SET utf8mb4, IN p_messages LONGTEXT CHARACTER SET utf8mb4,
  IN p_now BIGINT, IN p_max_count BIGINT, IN p_cutoff BIGINT, IN p_sweep_limit INT, IN p_own BOOLEAN)
MODIFIES SQL DATA
SQL SECURITY INVOKER
BEGIN
  DECLARE v_i INT DEFAULT 0;
  DECLARE v_n INT;
  DECLARE v_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_epoch VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_count INT;
  DECLARE v_head BIGINT;
  DECLARE v_next BIGINT;
  DECLARE v_before BIGINT;
  DECLARE v_floor BIGINT;
  DECLARE v_dups INT;
  DECLARE v_ord INT;
  DECLARE v_cid VARBINARY(256);
  DECLARE v_old_seq BIGINT;
  DECLARE v_old_created BIGINT;
  DECLARE v_old_expires BIGINT;
  DECLARE v_left INT DEFAULT p_sweep_limit;
  DECLARE v_done BOOLEAN DEFAULT FALSE;
  DECLARE c_keyed CURSOR FOR SELECT w.ord, w.cid FROM ${work} w WHERE w.s = v_i AND w.cid IS NOT NULL ORDER BY w.ord;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = TRUE;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF p_own THEN ROLLBACK; END IF;
    RESIGNAL;
  END;

  IF p_own THEN
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;
  END IF;
  CREATE TEMPORARY TABLE IF NOT EXISTS ${work} (
    ord INT NOT NULL PRIMARY KEY, s INT NOT NULL, cid VARBINARY(256) NULL,
    k VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL, base BIGINT NULL,
    epoch VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL, dup_seq BIGINT NULL, KEY (s)
  ) ENGINE = InnoDB;
  DELETE FROM ${work};
  INSERT INTO ${work} (ord, s, cid)
  SELECT j.ord, j.s, CAST(j.c AS BINARY) FROM JSON_TABLE(p_messages, '$[*]' COLUMNS (
    ord FOR ORDINALITY, s INT PATH '$.s', c VARCHAR(256) CHARACTER SET utf8mb4 PATH '$.c')) j;

  SET v_n = JSON_LENGTH(p_streams);
  WHILE v_i < v_n DO
    SET v_key = ${streamField('k')};
    SET v_count = ${streamField('n')};
    INSERT INTO ${t.streams} (stream_key, namespace, room, epoch, seq, next_expiry)
    VALUES (v_key, CAST(${streamField('ns')} AS BINARY), CAST(${streamField('r')} AS BINARY), ${streamField('e')}, v_count, ${streamField('x')})
    ON DUPLICATE KEY UPDATE
      next_expiry = CASE WHEN next_expiry IS NULL OR VALUES(next_expiry) < next_expiry THEN VALUES(next_expiry) ELSE next_expiry END,
      seq = seq + VALUES(seq);
    SELECT s.seq, s.epoch INTO v_head, v_epoch FROM ${t.streams} s WHERE s.stream_key = v_key;
    SET v_before = v_head - v_count;
    IF v_before = 0 THEN
      -- Just created: whatever is stored under this key belongs to a lost counter row's epoch.
      DELETE FROM ${t.messages} WHERE stream_key = v_key;
      DELETE FROM ${t.cursors} WHERE stream_key = v_key;
    END IF;
    SET v_floor = IF(p_max_count IS NULL, 1, GREATEST(1, v_before - p_max_count + 1));
    UPDATE ${work} SET k = v_key, base = v_before, epoch = v_epoch WHERE s = v_i;
    SET v_dups = 0;
    SET v_done = FALSE;
    OPEN c_keyed;
    keyed: LOOP
      FETCH c_keyed INTO v_ord, v_cid;
      IF v_done THEN LEAVE keyed; END IF;
      SET v_old_seq = NULL;
      -- A locking read: it sees the latest committed row even in a caller's REPEATABLE READ snapshot.
      SELECT m.seq, m.created_at, m.expires_at INTO v_old_seq, v_old_created, v_old_expires
      FROM ${t.messages} m WHERE m.stream_key = v_key AND m.client_message_id = v_cid FOR UPDATE;
      SET v_done = FALSE;
      IF v_old_seq IS NOT NULL THEN
        IF v_old_seq >= v_floor AND (v_old_expires IS NULL OR v_old_expires > p_now)
          AND (p_cutoff IS NULL OR v_old_created > p_cutoff) THEN
          UPDATE ${work} SET dup_seq = v_old_seq WHERE ord = v_ord;
          SET v_dups = v_dups + 1;
        ELSE
          -- Expired but not yet swept: it goes, so its idempotency key is free again.
          DELETE FROM ${t.messages} WHERE stream_key = v_key AND seq = v_old_seq;
        END IF;
      END IF;
    END LOOP;
    CLOSE c_keyed;
    IF v_dups > 0 THEN
      -- The counter row is locked by this transaction, so nobody took a seq after ours.
      UPDATE ${t.streams} SET seq = seq - v_dups WHERE stream_key = v_key;
    END IF;
    SET v_i = v_i + 1;
  END WHILE;

  INSERT INTO ${t.messages}
    (stream_key, seq, id, event, payload, sender_id, client_message_id, created_at, kind, target, version, edited_at, deleted_at, expires_at)
  SELECT w.k, w.base + ROW_NUMBER() OVER (PARTITION BY w.s ORDER BY w.ord), j.id, CAST(j.event AS BINARY), j.payload,
    CAST(j.sender AS BINARY), w.cid, p_now, 'message', NULL, 1, NULL, NULL, j.expires
  FROM JSON_TABLE(p_messages, '$[*]' COLUMNS (
    ord FOR ORDINALITY, id VARCHAR(36) CHARACTER SET ascii PATH '$.i', event VARCHAR(512) CHARACTER SET utf8mb4 PATH '$.e',
    payload LONGTEXT CHARACTER SET utf8mb4 PATH '$.p', sender VARCHAR(256) CHARACTER SET utf8mb4 PATH '$.f',
    expires BIGINT PATH '$.x')) j
  JOIN ${work} w ON w.ord = j.ord
  WHERE w.dup_seq IS NULL;

  SELECT w.ord, w.base + ROW_NUMBER() OVER (PARTITION BY w.s ORDER BY w.ord) AS seq, w.epoch, 0 AS duplicate
  FROM ${work} w WHERE w.dup_seq IS NULL;
  -- Locking, as the lookup was: a caller's REPEATABLE READ snapshot may predate the original.
  SELECT w.ord, m.seq, w.epoch, 1 AS duplicate, m.id, m.event, m.payload, m.sender_id, m.client_message_id, m.created_at,
    m.kind, m.target, m.version, m.edited_at, m.deleted_at, m.expires_at, m.source_id
  FROM ${work} w JOIN ${t.messages} m ON m.stream_key = w.k AND m.seq = w.dup_seq
  FOR UPDATE;

  -- Retention: one bounded delete per bound (count floor, age, due TTLs), each a range of an index.
  SET v_i = 0;
  WHILE v_i < v_n DO
    SET v_key = ${streamField('k')};
    SELECT s.seq, s.next_expiry INTO v_head, v_next FROM ${t.streams} s WHERE s.stream_key = v_key;
    SET v_floor = IF(p_max_count IS NULL, 1, GREATEST(1, v_head - p_max_count + 1));
    IF v_floor > 1 THEN${sweepStep('seq < v_floor')}
    END IF;
    IF p_cutoff IS NOT NULL THEN${sweepStep('created_at <= p_cutoff')}
    END IF;
    IF v_next IS NOT NULL AND v_next <= p_now THEN${sweepStep('expires_at <= p_now')}
      UPDATE ${t.streams} s SET next_expiry = (SELECT MIN(m.expires_at) FROM ${t.messages} m WHERE m.stream_key = v_key)
      WHERE s.stream_key = v_key;
    END IF;
    SET v_i = v_i + 1;
  END WHILE;

  IF p_own THEN COMMIT; END IF;
END`;
}

/** Drops the MariaDB/MySQL procedure (before it is created again, and the migration's `down`). */
export function mysqlDropAppendProcedure(t: RoomlogPaths): string {
  return `DROP PROCEDURE IF EXISTS ${t.append}`;
}

/** The call: `p_streams`, `p_messages`, the batch time, `maxCount`, the age cutoff, `sweepLimit`, own transaction or not. */
export function mysqlAppendCall(t: RoomlogPaths): string {
  return `CALL ${t.append}(?, ?, ?, ?, ?, ?, ?)`;
}

/** A query that returns one row when the procedure is installed: `?` are its database (`NULL` for the current one) and name. */
export const MYSQL_HAS_APPEND =
  "SELECT 1 AS present FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = COALESCE(?, DATABASE()) AND ROUTINE_TYPE = 'PROCEDURE' AND ROUTINE_NAME = ?";
