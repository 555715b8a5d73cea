/**
 * Reads are keyset scans: on a table of 200k rows, the plan of every read shape uses the
 * `(stream_id, seq)` primary key and never scans the table sequentially.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSql } from '../src/queries.sql';
import { testDatabase } from './database';

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

  it.each([
    ['latest page', true, null, null],
    ['before', true, null, 50],
    ['after', false, 10, null],
    ['after and before', false, 10, 90],
  ])('%s uses the primary key, no sequential scan', async (_, newest, after, before) => {
    const store = await db.store({ maxAgeMs: 60_000, maxCount: 5000 });
    const now = 1700000000000 + PER_STREAM;
    const { rows } = await db.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${readSql(store.tables, newest as boolean)}`,
      ['/', 'room-777', now, now - 60_000, 5000, after, before, 51],
    );
    const plan = nodes(rows[0]!['QUERY PLAN'][0].Plan);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
    const messageScans = plan.filter((n) => n['Relation Name'] === 'roomlog_messages');
    expect(messageScans.length).toBeGreaterThan(0);
    for (const scan of messageScans) expect(scan['Index Name']).toBe('roomlog_messages_pkey');
  });
});
