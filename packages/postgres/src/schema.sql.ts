/**
 * The schema: tables, indexes and the append function, as one idempotent script.
 * `migrate()` runs it under an advisory lock; `migrationSql()` hands it to people who run
 * migrations with their own tool. Every name comes from {@link TableNames} (validated, quoted).
 */
import { type PostgresStoreOptions, type TableNames, tableNames } from './options';

/**
 * The append function. A plain statement cannot do this job: under READ COMMITTED its snapshot
 * is taken before it waits for the stream's counter row, so a batch that waited behind another
 * carrying the same `clientMessageId` would not see that one's row, and would either burn a seq
 * or miss the duplicate. Each statement of a VOLATILE function takes a fresh snapshot, so once
 * the counter rows are locked the lookup sees every committed message of those streams. It is
 * still one statement and one round trip for the caller.
 *
 * Arrays: `p_namespaces`/`p_rooms`/`p_epochs` hold one element per stream of the batch;
 * `p_stream_ix` (1-based index into them) and the other `p_*` arrays one per message to write.
 * `ord` in the result is the 1-based position in the message arrays.
 */
function appendFunction(t: TableNames): string {
  const lockStreams = `
    SELECT array_agg(l.stream_id ORDER BY l.ix) INTO v_streams FROM (
      SELECT st.stream_id, t.ix
      FROM unnest(p_namespaces, p_rooms) WITH ORDINALITY AS t(namespace, room, ix)
      JOIN ${t.streams} st ON st.namespace = t.namespace AND st.room = t.room
      ORDER BY st.stream_id
      FOR UPDATE OF st
    ) l;`;
  return `
CREATE OR REPLACE FUNCTION ${t.append}(
  p_namespaces text[], p_rooms text[], p_epochs uuid[],
  p_stream_ix int[], p_ids uuid[], p_events text[], p_payloads text[],
  p_senders text[], p_client_ids text[], p_expires bigint[],
  p_created_at bigint, p_max_count bigint, p_age_cutoff bigint, p_prune_limit int)
RETURNS TABLE (
  ord int, duplicate boolean, seq bigint, id uuid, epoch uuid, created_at bigint, expires_at bigint,
  edited_at bigint, deleted_at bigint, version int, event text, sender_id text, payload text)
LANGUAGE plpgsql VOLATILE AS $roomlog$
#variable_conflict use_column
DECLARE
  v_streams bigint[];
BEGIN
  -- Counter rows are locked in stream_id order, so two multi-stream batches never deadlock.
  ${lockStreams}
  IF coalesce(cardinality(v_streams), 0) < cardinality(p_namespaces) THEN
    INSERT INTO ${t.streams} (namespace, room, epoch, seq)
    SELECT t.namespace, t.room, t.epoch, 0
    FROM unnest(p_namespaces, p_rooms, p_epochs) AS t(namespace, room, epoch)
    ORDER BY t.namespace, t.room
    ON CONFLICT (namespace, room) DO NOTHING;
    ${lockStreams}
  END IF;
  -- v_streams is aligned with p_namespaces by position below; a counter row deleted by hand
  -- in between would shift it, so refuse rather than write to the wrong stream.
  IF coalesce(cardinality(v_streams), 0) <> cardinality(p_namespaces) THEN
    RAISE EXCEPTION 'roomlog: a stream counter row vanished during append';
  END IF;

  -- A clientMessageId whose message retention already expired is free again: remove the
  -- expired row (never returned anyway) so the unique index lets the new one in.
  DELETE FROM ${t.messages} m
  USING unnest(v_streams) WITH ORDINALITY AS s(stream_id, ix)
  JOIN ${t.streams} st ON st.stream_id = s.stream_id
  JOIN unnest(p_stream_ix, p_client_ids) AS i(ix, client_message_id) ON i.ix = s.ix
  WHERE m.stream_id = s.stream_id AND m.client_message_id = i.client_message_id
    AND ((m.expires_at IS NOT NULL AND m.expires_at <= p_created_at)
      OR m.created_at <= p_age_cutoff
      OR m.seq <= st.seq - p_max_count);

  RETURN QUERY
  WITH locked AS (
    SELECT s.ix, st.stream_id, st.seq AS head, st.epoch
    FROM unnest(v_streams) WITH ORDINALITY AS s(stream_id, ix)
    JOIN ${t.streams} st ON st.stream_id = s.stream_id
  ), input AS (
    SELECT i.*, l.stream_id, l.head, l.epoch
    FROM unnest(p_stream_ix, p_ids, p_events, p_payloads, p_senders, p_client_ids, p_expires)
      WITH ORDINALITY AS i(ix, id, event, payload, sender_id, client_message_id, expires_at, ord)
    JOIN locked l ON l.ix = i.ix
  ), found AS (
    SELECT i.ord, i.epoch, m.seq, m.id, m.created_at, m.expires_at, m.edited_at, m.deleted_at,
      m.version, m.event, m.sender_id, m.payload
    FROM input i
    JOIN ${t.messages} m ON m.stream_id = i.stream_id AND m.client_message_id = i.client_message_id
  ), fresh AS (
    SELECT i.*, i.head + row_number() OVER (PARTITION BY i.stream_id ORDER BY i.ord) AS new_seq
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.ord = i.ord)
  ), inserted AS (
    INSERT INTO ${t.messages}
      (stream_id, seq, id, created_at, expires_at, event, sender_id, client_message_id, payload)
    SELECT f.stream_id, f.new_seq, f.id, p_created_at, f.expires_at, f.event, f.sender_id,
      f.client_message_id, f.payload::json
    FROM fresh f
  ), bumped AS (
    UPDATE ${t.streams} st SET seq = f.top
    FROM (SELECT fr.stream_id, max(fr.new_seq) AS top FROM fresh fr GROUP BY fr.stream_id) f
    WHERE st.stream_id = f.stream_id
  )
  -- New rows come back without their data (the caller has it), duplicates with everything.
  SELECT f.ord::int, false, f.new_seq, f.id, f.epoch, p_created_at, f.expires_at,
    NULL::bigint, NULL::bigint, 1, NULL::text, NULL::text, NULL::text
  FROM fresh f
  UNION ALL
  SELECT d.ord::int, true, d.seq, d.id, d.epoch, d.created_at, d.expires_at,
    d.edited_at, d.deleted_at, d.version, d.event, d.sender_id, d.payload::text
  FROM found d;

  -- Retention, in bounded steps: a window of the oldest p_prune_limit rows of each stream
  -- (where count and age retention remove from) and at most p_prune_limit TTL-expired rows.
  -- Reads filter expired rows anyway; this only keeps the table from growing.
  DELETE FROM ${t.messages} m
  USING (
    SELECT st.stream_id, w.seq
    FROM ${t.streams} st
    CROSS JOIN LATERAL (
      SELECT x.seq, x.created_at FROM ${t.messages} x
      WHERE x.stream_id = st.stream_id ORDER BY x.seq LIMIT p_prune_limit
    ) w
    WHERE st.stream_id = ANY (v_streams)
      AND (p_max_count IS NOT NULL OR p_age_cutoff IS NOT NULL)
      AND (w.seq <= st.seq - p_max_count OR w.created_at <= p_age_cutoff)
    UNION
    SELECT x.stream_id, x.seq
    FROM unnest(v_streams) AS s(stream_id)
    CROSS JOIN LATERAL (
      SELECT y.stream_id, y.seq FROM ${t.messages} y
      WHERE y.stream_id = s.stream_id AND y.expires_at <= p_created_at
      ORDER BY y.expires_at LIMIT p_prune_limit
    ) x
  ) d
  WHERE m.stream_id = d.stream_id AND m.seq = d.seq;
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
