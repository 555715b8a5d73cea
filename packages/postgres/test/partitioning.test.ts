/**
 * The partitioning advice in docs/backends/postgres.md works: a `roomlog_messages` created
 * beforehand as a hash-partitioned table is left alone by `migrate()` and the store keeps
 * every rule on it (idempotency through the partitioned unique index included).
 */
import { afterAll, expect, it } from 'vitest';
import { createPostgresStore } from '../src/index';
import { newPool, uniqueSchema, waitForServer } from './fixtures';

const pool = newPool();
const schema = uniqueSchema();
afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

it('runs on a messages table hash-partitioned by stream_id', async () => {
  await waitForServer(pool);
  const messages = `"${schema}".roomlog_messages`;
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE ${messages} (
    stream_id bigint NOT NULL, seq bigint NOT NULL, id uuid NOT NULL, created_at bigint NOT NULL,
    expires_at bigint, edited_at bigint, deleted_at bigint, target bigint,
    version integer NOT NULL DEFAULT 1,
    kind text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'edit', 'delete')),
    event text NOT NULL, sender_id text, client_message_id text, payload json,
    CONSTRAINT roomlog_messages_pkey PRIMARY KEY (stream_id, seq)
  ) PARTITION BY HASH (stream_id)`);
  for (let i = 0; i < 4; i++) {
    await pool.query(
      `CREATE TABLE "${schema}".roomlog_messages_p${i} PARTITION OF ${messages} FOR VALUES WITH (MODULUS 4, REMAINDER ${i})`,
    );
  }
  const store = createPostgresStore(pool, { schema, maxCount: 3 });
  await store.migrate();
  for (let r = 0; r < 8; r++) {
    const ref = { namespace: '/', room: `room-${r}` };
    await store.append([1, 2, 3, 4].map((n) => ({ ...ref, event: 'chat', data: n, clientMessageId: `c${n}` })));
    const [again] = await store.append([{ ...ref, event: 'chat', data: 'retry', clientMessageId: 'c4' }]);
    expect(again).toMatchObject({ duplicate: true, message: { seq: 4, data: 4 } });
    await store.edit(ref, 4, 'edited');
    expect((await store.read(ref)).messages.map((m) => [m.seq, m.kind, m.data])).toEqual([
      [3, 'message', 3],
      [4, 'message', 'edited'],
      [5, 'edit', 'edited'],
    ]);
  }
  const { rows } = await pool.query<{ partitions: number }>(`SELECT count(DISTINCT tableoid)::int AS partitions FROM ${messages}`);
  expect(rows[0]!.partitions).toBeGreaterThan(1);
});
