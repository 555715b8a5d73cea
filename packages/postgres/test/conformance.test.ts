/**
 * The full conformance suite against the real PostgreSQL at DATABASE_URL, in a schema of its
 * own that is dropped afterwards.
 */
import { runConformanceSuite } from '@roomlog/conformance';
import { testDatabase } from './database';

const db = testDatabase({ max: 10 });

runConformanceSuite({
  name: 'postgres',
  create: (options) => db.store(options),
  cleanup: () => db.drop(),
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
