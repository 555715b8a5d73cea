/**
 * The schema: tables, indexes and the append function, as one idempotent script.
 * `migrate()` runs it under an advisory lock; `migrationSql()` hands it to people who run
 * migrations with their own tool. Every name comes from {@link TableNames} (validated, quoted).
 */
import { type PostgresStoreOptions, type TableNames, tableNames } from './options';
import { upgradesSql } from './upgrades.sql';

/** Rows of slack, beyond twice the batch size, that an append's retention step may remove. */
const PRUNE_SLACK = 16;

/**
 * The append function. A plain statement cannot do this job: under READ COMMITTED its snapshot
 * is taken before it waits for the stream's counter row, so a batch that waited behind another
 * carrying the same `clientMessageId` would not see that one's row, and would either burn a seq
 * or miss the duplicate. Each statement of a VOLATILE function takes a fresh snapshot, so once
 * the counter rows are locked the lookup sees every committed message of those streams. It is
 * still one statement and one round trip for the caller.
 *
 * Plans: PL/pgSQL caches a generic plan per statement after five calls, so a plan made while
 * the tables were small (a fresh install, before autovacuum's first ANALYZE) would be kept as
 * they grow. A sequential scan, or a hash join over a whole table, is never the right plan
 * here (every statement touches a few rows by key), but is the cheapest one on a tiny table;
 * once cached it made every append read the whole stream. So the function runs with
 * sequential and bitmap scans off (a bitmap scan kept only the `stream_id` half of a key),
 * and every lookup is written as a per-row probe by a unique key (a loop, or a LATERAL
 * subquery with LIMIT 1), which leaves the planner no other shape to pick.
 * `test/plan-stability.test.ts` counts the rows an append reads to hold this. With the shape
 * fixed that way, a custom plan per call buys nothing, and planning the statements anew on
 * every call took a large part of a small append's time on the server (the custom plans never cost
 * enough less for PL/pgSQL to switch): `plan_cache_mode = force_generic_plan` plans each
 * statement once per connection. (Measured in a server-side loop of 500 one-message appends:
 * 1.4–2.7 ms each with custom plans, 1.1–1.35 ms generic, on a loaded 2-core machine.)
 *
 * Parameters, kept to what the caller must say (each one is encoded by the driver and parsed by
 * the server on every call): `p_namespaces`/`p_rooms`/`p_counts` hold one element per stream of
 * the batch (`p_counts`: how many of the message arrays' elements, in order, go to it); the
 * other `p_*` arrays one per message. Ids and new epochs are drawn here (`gen_random_uuid`),
 * the age cutoff and the retention step's bound are derived here; `p_max_count`/`p_max_age` are
 * the store's settings, which the caller writes into its statement text as constants.
 * `ord` in the result is the 1-based position in the message arrays. A new row carries only
 * what the database decided (seq, id, epoch); a duplicate carries the stored original.
 */
