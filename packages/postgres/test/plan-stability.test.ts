/**
 * Append must not slow down as a stream grows, even before the table has planner statistics.
 *
 * A fresh install has none until autovacuum's first ANALYZE, and PL/pgSQL keeps a statement's
 * plan once it switches to a generic one (after five calls). A generic plan made while the
 * table looked empty once scanned every row of the stream on each append (a probe by
 * `stream_id` alone, filtering on `client_message_id`): appends of 256 went from 10 ms to
 * 560 ms over 25k rows. This counts the rows one append reads, per transaction, from
 * PostgreSQL's own statistics counters, so it fails on the plan, not on the clock.
 */
import { randomUUID } from 'node:crypto';
import type { NewMessage, StreamRef } from '@roomlog/core';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from './fixtures';

const db = testDatabase({ max: 1 });
afterAll(() => db.drop());

const ROWS = 6000;
const BATCH = 200;
/** Other streams, so a scan of the counter table would show too. */
const STREAMS = 300;

function batch(ref: StreamRef, count: number, extra: Partial<NewMessage> = {}): NewMessage[] {
  return Array.from({ length: count }, () => ({ ...ref, event: 'chat', data: { text: 'hello' }, clientMessageId: randomUUID(), ...extra }));
}

/** What one transaction read from `table`, from PostgreSQL's per-transaction counters. */
async function rowsRead(client: { query: typeof db.pool.query }, table: string): Promise<{ seqRead: number; indexFetched: number }> {
  const { rows } = await client.query<{ seqRead: number; indexFetched: number }>(
    `SELECT pg_stat_get_xact_tuples_returned($1::regclass)::int AS "seqRead",
            pg_stat_get_xact_tuples_fetched($1::regclass)::int AS "indexFetched"`,
    [table],
  );
  return rows[0]!;
}

describe('append plan without planner statistics', () => {
  it.each([
    ['no retention', {}],
    ['count and age retention', { maxCount: 1_000_000, maxAgeMs: 86_400_000 }],
  ])(
    `reads O(batch) rows, not O(stream), after ${ROWS} appends (%s)`,
    async (_, options) => {
      const store = await db.store(options);
      const { messages, streams } = store.tables;
      // No statistics for the whole test: autovacuum's ANALYZE would otherwise fix the plans.
      for (const table of [messages, streams]) await db.pool.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
      const ref: StreamRef = { namespace: '/plan', room: `room-${randomUUID()}` };
      await store.append(
        Array.from({ length: STREAMS }, (_, i) => ({ namespace: '/plan', room: `other-${i}-${randomUUID()}`, event: 'chat', data: i })),
      );
      // Plain appends, a TTL message and a retry, so every branch of the function has run (and
      // been planned) more than five times while the table was small.
      for (let done = 0; done < ROWS; done += BATCH) {
        const written = await store.append(batch(ref, BATCH, done === 0 ? { ttlMs: 3_600_000 } : {}));
        await store.append([{ ...ref, event: 'chat', data: 'retry', clientMessageId: written[0]!.message.clientMessageId! }]);
      }

      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        const results = await store.append([...batch(ref, 10), ...batch(ref, 10, { ttlMs: 60_000 })], { client });
        expect(results.every((r) => !r.duplicate)).toBe(true);
        const messagesRead = await rowsRead(client, messages);
        const streamsRead = await rowsRead(client, streams);
        await client.query('COMMIT');
        // 20 messages in one stream: a few rows each (the duplicate probe, the retention checks).
        expect(messagesRead.seqRead).toBe(0);
        expect(messagesRead.indexFetched).toBeLessThan(100);
        expect(streamsRead.seqRead).toBe(0);
        expect(streamsRead.indexFetched).toBeLessThan(10);
      } finally {
        client.release();
      }
    },
    120_000,
  );
});
