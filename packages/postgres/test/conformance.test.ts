/**
 * The full conformance suite against the real PostgreSQL at DATABASE_URL, in a schema of its
 * own that is dropped afterwards. Transactions are the user's own: a pool client with BEGIN,
 * passed as `{ client }`.
 */
import { runConformanceSuite } from '@roomlog/conformance';
import type { PostgresAppendOptions } from '../src/index';
import { testDatabase } from './fixtures';

const db = testDatabase({ max: 10 });

runConformanceSuite({
  name: 'postgres',
  create: (options) => db.store(options),
  cleanup: () => db.drop(),
  async transaction(_store, body, outcome) {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const options: PostgresAppendOptions = { client };
      const result = await body(options);
      await client.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
      client.release();
      return result;
    } catch (error) {
      // Discarding the connection ends the transaction, whatever state the failure left it in.
      client.release(true);
      throw error;
    }
  },
  inspect: {
    async storedCount(stream) {
      const { rows } = await db.pool.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM "${db.schema}".roomlog_messages m
         JOIN "${db.schema}".roomlog_streams s USING (stream_id)
         WHERE s.namespace = $1 AND s.room = $2`,
        [stream.namespace, stream.room],
      );
      return rows[0]?.count ?? 0;
    },
  },
});
