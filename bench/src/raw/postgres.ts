/**
 * The PostgreSQL "limit" rows: the fastest atomic sequenced write the raw driver can do, so the
 * Roomlog PostgreSQL backend's append rate can be read as a fraction of what PostgreSQL allows.
 * One statement per batch: the counter row update and the `INSERT … SELECT unnest(…)` of every
 * message in the same statement (one transaction, one fsync). Nothing else (no idempotency
 * check, no retention).
 *
 * The guarded variant keeps the guarantees an append gives, and nothing more: a unique index on
 * `(stream, client_message_id)`, a message whose key is stored already skipped before seqs are
 * counted (no seq is spent on it), and the payload stored as `json` (validated, as the backend
 * does). That is the least any correct implementation must do, so it is what the append target
 * compares with.
 */
import pg from 'pg';
import { urls } from '../env';

/** A raw PostgreSQL writer for one run; `close()` drops its schema. */
export interface RawPostgresWriter {
  /** Appends `messages` (clientMessageId, JSON text) to `stream` atomically. */
  append(stream: string, messages: readonly (readonly [string, string])[]): Promise<void>;
  close(): Promise<void>;
}

const GUARDED_APPEND = (schema: string) => `
  WITH fresh AS (
    SELECT m.id, m.data, row_number() OVER (ORDER BY m.ord) AS n
    FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS m(id, data, ord)
    -- A per-row probe of the unique index: an anti-join planned while the table was small
    -- would read the whole table on every batch once the (prepared) plan is cached.
    LEFT JOIN LATERAL (
      SELECT 1 AS hit FROM ${schema}.messages x WHERE x.stream = $1 AND x.client_message_id = m.id LIMIT 1
    ) x ON true
    WHERE x.hit IS NULL
  ),
  counter AS (
    INSERT INTO ${schema}.counters AS c (stream, seq) VALUES ($1, (SELECT count(*) FROM fresh))
    ON CONFLICT (stream) DO UPDATE SET seq = c.seq + excluded.seq
    RETURNING seq
  )
  INSERT INTO ${schema}.messages (stream, seq, client_message_id, data, created_at)
  SELECT $1, counter.seq - (SELECT count(*) FROM fresh) + fresh.n, fresh.id, fresh.data::json, $4
  FROM counter, fresh`;

/**
 * Connects a raw writer with its own schema `runId` and at most `connections` connections.
 * @param guarded - keep an idempotency index, as an append does (see the module comment).
 */
export async function openRawPostgres(runId: string, connections: number, guarded = false): Promise<RawPostgresWriter> {
  const pool = new pg.Pool({ connectionString: urls.postgres, max: connections });
  await pool.query(`
    CREATE SCHEMA ${runId};
    CREATE TABLE ${runId}.counters (stream text PRIMARY KEY, seq bigint NOT NULL);
    CREATE TABLE ${runId}.messages (
      stream text NOT NULL, seq bigint NOT NULL, client_message_id text, data ${guarded ? 'json' : 'text'} NOT NULL,
      created_at bigint NOT NULL, PRIMARY KEY (stream, seq)
    );
    ${guarded ? `CREATE UNIQUE INDEX ON ${runId}.messages (stream, client_message_id);` : ''}`);
  const append = {
    name: `${runId}_append`,
    text: guarded
      ? GUARDED_APPEND(runId)
      : `
      WITH counter AS (
        INSERT INTO ${runId}.counters AS c (stream, seq) VALUES ($1, cardinality($2::text[]))
        ON CONFLICT (stream) DO UPDATE SET seq = c.seq + cardinality($2::text[])
        RETURNING seq
      )
      INSERT INTO ${runId}.messages (stream, seq, client_message_id, data, created_at)
      SELECT $1, counter.seq - cardinality($2::text[]) + m.ord, m.id, m.data, $4
      FROM counter, unnest($2::text[], $3::text[]) WITH ORDINALITY AS m(id, data, ord)`,
  };
  return {
    async append(stream, messages) {
      const ids = messages.map(([id]) => id);
      const data = messages.map(([, text]) => text);
      await pool.query({ ...append, values: [stream, ids, data, Date.now()] });
    },
    async close() {
      await pool.query(`DROP SCHEMA ${runId} CASCADE`);
      await pool.end();
    },
  };
}
