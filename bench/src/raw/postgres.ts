/**
 * The PostgreSQL "limit" row: the fastest atomic sequenced write the raw driver can do, so the
 * Roomlog PostgreSQL backend's append rate can be read as a fraction of what PostgreSQL allows.
 * One statement per batch: the counter row update and the `INSERT … SELECT unnest(…)` of every
 * message in the same statement (one transaction, one fsync). Nothing else (no idempotency
 * check, no retention).
 */
import pg from 'pg';
import { urls } from '../env';

/** A raw PostgreSQL writer for one run; `close()` drops its schema. */
export interface RawPostgresWriter {
  /** Appends `messages` (clientMessageId, JSON text) to `stream` atomically. */
  append(stream: string, messages: readonly (readonly [string, string])[]): Promise<void>;
  close(): Promise<void>;
}

/** Connects a raw writer with its own schema `runId` and at most `connections` connections. */
export async function openRawPostgres(runId: string, connections: number): Promise<RawPostgresWriter> {
  const pool = new pg.Pool({ connectionString: urls.postgres, max: connections });
  await pool.query(`
    CREATE SCHEMA ${runId};
    CREATE TABLE ${runId}.counters (stream text PRIMARY KEY, seq bigint NOT NULL);
    CREATE TABLE ${runId}.messages (
      stream text NOT NULL, seq bigint NOT NULL, client_message_id text, data text NOT NULL,
      created_at bigint NOT NULL, PRIMARY KEY (stream, seq)
    );`);
  const append = {
    name: `${runId}_append`,
    text: `
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
