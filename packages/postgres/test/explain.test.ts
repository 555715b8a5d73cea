/**
 * Reads are keyset scans: on a table of 200k rows, the plan of every read shape uses the
 * `(stream_id, seq)` primary key and never scans the table sequentially.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSql, readValues } from '../src/queries.sql';
import { testDatabase } from './fixtures';

const db = testDatabase();
const STREAMS = 2000;
const PER_STREAM = 100;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

beforeAll(async () => {
  const store = await db.store();
  const t = store.tables;
  // Written directly: 2000 streams x 100 entries, as the append function would lay them out.
  await db.pool.query(
    `INSERT INTO ${t.streams} (namespace, room, epoch, seq)
     SELECT '/', 'room-' || s, gen_random_uuid(), $2 FROM generate_series(1, $1::int) s`,
    [STREAMS, PER_STREAM],
  );
  await db.pool.query(
    `INSERT INTO ${t.messages} (stream_id, seq, id, created_at, event, sender_id, payload)
     SELECT st.stream_id, n, gen_random_uuid(), 1700000000000 + n, 'chat', 'user-' || (n % 50), '{"text":"hello"}'
     FROM ${t.streams} st CROSS JOIN generate_series(1, $1::int) n`,
    [PER_STREAM],
  );
  await db.pool.query(`ANALYZE ${t.streams}`);
  await db.pool.query(`ANALYZE ${t.messages}`);
}, 60_000);
afterAll(() => db.drop());

describe('read plan', () => {
  it(`has ${STREAMS * PER_STREAM} rows to plan against`, async () => {
    const store = await db.store();
    const { rows } = await db.pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${store.tables.messages}`);
    expect(rows[0]!.count).toBe(STREAMS * PER_STREAM);
  });

  const shapes = [
    { age: false, count: false },
    { age: true, count: false },
    { age: false, count: true },
    { age: true, count: true },
  ];
  const cases = [
    ['latest page', true, null, null],
    ['before', true, null, 50],
    ['after', false, 10, null],
    ['after and before', false, 10, 90],
  ] as const;
  it.each(
    shapes.flatMap((shape) =>
      cases.map(([name, newest, after, before]) => [name, JSON.stringify(shape), shape, newest, after, before] as const),
    ),
  )('%s with retention %s uses the primary key, no sequential scan', async (_, __, shape, newest, after, before) => {
    const store = await db.store();
    const now = 1700000000000 + PER_STREAM;
    const values = readValues(
      shape,
      { namespace: '/', room: 'room-777', now, after, before, limit: 51 },
      { cutoff: now - 60_000, maxCount: 5000 },
    );
    const { rows } = await db.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${readSql(store.tables, newest, shape)}`,
      values,
    );
    const plan = nodes(rows[0]!['QUERY PLAN'][0].Plan);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
    // Index scans, or bitmap scans for a short range: either way through the primary key.
    const messageIndexes = plan.map((n) => n['Index Name']).filter((name) => name?.startsWith('roomlog_messages'));
    expect(messageIndexes).toHaveLength(shape.age ? 2 : 1);
    for (const name of messageIndexes) expect(name).toBe('roomlog_messages_pkey');
  });
});