function appendFunction(t: TableNames): string {
  const lockStream = `
      SELECT st.stream_id, st.seq, st.epoch INTO v_row FROM ${t.streams} st
      WHERE st.namespace = p_namespaces[v_ix] AND st.room = p_rooms[v_ix]
      FOR UPDATE;`;
  return `
CREATE OR REPLACE FUNCTION ${t.append}(
  p_namespaces text[], p_rooms text[], p_counts int[],
  p_events text[], p_payloads text[], p_senders text[], p_client_ids text[], p_expires bigint[],
  p_created_at bigint, p_max_count bigint, p_max_age bigint)
RETURNS TABLE (
  ord int, duplicate boolean, seq bigint, id uuid, epoch uuid, created_at bigint, expires_at bigint,
  edited_at bigint, deleted_at bigint, version int, event text, sender_id text, payload text)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off
SET enable_bitmapscan = off
SET plan_cache_mode = force_generic_plan
AS $roomlog$
#variable_conflict use_column
DECLARE
  v_stream_ix int[] := '{}';
  v_age_cutoff bigint := p_created_at - p_max_age;
  v_prune_limit int := 2 * cardinality(p_events) + ${PRUNE_SLACK};
  v_streams bigint[] := '{}';
  v_heads bigint[] := '{}';
  v_epochs uuid[] := '{}';
  v_counts bigint[];
  v_dups bigint[];
  v_dead_streams bigint[];
  v_dead_seqs bigint[];
  v_expired bigint[];
  v_seq bigint;
  v_ix int;
  v_row record;
BEGIN
  -- The stream of each message: p_counts[s] times s, in order. Built by expressions, not a
  -- query: a query here is planned on every call, against a default guess of a million rows.
  FOR v_ix IN 1 .. cardinality(p_counts) LOOP
    v_stream_ix := v_stream_ix || array_fill(v_ix, ARRAY[p_counts[v_ix]]);
  END LOOP;
  IF cardinality(v_stream_ix) <> cardinality(p_events) THEN
    RAISE EXCEPTION 'roomlog: p_counts sums to %, but % messages were given', cardinality(v_stream_ix), cardinality(p_events);
  END IF;

  -- Lock each stream's counter row (creating it on first use) in (namespace, room) order, so
  -- two multi-stream batches never deadlock.
  FOR v_ix IN
    SELECT t.ix FROM unnest(p_namespaces, p_rooms) WITH ORDINALITY AS t(namespace, room, ix)
    ORDER BY t.namespace, t.room
  LOOP
    ${lockStream}
    IF NOT FOUND THEN
      INSERT INTO ${t.streams} (namespace, room, epoch, seq)
      VALUES (p_namespaces[v_ix], p_rooms[v_ix], gen_random_uuid(), 0)
      ON CONFLICT (namespace, room) DO NOTHING;
      ${lockStream}
      IF NOT FOUND THEN
        RAISE EXCEPTION 'roomlog: a stream counter row vanished during append';
      END IF;
    END IF;
    v_streams[v_ix] := v_row.stream_id;
    v_heads[v_ix] := v_row.seq;
    v_epochs[v_ix] := v_row.epoch;
  END LOOP;

  -- Retries: one unique-key probe per message with a clientMessageId. A live match is a
  -- duplicate; a match whose retention expired is never returned again, so its key is free:
  -- the row goes, and the message is written anew.
  SELECT coalesce(array_agg(i.ord) FILTER (WHERE x.live), '{}'),
    coalesce(array_agg(x.stream_id) FILTER (WHERE NOT x.live), '{}'),
    coalesce(array_agg(x.seq) FILTER (WHERE NOT x.live), '{}')
  INTO v_dups, v_dead_streams, v_dead_seqs
  FROM unnest(v_stream_ix, p_client_ids) WITH ORDINALITY AS i(ix, client_message_id, ord)
  CROSS JOIN LATERAL (
    SELECT m.stream_id, m.seq,
      NOT (coalesce(m.expires_at <= p_created_at, false)
        OR coalesce(m.created_at <= v_age_cutoff, false)
        OR coalesce(m.seq <= v_heads[i.ix] - p_max_count, false)) AS live
    FROM ${t.messages} m
    WHERE m.stream_id = v_streams[i.ix] AND m.client_message_id = i.client_message_id
    LIMIT 1
  ) x
  WHERE i.client_message_id IS NOT NULL;
  FOR v_ix IN 1 .. cardinality(v_dead_seqs) LOOP
    DELETE FROM ${t.messages} m WHERE m.stream_id = v_dead_streams[v_ix] AND m.seq = v_dead_seqs[v_ix];
  END LOOP;

  -- New messages per stream; each counter moves once, by that many.
  IF cardinality(v_dups) = 0 THEN
    v_counts := p_counts;
  ELSE
    SELECT array_agg(coalesce(c.n, 0) ORDER BY s.ix) INTO v_counts
    FROM generate_subscripts(p_counts, 1) AS s(ix)
    LEFT JOIN (
      SELECT i.ix, count(*) AS n FROM unnest(v_stream_ix) WITH ORDINALITY AS i(ix, ord)
      WHERE NOT (i.ord = ANY (v_dups)) GROUP BY i.ix
    ) c ON c.ix = s.ix;
  END IF;
  FOR v_ix IN 1 .. cardinality(v_streams) LOOP
    IF v_counts[v_ix] > 0 THEN
      UPDATE ${t.streams} st SET seq = st.seq + v_counts[v_ix] WHERE st.stream_id = v_streams[v_ix];
    END IF;
  END LOOP;

  RETURN QUERY
  WITH input AS (
    SELECT i.*, v_streams[i.ix] AS stream_id, v_heads[i.ix] AS head, v_epochs[i.ix] AS epoch,
      i.ord = ANY (v_dups) AS dup
    FROM unnest(v_stream_ix, p_events, p_payloads, p_senders, p_client_ids, p_expires)
      WITH ORDINALITY AS i(ix, event, payload, sender_id, client_message_id, expires_at, ord)
  ), fresh AS (
    -- Referenced twice (and volatile), so materialized: the id inserted is the id returned.
    SELECT i.*, i.head + row_number() OVER (PARTITION BY i.ix ORDER BY i.ord) AS new_seq, gen_random_uuid() AS id
    FROM input i
    WHERE NOT i.dup
  ), inserted AS (
    INSERT INTO ${t.messages}
      (stream_id, seq, id, created_at, expires_at, event, sender_id, client_message_id, payload)
    SELECT f.stream_id, f.new_seq, f.id, p_created_at, f.expires_at, f.event, f.sender_id,
      f.client_message_id, f.payload::json
    FROM fresh f
  )
  -- New rows come back with what the database decided alone (the caller has the rest),
  -- duplicates with everything.
  SELECT f.ord::int, false, f.new_seq, f.id, f.epoch, NULL::bigint, NULL::bigint,
    NULL::bigint, NULL::bigint, NULL::int, NULL::text, NULL::text, NULL::text
  FROM fresh f
  UNION ALL
  SELECT i.ord::int, true, d.seq, d.id, i.epoch, d.created_at, d.expires_at,
    d.edited_at, d.deleted_at, d.version, d.event, d.sender_id, d.payload::text
  FROM input i
  CROSS JOIN LATERAL (
    SELECT m.* FROM ${t.messages} m
    WHERE m.stream_id = i.stream_id AND m.client_message_id = i.client_message_id
    LIMIT 1
  ) d
  WHERE i.dup;

  -- Retention, in bounded steps of v_prune_limit rows per stream (twice the batch plus a little,
  -- so it keeps up with the stream and works off any backlog without one unbounded DELETE).
  -- Count and age retention remove from the front: only when the oldest row is expired, a
  -- window of the oldest rows goes (so a stream with nothing to remove costs one row read). Then
  -- at most v_prune_limit TTL-expired rows. Reads filter expired rows anyway; this only keeps
  -- the table from growing.
  FOR v_ix IN 1 .. cardinality(v_streams) LOOP
    IF p_max_count IS NOT NULL OR v_age_cutoff IS NOT NULL THEN
      SELECT x.seq, x.created_at INTO v_row FROM ${t.messages} x
      WHERE x.stream_id = v_streams[v_ix] ORDER BY x.seq LIMIT 1;
      IF FOUND AND (v_row.seq <= v_heads[v_ix] + v_counts[v_ix] - p_max_count OR v_row.created_at <= v_age_cutoff) THEN
        DELETE FROM ${t.messages} m
        WHERE m.stream_id = v_streams[v_ix] AND m.seq >= v_row.seq AND m.seq < v_row.seq + v_prune_limit
          AND (m.seq <= v_heads[v_ix] + v_counts[v_ix] - p_max_count OR m.created_at <= v_age_cutoff);
      END IF;
    END IF;
    v_expired := ARRAY(
      SELECT x.seq FROM ${t.messages} x
      WHERE x.stream_id = v_streams[v_ix] AND x.expires_at <= p_created_at
      ORDER BY x.expires_at LIMIT v_prune_limit);
    FOREACH v_seq IN ARRAY v_expired LOOP
      DELETE FROM ${t.messages} m WHERE m.stream_id = v_streams[v_ix] AND m.seq = v_seq;
    END LOOP;
  END LOOP;
END
$roomlog$;`;
}

