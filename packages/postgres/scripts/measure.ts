/**
 * Measures what docs/backends/postgres.md reports: bytes per stored message (heap + indexes,
 * after VACUUM) and append/read latency on one connection. Not a test and not the benchmark;
 * run by hand on an idle server: `pnpm --filter @roomlog/postgres exec tsx scripts/measure.ts`
 * (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test). Uses a throwaway schema.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresStore } from '../src/index';

const MESSAGES = 100_000;
const ROOMS = 100;
const BATCH = 500;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', max: 1 });
const schema = `roomlog_measure_${randomUUID().slice(0, 8)}`;
const store = createPostgresStore(pool, { schema });

function chatLine(i: number) {
  return {
    namespace: '/chat',
    room: `room-${i % ROOMS}`,
    event: 'message',
    senderId: `user-${i % 1000}`,
    clientMessageId: randomUUID(),
    data: { text: `message number ${i}: a typical chat line, about sixty bytes`, mentions: [] as string[] },
  };
}

async function median(runs: number, action: (run: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    await action(run);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

try {
  await store.migrate();
  const payloadBytes = Buffer.byteLength(JSON.stringify(chatLine(50_000).data));
  for (let from = 0; from < MESSAGES; from += BATCH) {
    await store.append(Array.from({ length: BATCH }, (_, i) => chatLine(from + i)));
  }
  await pool.query(`VACUUM ANALYZE "${schema}".roomlog_messages`);
  const { rows } = await pool.query<{ heap: string; indexes: string; total: string }>(
    `SELECT pg_table_size(c) AS heap, pg_indexes_size(c) AS indexes, pg_total_relation_size(c) AS total
     FROM (SELECT $1::regclass AS c) x`,
    [`"${schema}".roomlog_messages`],
  );
  const { heap, indexes, total } = rows[0]!;
  console.log(
    `payload JSON ${payloadBytes} B; per message: heap ${Number(heap) / MESSAGES} B, indexes ${Number(indexes) / MESSAGES} B, total ${Number(total) / MESSAGES} B`,
  );

  let n = MESSAGES;
  const one = await median(300, () => store.append([chatLine(n++)]));
  const batch = await median(20, () => store.append(Array.from({ length: BATCH }, () => chatLine(n++))));
  const read = await median(300, (run) => store.read({ namespace: '/chat', room: `room-${run % ROOMS}` }, { limit: 50 }));
  const after = await median(300, (run) => store.read({ namespace: '/chat', room: `room-${run % ROOMS}` }, { after: 500, limit: 50 }));
  console.log(
    `median ms: append 1 = ${one.toFixed(2)}, append ${BATCH} = ${batch.toFixed(2)}, read latest 50 = ${read.toFixed(2)}, read after = ${after.toFixed(2)}`,
  );
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
