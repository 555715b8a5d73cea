/**
 * Physical retention: every append removes what count, age and TTL retention expired in its
 * streams, in bounded steps, so the table stays near `maxCount` per stream (reads never return
 * expired rows regardless; the suite checks that).
 */
import { randomUUID } from 'node:crypto';
import type { NewMessage, StreamRef } from '@roomlog/core';
import { manualClock } from '@roomlog/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from './fixtures';

const db = testDatabase();
afterAll(() => db.drop());

function stream(): StreamRef {
  return { namespace: '/retention', room: `room-${randomUUID()}` };
}

function messages(ref: StreamRef, count: number, fields: Partial<NewMessage> = {}): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({ ...ref, event: 'chat', data: i, ...fields }));
}

async function storedSeqs(ref: StreamRef): Promise<number[]> {
  const { rows } = await db.pool.query<{ seq: string }>(
    `SELECT m.seq FROM "${db.schema}".roomlog_messages m JOIN "${db.schema}".roomlog_streams s USING (stream_id)
     WHERE s.namespace = $1 AND s.room = $2 ORDER BY m.seq`,
    [ref.namespace, ref.room],
  );
  return rows.map((r) => Number(r.seq));
}

describe('physical retention', () => {
  it('keeps at most maxCount rows per stream as appends go on', async () => {
    const store = await db.store({ maxCount: 10 });
    const ref = stream();
    for (let i = 0; i < 40; i++) {
      await store.append(messages(ref, 5));
      expect((await storedSeqs(ref)).length).toBeLessThanOrEqual(10);
    }
    expect(await storedSeqs(ref)).toEqual(Array.from({ length: 10 }, (_, i) => 191 + i));
  });

  it('works off a backlog in bounded steps when maxCount is lowered', async () => {
    const ref = stream();
    await (await db.store()).append(messages(ref, 300));
    const store = await db.store({ maxCount: 5 });
    await store.append(messages(ref, 1)); // removes at most 2 * 1 + 16 rows
    expect((await storedSeqs(ref)).length).toBe(301 - 18);
    for (let i = 0; i < 20; i++) await store.append(messages(ref, 1));
    expect(await storedSeqs(ref)).toEqual([317, 318, 319, 320, 321]);
  });

  it('removes rows older than maxAgeMs and TTL-expired rows anywhere in the stream', async () => {
    const clock = manualClock();
    const store = await db.store({ maxAgeMs: 60_000, now: clock.now });
    const ref = stream();
    await store.append(messages(ref, 3)); // 1-3: age out first
    clock.advance(30_000);
    await store.append([...messages(ref, 1), ...messages(ref, 1, { ttlMs: 1000 }), ...messages(ref, 1)]); // 4, 5 (ttl), 6
    clock.advance(31_000);
    await store.append(messages(ref, 1)); // 7
    expect(await storedSeqs(ref)).toEqual([4, 6, 7]);
    expect((await store.head(ref))?.firstSeq).toBe(4);
  });
});