/**
 * The whole schema as one idempotent script (safe to run again; `migrate()` serializes
 * concurrent runs with an advisory lock).
 *
 * - `streams`: one counter row per `(namespace, room)`: the head seq and the epoch. Its row
 *   lock serializes writers of one stream and nothing else.
 * - `messages`: entries keyed by `(stream_id, seq)` (keyset reads, no OFFSET); `payload` is
 *   `json`, which keeps the codec's text byte for byte (`jsonb` rejects `\u0000`).
 * - `cursors`: read markers per `(stream_id, user_id)`.
 * - right after `messages`, the upgrades of `upgrades.sql.ts` (columns added since), so an older
 *   schema catches up. They come before the index statements: `CREATE INDEX IF NOT EXISTS`
 *   takes a SHARE lock even when the index exists, and an ALTER waiting for its exclusive lock
 *   while this transaction holds that SHARE lock deadlocks with a live append.
 */
export function schemaSql(t: TableNames): string {
  return `CREATE SCHEMA IF NOT EXISTS ${t.schema};

CREATE TABLE IF NOT EXISTS ${t.streams} (
  stream_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace text NOT NULL,
  room text NOT NULL,
  epoch uuid NOT NULL,
  seq bigint NOT NULL,
  CONSTRAINT ${t.local('streams_name')} UNIQUE (namespace, room)
);

CREATE TABLE IF NOT EXISTS ${t.messages} (
  stream_id bigint NOT NULL,
  seq bigint NOT NULL,
  id uuid NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint,
  edited_at bigint,
  deleted_at bigint,
  target bigint,
  version integer NOT NULL DEFAULT 1,
  kind text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'edit', 'delete')),
  event text NOT NULL,
  sender_id text,
  client_message_id text,
  payload json,
  CONSTRAINT ${t.local('messages_pkey')} PRIMARY KEY (stream_id, seq)
);

${upgradesSql(t)}

CREATE UNIQUE INDEX IF NOT EXISTS ${t.local('messages_client_id')}
  ON ${t.messages} (stream_id, client_message_id) WHERE client_message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${t.local('messages_sender')}
  ON ${t.messages} (sender_id) WHERE sender_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ${t.local('messages_expiry')}
  ON ${t.messages} (stream_id, expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ${t.cursors} (
  stream_id bigint NOT NULL,
  user_id text NOT NULL,
  seq bigint NOT NULL,
  CONSTRAINT ${t.local('cursors_pkey')} PRIMARY KEY (stream_id, user_id)
);
${appendFunction(t)}
`;
}

/**
 * The migration script `migrate()` runs, for your own migration tool. Idempotent. Run it in a
 * transaction; if several nodes may run it at once, take a lock first as `migrate()` does.
 *
 * @param options - the same `schema` and `tablePrefix` you give the store.
 */
export function migrationSql(options: Pick<PostgresStoreOptions, 'schema' | 'tablePrefix'> = {}): string {
  return schemaSql(tableNames(options.schema, options.tablePrefix));
}
