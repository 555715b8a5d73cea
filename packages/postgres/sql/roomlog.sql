-- Roomlog PostgreSQL schema for schema "public" and table prefix "roomlog_".
-- Generated from @roomlog/postgres (migrationSql()); do not edit by hand.
-- Idempotent. Run it in one transaction; for another schema or prefix call
-- migrationSql({ schema, tablePrefix }) or store.migrate() instead.
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended('roomlog:migrate:public', 0));
CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."roomlog_streams" (
  stream_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace text NOT NULL,
  room text NOT NULL,
  epoch uuid NOT NULL,
  seq bigint NOT NULL,
  CONSTRAINT "roomlog_streams_name" UNIQUE (namespace, room)
);

CREATE TABLE IF NOT EXISTS "public"."roomlog_messages" (
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
  CONSTRAINT "roomlog_messages_pkey" PRIMARY KEY (stream_id, seq)
);

DO $roomlog_upgrade$
DECLARE
  v_timeout text := current_setting('lock_timeout');
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_attribute
    WHERE attrelid = to_regclass('"public"."roomlog_messages"') AND attname = 'source_id' AND NOT attisdropped
  ) THEN
    PERFORM set_config('lock_timeout', '5s', true);
    ALTER TABLE "public"."roomlog_messages" ADD COLUMN source_id text;
    PERFORM set_config('lock_timeout', v_timeout, true);
  END IF;
END
$roomlog_upgrade$;

CREATE UNIQUE INDEX IF NOT EXISTS "roomlog_messages_client_id"
  ON "public"."roomlog_messages" (stream_id, client_message_id) WHERE client_message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS "roomlog_messages_sender"
  ON "public"."roomlog_messages" (sender_id) WHERE sender_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS "roomlog_messages_expiry"
  ON "public"."roomlog_messages" (stream_id, expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS "public"."roomlog_cursors" (
  stream_id bigint NOT NULL,
  user_id text NOT NULL,
  seq bigint NOT NULL,
  CONSTRAINT "roomlog_cursors_pkey" PRIMARY KEY (stream_id, user_id)
);

CREATE OR REPLACE FUNCTION "public"."roomlog_append_batch"(
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
  v_prune_limit int := 2 * cardinality(p_events) + 16;
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
    
      SELECT st.stream_id, st.seq, st.epoch INTO v_row FROM "public"."roomlog_streams" st
      WHERE st.namespace = p_namespaces[v_ix] AND st.room = p_rooms[v_ix]
      FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO "public"."roomlog_streams" (namespace, room, epoch, seq)
      VALUES (p_namespaces[v_ix], p_rooms[v_ix], gen_random_uuid(), 0)
      ON CONFLICT (namespace, room) DO NOTHING;
      
      SELECT st.stream_id, st.seq, st.epoch INTO v_row FROM "public"."roomlog_streams" st
      WHERE st.namespace = p_namespaces[v_ix] AND st.room = p_rooms[v_ix]
      FOR UPDATE;
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
    FROM "public"."roomlog_messages" m
    WHERE m.stream_id = v_streams[i.ix] AND m.client_message_id = i.client_message_id
    LIMIT 1
  ) x
  WHERE i.client_message_id IS NOT NULL;
  FOR v_ix IN 1 .. cardinality(v_dead_seqs) LOOP
    DELETE FROM "public"."roomlog_messages" m WHERE m.stream_id = v_dead_streams[v_ix] AND m.seq = v_dead_seqs[v_ix];
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
      UPDATE "public"."roomlog_streams" st SET seq = st.seq + v_counts[v_ix] WHERE st.stream_id = v_streams[v_ix];
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
    INSERT INTO "public"."roomlog_messages"
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
    SELECT m.* FROM "public"."roomlog_messages" m
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
      SELECT x.seq, x.created_at INTO v_row FROM "public"."roomlog_messages" x
      WHERE x.stream_id = v_streams[v_ix] ORDER BY x.seq LIMIT 1;
      IF FOUND AND (v_row.seq <= v_heads[v_ix] + v_counts[v_ix] - p_max_count OR v_row.created_at <= v_age_cutoff) THEN
        DELETE FROM "public"."roomlog_messages" m
        WHERE m.stream_id = v_streams[v_ix] AND m.seq >= v_row.seq AND m.seq < v_row.seq + v_prune_limit
          AND (m.seq <= v_heads[v_ix] + v_counts[v_ix] - p_max_count OR m.created_at <= v_age_cutoff);
      END IF;
    END IF;
    v_expired := ARRAY(
      SELECT x.seq FROM "public"."roomlog_messages" x
      WHERE x.stream_id = v_streams[v_ix] AND x.expires_at <= p_created_at
      ORDER BY x.expires_at LIMIT v_prune_limit);
    FOREACH v_seq IN ARRAY v_expired LOOP
      DELETE FROM "public"."roomlog_messages" m WHERE m.stream_id = v_streams[v_ix] AND m.seq = v_seq;
    END LOOP;
  END LOOP;
END
$roomlog$;

COMMIT;
